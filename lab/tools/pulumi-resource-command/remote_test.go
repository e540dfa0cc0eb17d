package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func TestRemoteCommandOverSSH(t *testing.T) {
	s := startSSHD(t)
	ctx := context.Background()
	dir := t.TempDir()
	urn := urnOf(tRemoteCmd)

	t.Run("create, update with previous output, delete", func(t *testing.T) {
		p, _ := testProvider()
		ins := map[string]any{
			"connection":  s.connection(nil),
			"create":      `read x; echo "$x $ALLOWED_VAR"; echo warn >&2`,
			"stdin":       "from-stdin",
			"environment": map[string]any{"ALLOWED_VAR": "env-ok"},
			"update":      `echo "again<$PULUMI_COMMAND_STDOUT>"`,
			"delete":      `echo "del<$PULUMI_COMMAND_STDOUT>" > ` + filepath.Join(dir, "deleted"),
		}
		created, err := p.Create(ctx, &pulumirpcCreate{Urn: urn, Properties: props(t, ins)})
		if err != nil {
			t.Fatal(err)
		}
		st := unprops(t, created.GetProperties())
		if strOf(t, st, "stdout") != "from-stdin env-ok" || strOf(t, st, "stderr") != "warn" {
			t.Fatalf("create outputs %v", st)
		}
		updated, err := p.Update(ctx, &pulumirpcUpdate{Urn: urn, Olds: created.GetProperties(), News: props(t, ins)})
		if err != nil {
			t.Fatal(err)
		}
		if got := strOf(t, unprops(t, updated.GetProperties()), "stdout"); got != "again<from-stdin env-ok>" {
			t.Fatalf("update stdout %q", got)
		}
		if _, err := p.Delete(ctx, &pulumirpcDelete{Urn: urn, Properties: updated.GetProperties()}); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "deleted")); strings.TrimSpace(string(b)) != "del<again<from-stdin env-ok>>" {
			t.Fatalf("delete saw %q", b)
		}
	})

	t.Run("an environment variable sshd refuses fails the command", func(t *testing.T) {
		p, rec := testProvider()
		ins := map[string]any{"connection": s.connection(nil), "create": "true", "environment": map[string]any{"REFUSED": "x"}}
		_, err := p.Create(ctx, &pulumirpcCreate{Urn: urn, Properties: props(t, ins)})
		if err == nil || !strings.Contains(err.Error(), `"REFUSED"`) || !strings.Contains(rec.text(), "AcceptEnv") {
			t.Fatalf("want a refused-variable error with the AcceptEnv hint, got %v / %q", err, rec.text())
		}
	})

	t.Run("a wrong hostKey is refused", func(t *testing.T) {
		p, _ := testProvider()
		_, other := newKey(t)
		wrong := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(other)))
		ins := map[string]any{"connection": s.connection(map[string]any{"hostKey": wrong}), "create": "echo should-not-run"}
		_, err := p.Create(ctx, &pulumirpcCreate{Urn: urn, Properties: props(t, ins)})
		if err == nil || !strings.Contains(err.Error(), "host key mismatch") {
			t.Fatalf("want a host key mismatch, got %v", err)
		}
	})

	t.Run("through a bastion (proxy)", func(t *testing.T) {
		p, _ := testProvider()
		// The same sshd serves as bastion (its default AllowTcpForwarding) and as target.
		ins := map[string]any{"connection": s.connection(map[string]any{"proxy": s.connection(nil)}), "create": "echo via-proxy"}
		created, err := p.Create(ctx, &pulumirpcCreate{Urn: urn, Properties: props(t, ins)})
		if err != nil {
			t.Fatal(err)
		}
		if got := strOf(t, unprops(t, created.GetProperties()), "stdout"); got != "via-proxy" {
			t.Fatalf("stdout %q", got)
		}
	})

	t.Run("dialErrorLimit bounds the retries", func(t *testing.T) {
		retryDelay = 10 * time.Millisecond
		defer func() { retryDelay = 100 * time.Millisecond }()
		p, rec := testProvider()
		closed := freePort(t) // nothing listens there
		ins := map[string]any{"connection": s.connection(map[string]any{"port": float64(closed), "dialErrorLimit": float64(2)}), "create": "true"}
		_, err := p.Create(ctx, &pulumirpcCreate{Urn: urn, Properties: props(t, ins)})
		if err == nil || !strings.Contains(err.Error(), "after 3 failed attempts") {
			t.Fatalf("want failure after 3 dials (limit 2), got %v", err)
		}
		if n := strings.Count(rec.text(), "failed: retrying"); n != 2 {
			t.Fatalf("want 2 retry messages, got %d: %q", n, rec.text())
		}
	})
}
