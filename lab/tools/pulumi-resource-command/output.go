package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// loggingMode is the `logging` input: which streams go to the engine's log while a
// command runs. It never changes what is captured into the stdout/stderr outputs.
type loggingMode struct{ stdout, stderr bool }

func parseLogging(ins resource.PropertyMap) loggingMode {
	mode, _ := str(ins, "logging")
	switch mode {
	case "stdout":
		return loggingMode{stdout: true}
	case "stderr":
		return loggingMode{stderr: true}
	case "none":
		return loggingMode{}
	default: // "stdoutAndStderr" and unset, as upstream
		return loggingMode{stdout: true, stderr: true}
	}
}

// capture collects a command's output: each stream for the outputs, the streams the
// logging mode allows for the engine's log and for the error message of a failed run.
type capture struct {
	out, err bytes.Buffer
	// logged holds, interleaved, only what the logging mode lets through: upstream puts
	// both streams into the error of a failed command; we leave out the streams that
	// `logging` keeps out of the logs, because that error ends up in the engine's log too.
	logged lockedBuffer
	lines  *lineLogger
	mode   loggingMode
}

func (p *provider) newCapture(urn string, ins resource.PropertyMap) *capture {
	return &capture{lines: &lineLogger{p: p, urn: urn}, mode: parseLogging(ins)}
}

func (c *capture) writers() (stdout, stderr io.Writer) {
	stdout, stderr = &c.out, &c.err
	if c.mode.stdout {
		stdout = io.MultiWriter(&c.out, &c.logged, c.lines)
	}
	if c.mode.stderr {
		stderr = io.MultiWriter(&c.err, &c.logged, c.lines)
	}
	return stdout, stderr
}

// finish flushes the log and records the outputs, each with one trailing newline
// trimmed (as upstream).
func (c *capture) finish(state resource.PropertyMap) {
	c.lines.flush()
	state["stdout"] = resource.NewProperty(strings.TrimSuffix(c.out.String(), "\n"))
	state["stderr"] = resource.NewProperty(strings.TrimSuffix(c.err.String(), "\n"))
}

// failure is the error of a command that did not succeed.
func (c *capture) failure(err error, command string) error {
	c.lines.flush()
	shown := c.logged.String()
	if !c.mode.stdout && !c.mode.stderr {
		shown = "(output not shown: logging is \"none\")"
	}
	return fmt.Errorf("%w: running %q:\n%s", err, command, shown)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(b)
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// lineLogger forwards complete lines to the engine as ephemeral info messages, the
// way upstream shows a running command's output.
type lineLogger struct {
	p   *provider
	urn string
	buf []byte
	mu  sync.Mutex
}

func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.p.log(pulumirpc.LogSeverity_INFO, l.urn, string(l.buf[:i]), true)
		l.buf = l.buf[i+1:]
	}
	return len(b), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.p.log(pulumirpc.LogSeverity_INFO, l.urn, string(l.buf), true)
		l.buf = nil
	}
}
