package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func writeJSON(t *testing.T, p string, v any) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Resource plugins are the packages whose package.json has pulumi.resource = true,
// under their pulumi.name/version (or the package's own).
func TestGetRequiredPlugins(t *testing.T) {
	dir := t.TempDir()
	nm := filepath.Join(dir, "node_modules")
	writeJSON(t, filepath.Join(nm, "@pulumi", "command", "package.json"),
		map[string]any{"name": "@pulumi/command", "version": "1.2.1", "pulumi": map[string]any{"resource": true, "name": "command", "version": "1.2.1"}})
	writeJSON(t, filepath.Join(nm, "@pulumi", "tls", "package.json"),
		map[string]any{"name": "@pulumi/tls", "version": "5.6.1", "pulumi": map[string]any{"resource": true}})
	writeJSON(t, filepath.Join(nm, "@pulumi", "pulumi", "package.json"), map[string]any{"name": "@pulumi/pulumi", "version": "3.248.0"})
	writeJSON(t, filepath.Join(nm, "zod", "package.json"), map[string]any{"name": "zod", "version": "4.0.0"})
	// A package.json deeper than a package root (e.g. a fixture) does not count.
	writeJSON(t, filepath.Join(nm, "zod", "fixtures", "x", "package.json"),
		map[string]any{"name": "x", "version": "9.9.9", "pulumi": map[string]any{"resource": true}})
	resp, err := (&host{}).GetRequiredPlugins(context.Background(), &pulumirpc.GetRequiredPluginsRequest{Pwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range resp.GetPlugins() {
		got = append(got, p.GetKind()+":"+p.GetName()+"@"+p.GetVersion())
	}
	if strings.Join(got, " ") != "resource:command@v1.2.1 resource:tls@v5.6.1" {
		t.Fatalf("plugins %v", got)
	}
}

// Run hands the program to @pulumi/pulumi's cmd/run with the engine's arguments and
// config, and maps its exit codes: 32 (already reported) → bail, others → error.
func TestRunHandsOverToCmdRun(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not on PATH")
	}
	dir := t.TempDir()
	record := filepath.Join(dir, "record.json")
	fake := filepath.Join(dir, "run.js")
	script := `require("fs").writeFileSync(process.env.RECORD, JSON.stringify({argv: process.argv.slice(2),
		config: process.env.PULUMI_CONFIG, secrets: process.env.PULUMI_CONFIG_SECRET_KEYS}));
		process.exit(Number(process.env.EXIT_CODE || 0));`
	if err := os.WriteFile(fake, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH", fake)
	t.Setenv("RECORD", record)
	req := &pulumirpc.RunRequest{MonitorAddress: "127.0.0.1:1", Project: "edge", Stack: "dev", Pwd: dir, DryRun: true,
		Parallel: 4, Config: map[string]string{"edge:a": "1"}, ConfigSecretKeys: []string{"edge:a"}}
	resp, err := (&host{engine: "127.0.0.1:2"}).Run(context.Background(), req)
	if err != nil || resp.GetError() != "" || resp.GetBail() {
		t.Fatalf("run: %v %v", resp, err)
	}
	var rec struct {
		Argv            []string
		Config, Secrets string
	}
	b, err := os.ReadFile(record)
	if err != nil || json.Unmarshal(b, &rec) != nil {
		t.Fatalf("cmd/run did not run: %v", err)
	}
	want := "--monitor 127.0.0.1:1 --engine 127.0.0.1:2 --project edge --stack dev --pwd " + dir + " --dry-run --parallel 4 ."
	if strings.Join(rec.Argv, " ") != want || rec.Config != `{"edge:a":"1"}` || rec.Secrets != `["edge:a"]` {
		t.Fatalf("cmd/run got %+v", rec)
	}
	t.Setenv("EXIT_CODE", "32")
	if resp, _ := (&host{}).Run(context.Background(), req); !resp.GetBail() {
		t.Fatalf("exit 32: want bail, got %v", resp)
	}
	t.Setenv("EXIT_CODE", "3")
	if resp, _ := (&host{}).Run(context.Background(), req); !strings.Contains(resp.GetError(), "exit code: 3") {
		t.Fatalf("exit 3: want an error, got %v", resp)
	}
}
