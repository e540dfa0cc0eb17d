package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// Type tokens of @pulumi/command 1.x.
const (
	tLocalCommand = "command:local:Command"
	tRemoteCmd    = "command:remote:Command"
	tCopyToRemote = "command:remote:CopyToRemote"
	tCopyFile     = "command:remote:CopyFile"
	fLocalRun     = "command:local:run"
)

// inputKeys are the input properties of each resource type, as the SDK declares them;
// everything else in a resource's state is an output.
var inputKeys = map[string][]string{
	tLocalCommand: {"addPreviousOutputInEnv", "archivePaths", "assetPaths", "create", "delete", "dir",
		"environment", "interpreter", "logging", "stdin", "triggers", "update"},
	tRemoteCmd:    {"addPreviousOutputInEnv", "connection", "create", "delete", "environment", "logging", "stdin", "triggers", "update"},
	tCopyToRemote: {"connection", "remotePath", "source", "triggers"},
	tCopyFile:     {"connection", "localPath", "remotePath", "triggers"},
}

// The provider tells the engine it does not accept secrets, so the engine sends plain
// values and itself marks an output secret when the input of the same name was secret
// (and for additionalSecretOutputs, e.g. `connection` which the SDK always adds).
var unmarshalOpts = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	return plugin.UnmarshalProperties(s, unmarshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true})
}

func typeOf(urn string) string { return string(resource.URN(urn).Type()) }

func str(m resource.PropertyMap, k string) (string, bool) {
	v, ok := m[resource.PropertyKey(k)]
	if !ok || !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

func strList(m resource.PropertyMap, k string) []string {
	v, ok := m[resource.PropertyKey(k)]
	if !ok || !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

func strMap(m resource.PropertyMap, k string) map[string]string {
	v, ok := m[resource.PropertyKey(k)]
	if !ok || !v.IsObject() {
		return nil
	}
	out := map[string]string{}
	for kk, vv := range v.ObjectValue() {
		if vv.IsString() {
			out[string(kk)] = vv.StringValue()
		}
	}
	return out
}

func boolDefault(m resource.PropertyMap, k string, def bool) bool {
	v, ok := m[resource.PropertyKey(k)]
	if !ok || !v.IsBool() {
		return def
	}
	return v.BoolValue()
}

func num(m resource.PropertyMap, k string, def int) int {
	v, ok := m[resource.PropertyKey(k)]
	if !ok || !v.IsNumber() {
		return def
	}
	return int(v.NumberValue())
}

// copyInputs keeps the declared inputs of type t, which become part of the state.
func copyInputs(t string, ins resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for _, k := range inputKeys[t] {
		if v, ok := ins[resource.PropertyKey(k)]; ok {
			out[resource.PropertyKey(k)] = v
		}
	}
	return out
}
