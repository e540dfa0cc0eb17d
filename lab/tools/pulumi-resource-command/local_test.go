package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

const twoStreams = "echo out-line; echo err-line >&2"

// `logging` decides what reaches the engine's log; the outputs always hold both streams.
func TestLoggingModes(t *testing.T) {
	cases := map[string]struct{ out, err bool }{
		"":                {true, true},
		"stdoutAndStderr": {true, true},
		"stdout":          {true, false},
		"stderr":          {false, true},
		"none":            {false, false},
	}
	for mode, want := range cases {
		p, rec := testProvider()
		ins := pm(map[string]any{"create": twoStreams})
		if mode != "" {
			ins["logging"] = resource.NewProperty(mode)
		}
		state := resource.PropertyMap{}
		if err := p.runLocal(context.Background(), "urn", twoStreams, ins, state); err != nil {
			t.Fatal(err)
		}
		logs := rec.text()
		if got := strings.Contains(logs, "out-line"); got != want.out {
			t.Errorf("logging %q: stdout logged=%v, want %v (logs: %q)", mode, got, want.out, logs)
		}
		if got := strings.Contains(logs, "err-line"); got != want.err {
			t.Errorf("logging %q: stderr logged=%v, want %v (logs: %q)", mode, got, want.err, logs)
		}
		if strOf(t, state, "stdout") != "out-line" || strOf(t, state, "stderr") != "err-line" {
			t.Errorf("logging %q: outputs %v", mode, state)
		}
	}
}

// The error of a failed command goes to the engine's log too, so it carries only the
// streams `logging` lets through.
func TestFailureMessageFollowsLogging(t *testing.T) {
	// The words are assembled by the shell so that they are not in the command text.
	cmd := "printf 'secret-%s\\n' out; printf 'secret-%s\\n' err >&2; exit 3"
	for mode, want := range map[string][]string{"none": {}, "stdout": {"secret-out"}, "stdoutAndStderr": {"secret-out", "secret-err"}} {
		p, rec := testProvider()
		err := p.runLocal(context.Background(), "urn", cmd, pm(map[string]any{"logging": mode}), resource.PropertyMap{})
		if err == nil || !strings.Contains(err.Error(), "exit status 3") {
			t.Fatalf("logging %q: want exit status 3, got %v", mode, err)
		}
		for _, s := range []string{"secret-out", "secret-err"} {
			shown := strings.Contains(err.Error(), s) || strings.Contains(rec.text(), s)
			if shown != contains(want, s) {
				t.Errorf("logging %q: %s shown=%v in %q / %q", mode, s, shown, err, rec.text())
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestPreviousOutputEnv(t *testing.T) {
	state := pm(map[string]any{"stdout": "prev-out", "stderr": ""})
	got := previousOutputEnv(pm(map[string]any{}), state)
	if len(got) != 1 || got[0] != (envVar{envPrevStdout, "prev-out"}) {
		t.Fatalf("default: want only PULUMI_COMMAND_STDOUT (empty stderr left out), got %v", got)
	}
	if got := previousOutputEnv(pm(map[string]any{"addPreviousOutputInEnv": false}), state); len(got) != 0 {
		t.Fatalf("addPreviousOutputInEnv false: want nothing, got %v", got)
	}
}

func TestLocalEnvironmentOrder(t *testing.T) {
	env := localEnv([]string{"A=base"}, pm(map[string]any{"environment": map[string]any{"B": "2", "A": "1"}}),
		pm(map[string]any{"stdout": "o"}))
	want := []string{"A=base", "A=1", "B=2", "PULUMI_COMMAND_STDOUT=o"}
	if strings.Join(env, " ") != strings.Join(want, " ") {
		t.Fatalf("env %v, want %v", env, want)
	}
}

// Through the gRPC surface: create, update with the previous stdout, delete with the
// last one, and stdin/dir/environment on the way.
func TestLocalCommandLifecycle(t *testing.T) {
	p, _ := testProvider()
	ctx := context.Background()
	dir := t.TempDir()
	urn := urnOf(tLocalCommand)
	ins := map[string]any{
		"create": "read x; echo \"$x-$GREETING\"", "stdin": "in", "environment": map[string]any{"GREETING": "hi"},
		"update": "echo \"upd<$PULUMI_COMMAND_STDOUT>\"", "delete": "echo \"del<$PULUMI_COMMAND_STDOUT>\" > gone.txt", "dir": dir,
	}
	created, err := p.Create(ctx, &pulumirpcCreate{Urn: urn, Properties: props(t, ins)})
	if err != nil {
		t.Fatal(err)
	}
	state := unprops(t, created.GetProperties())
	if got := strOf(t, state, "stdout"); got != "in-hi" {
		t.Fatalf("create stdout %q", got)
	}
	updated, err := p.Update(ctx, &pulumirpcUpdate{Urn: urn, Olds: created.GetProperties(), News: props(t, ins)})
	if err != nil {
		t.Fatal(err)
	}
	if got := strOf(t, unprops(t, updated.GetProperties()), "stdout"); got != "upd<in-hi>" {
		t.Fatalf("update stdout %q", got)
	}
	if _, err := p.Delete(ctx, &pulumirpcDelete{Urn: urn, Properties: updated.GetProperties()}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "gone.txt"))
	if err != nil || strings.TrimSpace(string(b)) != "del<upd<in-hi>>" {
		t.Fatalf("delete saw %q (%v)", b, err)
	}
}

func TestFailedCreateLeavesNoState(t *testing.T) {
	p, _ := testProvider()
	resp, err := p.Create(context.Background(), &pulumirpcCreate{Urn: urnOf(tLocalCommand), Properties: props(t, map[string]any{"create": "exit 1"})})
	if err == nil || resp != nil {
		t.Fatalf("want a plain error and no resource, got %v, %v", resp, err)
	}
}

func TestPreviewMarksOutputsUnknown(t *testing.T) {
	p, _ := testProvider()
	resp, err := p.Create(context.Background(), &pulumirpcCreate{Urn: urnOf(tLocalCommand), Properties: props(t, map[string]any{"create": "touch should-not-exist"}), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if !unprops(t, resp.GetProperties())["stdout"].IsComputed() {
		t.Fatal("preview: stdout should be unknown")
	}
	if _, err := os.Stat("should-not-exist"); err == nil {
		t.Fatal("preview ran the command")
	}
}

func TestAssetPathsGlobs(t *testing.T) {
	p, _ := testProvider()
	dir := t.TempDir()
	state := resource.PropertyMap{}
	cmd := "mkdir -p a/b && touch a/x.txt a/b/y.txt a/b/z.log"
	ins := pm(map[string]any{"dir": dir, "assetPaths": []any{"a/**", "!**/*.log"}})
	if err := p.runLocal(context.Background(), "", cmd, ins, state); err != nil {
		t.Fatal(err)
	}
	got := state["assets"].ObjectValue()
	if len(got) != 2 || !got.HasValue("a/x.txt") || !got.HasValue("a/b/y.txt") {
		t.Fatalf("assets %v", got)
	}
}
