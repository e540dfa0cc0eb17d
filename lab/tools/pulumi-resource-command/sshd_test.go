package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// A real OpenSSH server on a loopback address of this file's own (127.0.77.1), on a
// free port, with a throwaway host key and client key; stopped when the test ends.

const sshdAddress = "127.0.77.1"

type testSSHD struct {
	host, user string
	port       int
	clientKey  string // PEM
	hostKey    string // "ssh-ed25519 AAAA..."
}

func newKey(t *testing.T) (pemText string, pub ssh.PublicKey) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(sk, "")
	if err != nil {
		t.Fatal(err)
	}
	pub, err = ssh.NewPublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(block)), pub
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", sshdAddress+":0")
	if err != nil {
		t.Fatalf("cannot listen on %s (loopback 127.0.0.0/8 expected): %v", sshdAddress, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startSSHD(t *testing.T) *testSSHD {
	t.Helper()
	const sshd = "/usr/sbin/sshd"
	if _, err := os.Stat(sshd); err != nil {
		t.Fatalf("%s is missing: install openssh-server (scripts/install-test-tools does)", sshd)
	}
	// sshd refuses to start without its privilege-separation folder.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatalf("cannot create /run/sshd (run the tests as root): %v", err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hostPEM, hostPub := newKey(t)
	clientPEM, clientPub := newKey(t)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	port := freePort(t)
	cfg := write("sshd_config", strings.Join([]string{
		fmt.Sprintf("ListenAddress %s:%d", sshdAddress, port),
		"HostKey " + write("host_key", hostPEM),
		"AuthorizedKeysFile " + write("authorized_keys", string(ssh.MarshalAuthorizedKey(clientPub))),
		"PidFile " + filepath.Join(dir, "sshd.pid"),
		"PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
		"UsePAM no", "StrictModes no", "LogLevel ERROR",
		// PULUMI_COMMAND_* for addPreviousOutputInEnv, ALLOWED_* for `environment`.
		"AcceptEnv PULUMI_COMMAND_* ALLOWED_*", "",
	}, "\n"))
	cmd := exec.Command(sshd, "-D", "-e", "-f", cfg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort(sshdAddress, strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen on %s: %s", addr, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &testSSHD{host: sshdAddress, user: me.Username, port: port, clientKey: clientPEM,
		hostKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(hostPub)))}
}

// connection is the `connection` input for this server, with extra fields.
func (s *testSSHD) connection(extra map[string]any) map[string]any {
	c := map[string]any{"host": s.host, "port": float64(s.port), "user": s.user, "privateKey": s.clientKey,
		"hostKey": s.hostKey, "dialErrorLimit": float64(0)}
	for k, v := range extra {
		c[k] = v
	}
	return c
}
