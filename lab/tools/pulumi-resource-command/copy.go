package main

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"golang.org/x/crypto/ssh"
)

// Copies go through the SSH session as `cat` (a file) and `tar -x` (a folder), so the
// host needs a POSIX shell and tar but no SFTP subsystem (upstream uses SFTP).

// copySource is the local path of CopyToRemote's `source` (a FileAsset or FileArchive;
// Check rejects other assets and archives, as upstream does) or CopyFile's `localPath`.
func copySource(t string, ins resource.PropertyMap) (string, error) {
	if t == tCopyFile {
		local, _ := str(ins, "localPath")
		return local, nil
	}
	src := ins["source"]
	switch {
	case src.IsAsset() && src.AssetValue().IsPath():
		return src.AssetValue().Path, nil
	case src.IsArchive() && src.ArchiveValue().IsPath():
		return src.ArchiveValue().Path, nil
	}
	return "", fmt.Errorf("source must be a FileAsset or a FileArchive (a local file or folder)")
}

// copyToHost copies a local file or folder to remotePath on the connection's host,
// following upstream's rules:
//
//	source  | remote folder exists  | remote path missing | remote file exists
//	dir     | remote/dir            | remote/dir          | error
//	dir/    | remote/<entries>      | remote/<entries>    | error
//	file    | remote/file           | remote              | remote (overwritten)
//
// A FileArchive of a .tar/.zip file is copied as that file, not unpacked (as upstream).
func (p *provider) copyToHost(ctx context.Context, urn string, ins resource.PropertyMap, local, remote string) error {
	st, err := os.Stat(local)
	if err != nil {
		return err
	}
	client, err := p.connect(ctx, urn, ins)
	if err != nil {
		return err
	}
	defer client.Close()
	if !st.IsDir() {
		f, err := os.Open(local)
		if err != nil {
			return err
		}
		defer f.Close()
		script := fmt.Sprintf(`d=%s; if [ -d "$d" ]; then d="$d"/%s; fi; cat > "$d"`,
			shellQuote(remote), shellQuote(filepath.Base(local)))
		return remoteRun(client, script, f)
	}
	script := fmt.Sprintf(`set -e; d=%s; `, shellQuote(remote)) + makeDirScript
	if !strings.HasSuffix(filepath.ToSlash(local), "/") {
		script += fmt.Sprintf(`d="$d"/%s; `, shellQuote(filepath.Base(local))) + makeDirScript
	}
	script += `exec tar -xf - -C "$d"`
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeTar(local, pw)) }()
	err = remoteRun(client, script, pr)
	pr.Close()
	return err
}

// makeDirScript makes folder $d unless it exists, failing when $d is a file.
const makeDirScript = `if [ -e "$d" ] && [ ! -d "$d" ]; then echo "remote path $d exists but is not a directory" >&2; exit 1; fi; mkdir -p "$d"; `

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// remoteRun runs a POSIX shell snippet on the host with the given stdin.
func remoteRun(client *ssh.Client, script string, stdin io.Reader) error {
	session, err := client.NewSession()
	if err != nil {
		return err
	}
	defer session.Close()
	var out strings.Builder
	session.Stdin = stdin
	session.Stdout = &out
	session.Stderr = &out
	if err := session.Run(script); err != nil {
		return fmt.Errorf("copy failed: %w: %s", err, strings.TrimSpace(out.String()))
	}
	return nil
}

// writeTar streams folder dir (its entries, not dir itself) as a tar archive, keeping
// the permission bits of files and folders.
func writeTar(dir string, w io.Writer) error {
	tw := tar.NewWriter(w)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() && !info.IsDir() {
			return nil // sockets, links and devices are not copied
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = path.Clean(filepath.ToSlash(rel))
		hdr.Uname, hdr.Gname, hdr.Uid, hdr.Gid = "", "", 0, 0
		if info.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}
