package main

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Output properties kept from the old state when an update runs nothing new.
var outputKeys = []resource.PropertyKey{"stdout", "stderr", "assets", "archive"}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	t := typeOf(req.GetUrn())
	ins, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	id, err := resource.NewUniqueHex(resource.URN(req.GetUrn()).Name(), 8, 0)
	if err != nil {
		return nil, err
	}
	state := copyInputs(t, ins)
	if req.GetPreview() {
		markComputedOutputs(t, state)
	} else if err := p.apply(ctx, t, req.GetUrn(), false, ins, state, nil); err != nil {
		return nil, err
	}
	props, err := marshal(state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	t := typeOf(req.GetUrn())
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	state := copyInputs(t, news)
	for _, k := range outputKeys {
		if v, ok := olds[k]; ok {
			state[k] = v
		}
	}
	if req.GetPreview() {
		// As upstream: the old outputs stand in the preview unless an input is unknown.
		if news.ContainsUnknowns() {
			markComputedOutputs(t, state)
		}
	} else if err := p.apply(ctx, t, req.GetUrn(), true, news, state, olds); err != nil {
		return nil, err
	}
	props, err := marshal(state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	t := typeOf(req.GetUrn())
	olds, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	if t == tLocalCommand || t == tRemoteCmd {
		if cmd, ok := str(olds, "delete"); ok && cmd != "" {
			// olds carries the last stdout/stderr for PULUMI_COMMAND_STDOUT/STDERR.
			if err := p.runFor(ctx, t, req.GetUrn(), cmd, olds, olds.Copy()); err != nil {
				return nil, err
			}
		}
	}
	return &emptypb.Empty{}, nil
}

func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	// Nothing to look up: the state is what the commands printed.
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Invoke serves command:local:run, which runs `command` and returns the inputs with
// stdout, stderr, assets and archive.
func (p *provider) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	if req.GetTok() != fLocalRun {
		return nil, fmt.Errorf("unknown function %q", req.GetTok())
	}
	args, err := unmarshal(req.GetArgs())
	if err != nil {
		return nil, err
	}
	cmd, _ := str(args, "command")
	state := args.Copy()
	if err := p.runLocal(ctx, "", cmd, args, state); err != nil {
		return nil, err
	}
	ret, err := marshal(state)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: ret}, nil
}

func markComputedOutputs(t string, state resource.PropertyMap) {
	if t != tLocalCommand && t != tRemoteCmd {
		return
	}
	for _, k := range []resource.PropertyKey{"stdout", "stderr"} {
		state[k] = resource.MakeComputed(resource.NewProperty(""))
	}
}

// apply runs the create (or update) step of type t, writing outputs into state.
func (p *provider) apply(ctx context.Context, t, urn string, update bool, ins, state, olds resource.PropertyMap) error {
	switch t {
	case tLocalCommand, tRemoteCmd:
		cmd, _ := str(ins, "create")
		if u, ok := str(ins, "update"); update && ok && u != "" {
			cmd = u
		}
		if cmd == "" {
			return nil
		}
		return p.runFor(ctx, t, urn, cmd, ins, state)
	case tCopyToRemote, tCopyFile:
		if update && !copyChanged(t, olds, ins) {
			return nil // e.g. only the connection changed: upstream does not copy again
		}
		local, err := copySource(t, ins)
		if err != nil {
			return err
		}
		remote, _ := str(ins, "remotePath")
		return p.copyToHost(ctx, urn, ins, local, remote)
	}
	return fmt.Errorf("unknown resource type %q", t)
}

// copyChanged: source (its content hash) or remotePath differ from the old state.
func copyChanged(t string, olds, news resource.PropertyMap) bool {
	keys := []resource.PropertyKey{"remotePath", "source"}
	if t == tCopyFile {
		keys = []resource.PropertyKey{"remotePath", "localPath"}
	}
	for _, k := range keys {
		if !olds[k].DeepEquals(news[k]) {
			return true
		}
	}
	return false
}

func (p *provider) runFor(ctx context.Context, t, urn, cmd string, ins, state resource.PropertyMap) error {
	if t == tRemoteCmd {
		return p.runRemote(ctx, urn, cmd, ins, state)
	}
	return p.runLocal(ctx, urn, cmd, ins, state)
}
