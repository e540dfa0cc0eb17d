package main

import (
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// Shared test helpers: a provider whose engine log is recorded, and property plumbing.

type logged struct {
	severity  pulumirpc.LogSeverity
	msg       string
	ephemeral bool
}

type recorder struct {
	mu   sync.Mutex
	logs []logged
}

func testProvider() (*provider, *recorder) {
	r := &recorder{}
	p := newProvider()
	p.sink = func(sev pulumirpc.LogSeverity, _, msg string, eph bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.logs = append(r.logs, logged{sev, msg, eph})
	}
	return p, r
}

// text is everything logged, one message a line.
func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, l := range r.logs {
		b.WriteString(l.msg + "\n")
	}
	return b.String()
}

func urnOf(t string) string {
	return string(resource.NewURN("dev", "edge", "", tokens.Type(t), "test"))
}

func props(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := marshal(resource.NewPropertyMapFromMap(m))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func unprops(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := unmarshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func strOf(t *testing.T, m resource.PropertyMap, k string) string {
	t.Helper()
	s, ok := str(m, k)
	if !ok {
		t.Fatalf("no string %q in %v", k, m)
	}
	return s
}

type (
	pulumirpcCreate = pulumirpc.CreateRequest
	pulumirpcUpdate = pulumirpc.UpdateRequest
	pulumirpcDelete = pulumirpc.DeleteRequest
)
