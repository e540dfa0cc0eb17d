package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// conn is the `connection` input (and its `proxy`), with the SDK's defaults.
type conn struct {
	host, user, password, privateKey, keyPassword, agentSocket, hostKey string
	port                                                                int
	dialErrorLimit                                                      int // -1: no limit
	perDialTimeout                                                      int // seconds, 0: no limit
	proxy                                                               *conn
}

var errNoConnection = errors.New("connection is required")

func parseConn(m resource.PropertyMap) (*conn, error) {
	c := &conn{
		port: num(m, "port", 22), dialErrorLimit: num(m, "dialErrorLimit", 10), perDialTimeout: num(m, "perDialTimeout", 15),
	}
	c.host, _ = str(m, "host")
	if c.host == "" {
		return nil, fmt.Errorf("connection.host is required")
	}
	c.user, _ = str(m, "user")
	if c.user == "" {
		c.user = "root"
	}
	c.password, _ = str(m, "password")
	c.privateKey, _ = str(m, "privateKey")
	c.keyPassword, _ = str(m, "privateKeyPassword")
	c.agentSocket, _ = str(m, "agentSocketPath")
	c.hostKey, _ = str(m, "hostKey")
	if v, ok := m["proxy"]; ok && v.IsObject() {
		px, err := parseConn(v.ObjectValue())
		if err != nil {
			return nil, fmt.Errorf("proxy: %w", err)
		}
		c.proxy = px
	}
	return c, nil
}

func connOf(ins resource.PropertyMap) (*conn, error) {
	v, ok := ins["connection"]
	if !ok || !v.IsObject() {
		return nil, errNoConnection
	}
	return parseConn(v.ObjectValue())
}

func (c *conn) addr() string { return net.JoinHostPort(c.host, strconv.Itoa(c.port)) }

// config is the SSH client configuration: key, then password (and keyboard-interactive
// with the password), then the agent at agentSocketPath or $SSH_AUTH_SOCK.
func (c *conn) config() (*ssh.ClientConfig, error) {
	cfg := &ssh.ClientConfig{User: c.user, Timeout: time.Duration(c.perDialTimeout) * time.Second}
	if err := c.setHostKeyCheck(cfg); err != nil {
		return nil, err
	}
	if c.privateKey != "" {
		var signer ssh.Signer
		var err error
		if c.keyPassword != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(c.privateKey), []byte(c.keyPassword))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(c.privateKey))
		}
		if err != nil {
			// Never include the key itself in the message.
			return nil, fmt.Errorf("parsing connection.privateKey: %w", err)
		}
		cfg.Auth = append(cfg.Auth, ssh.PublicKeys(signer))
	}
	if c.password != "" {
		pw := c.password
		cfg.Auth = append(cfg.Auth, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
				answers := make([]string, len(qs))
				for i := range qs {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	sock := c.agentSocket
	if sock == "" {
		sock = os.Getenv("SSH_AUTH_SOCK")
	}
	if sock != "" {
		// Upstream fails when the agent cannot be reached, also for $SSH_AUTH_SOCK;
		// we only fail for an explicit agentSocketPath and otherwise go on without it.
		if a, err := net.Dial("unix", sock); err == nil {
			cfg.Auth = append(cfg.Auth, ssh.PublicKeysCallback(agent.NewClient(a).Signers))
		} else if c.agentSocket != "" {
			return nil, fmt.Errorf("ssh agent at %s: %w", sock, err)
		}
	}
	return cfg, nil
}

// setHostKeyCheck pins the server's key to `hostKey` (a known_hosts/authorized_keys
// style "type base64" line); without it the key is not checked, as upstream documents.
func (c *conn) setHostKeyCheck(cfg *ssh.ClientConfig) error {
	if c.hostKey == "" {
		cfg.HostKeyCallback = ssh.InsecureIgnoreHostKey()
		return nil
	}
	want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(c.hostKey))
	if err != nil {
		return fmt.Errorf("connection.hostKey for %s is not a public key like \"ssh-ed25519 AAAA...\": %w", c.addr(), err)
	}
	cfg.HostKeyCallback = ssh.FixedHostKey(want)
	// Ask the server for this kind of key first, so a host with several keys offers it.
	cfg.HostKeyAlgorithms = hostKeyAlgorithms(want.Type())
	return nil
}

// hostKeyAlgorithms are the signature algorithms that prove a key of type keyType;
// an "ssh-rsa" key signs with rsa-sha2-512/256 on current servers.
func hostKeyAlgorithms(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}
