package main

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The gRPC surface the engine calls. Lifecycle as upstream 1.x:
//   create  runs `create` (nothing when unset);
//   update  runs `update`, or `create` when there is no `update`, with the previous
//           outputs in PULUMI_COMMAND_STDOUT/STDERR;
//   delete  runs `delete` with the last outputs in the same variables;
//   copies  copy on create, and again on update when source or remotePath changed;
//           delete leaves the copied files on the host.
// A failed create leaves nothing in the state (upstream returns a plain error too),
// so the next `pulumi up` runs `create` again.

func (p *provider) Handshake(_ context.Context, req *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		p.connectEngine(req.GetEngineAddress())
	}
	return &pulumirpc.ProviderHandshakeResponse{}, nil
}

func (p *provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// GetSchema returns only name and version: the SDK (@pulumi/command) is already
// generated, and the engine needs the schema only for code generation and `pulumi package`.
func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"command","version":"` + version + `"}`}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

// Configure: no secrets in (see properties.go), previews supported.
func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{SupportsPreview: true}, nil
}

func (p *provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	t := typeOf(req.GetUrn())
	if _, ok := inputKeys[t]; !ok {
		return nil, fmt.Errorf("unknown resource type %q", t)
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ins, err := marshal(copyInputs(t, news))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: ins, Failures: checkInputs(t, news)}, nil
}

// checkInputs reports missing required inputs and, for CopyToRemote, a source that is
// not a local file or folder.
func checkInputs(t string, news resource.PropertyMap) []*pulumirpc.CheckFailure {
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	need := func(k string) {
		if v, ok := news[resource.PropertyKey(k)]; !ok || v.IsNull() {
			fail(k, "Missing required property '"+k+"'")
		}
	}
	switch t {
	case tRemoteCmd:
		need("connection")
	case tCopyToRemote:
		need("connection")
		need("remotePath")
		need("source")
		if src, ok := news["source"]; ok && !src.IsNull() && !src.ContainsUnknowns() {
			if (src.IsAsset() && !src.AssetValue().IsPath()) || (src.IsArchive() && !src.ArchiveValue().IsPath()) {
				fail("source", "source must be a FileAsset or a FileArchive (a path to a local file or folder)")
			} else if !src.IsAsset() && !src.IsArchive() {
				fail("source", "source must be an asset or an archive")
			}
		}
	case tCopyFile:
		need("connection")
		need("localPath")
		need("remotePath")
	}
	if c, ok := news["connection"]; ok && c.IsObject() {
		if h, ok := c.ObjectValue()["host"]; !ok || h.IsNull() {
			fail("connection.host", "Missing required property 'host'")
		}
	}
	return failures
}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if len(olds) == 0 { // states written before old inputs were recorded
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	return diffInputs(typeOf(req.GetUrn()), olds, news), nil
}
