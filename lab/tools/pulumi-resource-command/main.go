// pulumi-resource-command: our own build of the Pulumi command provider, the resource
// types @pulumi/command 1.x declares (local.Command, local.run, remote.Command,
// remote.CopyToRemote, remote.CopyFile).
//
// Why it exists: the Go module proxy this project can reach refuses the upstream
// provider module (github.com/pulumi/pulumi-command/provider) and its framework
// (pulumi-go-provider), so lab/tools/install-pulumi builds this program against sdk/v3
// instead. It keeps upstream's inputs, outputs and lifecycle; lab/tools/README.md lists
// where it still differs.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// version is set at build time (-X main.version=...) to the @pulumi/command version.
var version = "1.2.1"

func main() {
	p := newProvider()
	if addr := engineAddress(os.Args[1:]); addr != "" {
		p.connectEngine(addr)
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(s, p)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: cannot serve: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}

// engineAddress is the first positional argument; flags such as --tracing take a value.
func engineAddress(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if !strings.Contains(a, "=") && (a == "--tracing" || a == "-tracing") {
				i++
			}
			continue
		}
		return a
	}
	return ""
}

// logSink receives the provider's messages for one resource (urn may be empty).
type logSink func(severity pulumirpc.LogSeverity, urn, msg string, ephemeral bool)

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
	mu     sync.Mutex
	engine pulumirpc.EngineClient
	// sink replaces the engine in tests.
	sink logSink
}

func newProvider() *provider { return &provider{} }

func (p *provider) connectEngine(addr string) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()), rpcutil.GrpcChannelOptions())
	if err != nil {
		return
	}
	p.mu.Lock()
	p.engine = pulumirpc.NewEngineClient(conn)
	p.mu.Unlock()
}

// log sends one message to the engine (or the test sink). Ephemeral messages are
// status lines that the CLI shows while the step runs.
func (p *provider) log(severity pulumirpc.LogSeverity, urn, msg string, ephemeral bool) {
	if msg == "" {
		return
	}
	p.mu.Lock()
	e, sink := p.engine, p.sink
	p.mu.Unlock()
	if sink != nil {
		sink(severity, urn, msg, ephemeral)
		return
	}
	if e == nil {
		return
	}
	_, _ = e.Log(context.Background(), &pulumirpc.LogRequest{Severity: severity, Message: msg, Urn: urn, Ephemeral: ephemeral})
}
