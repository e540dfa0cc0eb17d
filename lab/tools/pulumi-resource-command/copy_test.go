package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"
)

func mustWrite(t *testing.T, p, text string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

func readOr(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("expected %s: %v", p, err)
	}
	return string(b)
}

// CopyToRemote over a real sshd, following upstream's table of file/folder rules.
func TestCopyToRemoteOverSSH(t *testing.T) {
	s := startSSHD(t)
	ctx := context.Background()
	local, remote := t.TempDir(), t.TempDir()
	mustWrite(t, filepath.Join(local, "file.txt"), "one", 0o644)
	mustWrite(t, filepath.Join(local, "tree", "run.sh"), "#!/bin/sh\n", 0o755)
	mustWrite(t, filepath.Join(local, "tree", "sub", "data"), "two", 0o600)
	urn := urnOf(tCopyToRemote)
	p, _ := testProvider()
	copyTo := func(source resource.PropertyValue, dest string) error {
		ins := resource.NewPropertyMapFromMap(map[string]any{"connection": s.connection(nil), "remotePath": dest})
		ins["source"] = source
		pb, err := marshal(ins)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Create(ctx, &pulumirpcCreate{Urn: urn, Properties: pb})
		return err
	}
	fileAsset := func(p string) resource.PropertyValue {
		a, err := asset.FromPath(p)
		if err != nil {
			t.Fatal(err)
		}
		return resource.NewAssetProperty(a)
	}
	dirArchive := func(p string) resource.PropertyValue {
		a, err := archive.FromPath(p)
		if err != nil {
			t.Fatal(err)
		}
		return resource.NewArchiveProperty(a)
	}

	// file → missing path: the path itself; file → existing folder: folder/file.
	if err := copyTo(fileAsset(filepath.Join(local, "file.txt")), filepath.Join(remote, "renamed.txt")); err != nil {
		t.Fatal(err)
	}
	if readOr(t, filepath.Join(remote, "renamed.txt")) != "one" {
		t.Fatal("file → missing path")
	}
	if err := copyTo(fileAsset(filepath.Join(local, "file.txt")), remote); err != nil {
		t.Fatal(err)
	}
	if readOr(t, filepath.Join(remote, "file.txt")) != "one" {
		t.Fatal("file → existing folder")
	}
	// folder without a trailing slash → remote/folder; with one → its entries.
	if err := copyTo(dirArchive(filepath.Join(local, "tree")), filepath.Join(remote, "a")); err != nil {
		t.Fatal(err)
	}
	if readOr(t, filepath.Join(remote, "a", "tree", "sub", "data")) != "two" {
		t.Fatal("dir → remote/dir")
	}
	if st, err := os.Stat(filepath.Join(remote, "a", "tree", "run.sh")); err != nil || st.Mode().Perm()&0o111 == 0 {
		t.Fatalf("run.sh lost its executable bit: %v %v", st, err)
	}
	if err := copyTo(dirArchive(filepath.Join(local, "tree")+"/"), filepath.Join(remote, "b")); err != nil {
		t.Fatal(err)
	}
	if readOr(t, filepath.Join(remote, "b", "sub", "data")) != "two" {
		t.Fatal("dir/ → remote/<entries>")
	}
	// folder onto an existing file: an error.
	if err := copyTo(dirArchive(filepath.Join(local, "tree")), filepath.Join(remote, "renamed.txt")); err == nil {
		t.Fatal("dir onto a file should fail")
	}
}

func TestCopyToRemoteCheckRejectsNonPathSources(t *testing.T) {
	a, err := asset.FromText("inline")
	if err != nil {
		t.Fatal(err)
	}
	ins := resource.NewPropertyMapFromMap(map[string]any{"connection": conn1, "remotePath": "/x"})
	ins["source"] = resource.NewAssetProperty(a)
	if f := checkInputs(tCopyToRemote, ins); len(f) != 1 || f[0].Property != "source" {
		t.Fatalf("want a failure on source, got %v", f)
	}
}
