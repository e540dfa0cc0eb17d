// Which source files the dynamic providers' code is made of: each entry and, transitively, every
// project file it imports by relative path. Packages (azure-iothub, …) are required from
// node_modules at run time and are not part of it. Pure: the caller passes the file reader.
import { createHash } from "node:crypto";
import { posix } from "node:path";

/** The relative module specifiers of a TypeScript file: `from "./x"`, `import "./x"`, `require("./x")`. */
export function localImports(text: string): string[] {
  const specifiers = new Set<string>();
  for (const pattern of [/\bfrom\s*["'](\.{1,2}\/[^"']+)["']/g, /\bimport\s*["'](\.{1,2}\/[^"']+)["']/g, /\brequire\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g]) {
    for (const match of text.matchAll(pattern)) specifiers.add(match[1]);
  }
  return [...specifiers];
}

/**
 * Every file of the entries' import graph (paths relative to the project root, posix, with their
 * extension), sorted. `read` returns a file's text, or undefined when it does not exist.
 */
export function sourceGraph(entries: readonly string[], read: (path: string) => string | undefined): Map<string, string> {
  const files = new Map<string, string>();
  const pending = entries.map((entry) => ({ specifier: `./${entry}`, from: "." }));
  while (pending.length > 0) {
    const { specifier, from } = pending.pop()!;
    const base = posix.normalize(posix.join(from, specifier));
    const candidates = [`${base}.ts`, `${base}/index.ts`, base];
    if (candidates.some((candidate) => files.has(candidate))) continue;
    const found = firstReadable(candidates, read);
    if (found === undefined) throw new Error(`dynamic providers: cannot find '${specifier}' imported from ${from === "." ? "the entry list" : from}`);
    const { path, text } = found;
    files.set(path, text);
    if (path.endsWith(".ts")) for (const next of localImports(text)) pending.push({ specifier: next, from: posix.dirname(path) });
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** The first of `paths` that exists, with its text; each is read once, and none after it. */
function firstReadable(paths: readonly string[], read: (path: string) => string | undefined): { path: string; text: string } | undefined {
  for (const path of paths) {
    const text = read(path);
    if (text !== undefined) return { path, text };
  }
  return undefined;
}

/** Names what a build was made from: the files, their text, and the compiler's version. */
export function sourceHash(files: ReadonlyMap<string, string>, compilerVersion: string): string {
  const hash = createHash("sha256").update(`typescript ${compilerVersion}\n`);
  for (const [path, text] of files) hash.update(`${path}\0${text}\0`);
  return hash.digest("hex");
}
