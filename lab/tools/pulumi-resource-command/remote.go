package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// setenvHint is upstream's explanation of why a variable did not reach the command.
const setenvHint = "This only works if the SSH server accepts the variable (sshd_config AcceptEnv); " +
	"alternatively prefix the command with it, as in 'VAR=value command'."

// runRemote runs command over SSH and records stdout and stderr in state. `state`
// also carries the previous outputs for PULUMI_COMMAND_STDOUT/STDERR.
func (p *provider) runRemote(ctx context.Context, urn, command string, ins, state resource.PropertyMap) error {
	client, err := p.connect(ctx, urn, ins)
	if err != nil {
		return err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return err
	}
	defer session.Close()
	// As upstream: a refused `environment` variable fails the command...
	for _, v := range userEnv(ins) {
		if err := session.Setenv(v.name, v.value); err != nil {
			p.log(pulumirpc.LogSeverity_ERROR, urn, fmt.Sprintf("Unable to set '%s'. %s", v.name, setenvHint), false)
			return fmt.Errorf("could not set environment variable %q: %w", v.name, err)
		}
	}
	// ...while refused previous outputs only warn.
	for _, v := range previousOutputEnv(ins, state) {
		if err := session.Setenv(v.name, v.value); err != nil {
			p.log(pulumirpc.LogSeverity_WARNING, urn, fmt.Sprintf("Unable to set '%s'. %s", v.name, setenvHint), false)
		}
	}
	if s, ok := str(ins, "stdin"); ok && s != "" {
		session.Stdin = strings.NewReader(s)
	}
	out := p.newCapture(urn, ins)
	session.Stdout, session.Stderr = out.writers()
	if err := session.Run(command); err != nil {
		return out.failure(err, command)
	}
	out.finish(state)
	return nil
}
