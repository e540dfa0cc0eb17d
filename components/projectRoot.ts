// The project's root folder, the one holding Pulumi.yaml, found from this module's own folder: the
// modules run from components/ (ts-node, jest), from bin/components/ (the compiled program that
// `pulumi up` runs, tsconfig.build.json) and from packages/edge-dynamic-providers/dist/components/
// (the provider package), so a fixed number of `..` would be right for only one of them.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "Pulumi.yaml"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no Pulumi.yaml in ${from} or any folder above it`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
