package main

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
)

// runLocal runs command on this machine and records stdout, stderr and, when asked,
// assets/archive in state. `state` also carries the previous outputs for the env.
func (p *provider) runLocal(ctx context.Context, urn, command string, ins, state resource.PropertyMap) error {
	args := strList(ins, "interpreter")
	if len(args) == 0 {
		if runtime.GOOS == "windows" {
			args = []string{"cmd", "/C"}
		} else {
			args = []string{"/bin/sh", "-c"}
		}
	}
	args = append(args, command)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	// As upstream: `dir` or else the working directory of the provider (the program's).
	if dir, ok := str(ins, "dir"); ok && dir != "" {
		cmd.Dir = dir
	} else if wd, err := os.Getwd(); err == nil {
		cmd.Dir = wd
	}
	cmd.Env = localEnv(os.Environ(), ins, state)
	if s, ok := str(ins, "stdin"); ok && s != "" {
		cmd.Stdin = strings.NewReader(s)
	}
	c := p.newCapture(urn, ins)
	cmd.Stdout, cmd.Stderr = c.writers()
	if err := cmd.Run(); err != nil {
		return c.failure(err, command)
	}
	c.finish(state)
	return collectPaths(cmd.Dir, ins, state)
}

// collectPaths adds the `assets` and `archive` outputs for assetPaths/archivePaths.
func collectPaths(dir string, ins, state resource.PropertyMap) error {
	if globs := strList(ins, "assetPaths"); globs != nil {
		assets, err := globAssets(dir, globs)
		if err != nil {
			return err
		}
		m := resource.PropertyMap{}
		for k, a := range assets {
			m[resource.PropertyKey(k)] = resource.NewAssetProperty(a)
		}
		state["assets"] = resource.NewProperty(m)
	}
	if globs := strList(ins, "archivePaths"); globs != nil {
		assets, err := globAssets(dir, globs)
		if err != nil {
			return err
		}
		m := map[string]any{}
		for k, a := range assets {
			m[k] = a
		}
		arch, err := archive.FromAssets(m)
		if err != nil {
			return err
		}
		state["archive"] = resource.NewArchiveProperty(arch)
	}
	return nil
}
