package main

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Names under which a command sees the previous run's outputs.
const (
	envPrevStdout = "PULUMI_COMMAND_STDOUT"
	envPrevStderr = "PULUMI_COMMAND_STDERR"
)

type envVar struct{ name, value string }

// userEnv is the `environment` input, sorted by name so runs are reproducible.
func userEnv(ins resource.PropertyMap) []envVar {
	m := strMap(ins, "environment")
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]envVar, 0, len(names))
	for _, k := range names {
		out = append(out, envVar{k, m[k]})
	}
	return out
}

// previousOutputEnv is PULUMI_COMMAND_STDOUT/STDERR from the outputs of the last
// create or update in state — on update and on delete, never on the first create —
// unless addPreviousOutputInEnv is false (default true). Empty outputs are left out,
// as upstream does.
func previousOutputEnv(ins, state resource.PropertyMap) []envVar {
	if !boolDefault(ins, "addPreviousOutputInEnv", true) {
		return nil
	}
	var out []envVar
	if s, ok := str(state, "stdout"); ok && s != "" {
		out = append(out, envVar{envPrevStdout, s})
	}
	if s, ok := str(state, "stderr"); ok && s != "" {
		out = append(out, envVar{envPrevStderr, s})
	}
	return out
}

// localEnv is the environment of a local command: ours, then `environment`, then the
// previous outputs (later entries win in os/exec).
func localEnv(base []string, ins, state resource.PropertyMap) []string {
	env := append([]string(nil), base...)
	for _, v := range userEnv(ins) {
		env = append(env, v.name+"="+v.value)
	}
	for _, v := range previousOutputEnv(ins, state) {
		env = append(env, v.name+"="+v.value)
	}
	return env
}
