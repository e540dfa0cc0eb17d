// Whether a tsc build is current: the compiled program (bin/) and the provider package (its dist/)
// mirror the project tree (their tsconfig's rootDir is the project), so `<outDir>/x/y.js` was compiled
// from `x/y.ts`, and tsc writes every output on each build.
import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** Every file under `dir`, as a path relative to `root` (posix). */
function filesUnder(dir: string, root: string = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name), root) : [relative(root, join(dir, entry.name)).split(sep).join("/")],
  );
}

function modifiedAt(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The sources (relative to `projectDir`, sorted) that changed after their compiled file in `outDir`
 * was written; undefined when `outDir` does not exist (never built).
 */
export function staleSources(outDir: string, projectDir: string): string[] | undefined {
  if (modifiedAt(outDir) === undefined) return undefined;
  return filesUnder(outDir)
    .filter((output) => output.endsWith(".js"))
    .map((output) => ({ source: output.replace(/\.js$/, ".ts"), builtAt: modifiedAt(join(outDir, output))! }))
    .filter(({ source, builtAt }) => (modifiedAt(join(projectDir, source)) ?? 0) > builtAt)
    .map(({ source }) => source)
    .sort();
}
