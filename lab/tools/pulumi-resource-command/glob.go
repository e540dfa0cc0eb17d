package main

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"
)

// globMatch matches a slash-separated path against a pattern where `**` spans any
// number of path segments and other segments follow path.Match.
func globMatch(pattern, name string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

func matchSegs(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegs(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], segs[0]); err != nil || !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// globAssets applies assetPaths/archivePaths globs in order under dir; a glob starting
// with `!` removes what earlier globs matched, as upstream documents.
func globAssets(dir string, globs []string) (map[string]*asset.Asset, error) {
	assets := map[string]*asset.Asset{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, g := range globs {
			exclude := strings.HasPrefix(g, "!")
			if !globMatch(strings.TrimPrefix(g, "!"), rel) {
				continue
			}
			if exclude {
				delete(assets, rel)
			} else if a, err := asset.FromPath(p); err != nil {
				return err
			} else {
				assets[rel] = a
			}
		}
		return nil
	})
	return assets, err
}
