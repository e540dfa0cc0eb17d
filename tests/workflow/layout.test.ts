// The layout's one rule (issue 14): tests import the lab and the product, never the reverse.
// Nothing outside tests/ may load a file from tests/, by import, require or a joined path.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = join(__dirname, "../..");

/** Module specifiers and path.join/resolve(__dirname, ...) segments that lead into tests/. */
export function referencesToTests(file: string, source: string): string[] {
  const found: string[] = [];
  const fromDir = dirname(join(root, file));
  const specifiers = /(?:from\s+|import\s*\(\s*|require(?:\.resolve)?\s*\(\s*)["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of source.matchAll(specifiers)) {
    if (isUnderTests(resolve(fromDir, m[1]))) found.push(m[1]);
  }
  const joined = /(?:join|resolve)\(\s*__dirname\s*,([^)]*)\)/g;
  for (const m of source.matchAll(joined)) {
    const segments = [...m[1].matchAll(/["']([^"']+)["']/g)].map((s) => s[1]);
    if (isUnderTests(resolve(fromDir, ...segments))) found.push(m[0]);
  }
  return found;
}

function isUnderTests(path: string): boolean {
  const rel = relative(root, path);
  return rel === "tests" || rel.startsWith("tests/");
}

function trackedSourcesOutsideTests(): string[] {
  const files = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).split("\n").filter(Boolean);
  return files
    .filter((f) => !f.startsWith("tests/"))
    .filter((f) => /\.(ts|js)$/.test(f) || readFileSync(join(root, f), "utf8").startsWith("#!/usr/bin/env node"));
}

test("the rule's reader finds an import, a require and a joined path into tests/", () => {
  expect(referencesToTests("lab/drivers/x.ts", `import { a } from "../../tests/support/x";`)).toEqual(["../../tests/support/x"]);
  expect(referencesToTests("lab/x", `const b = require("../tests/hosts/y");`)).toEqual(["../tests/hosts/y"]);
  expect(referencesToTests("lab/bench/x.ts", `const c = join(__dirname, "..", "..", "tests", "z");`)).toHaveLength(1);
  expect(referencesToTests("lab/bench/x.ts", `import { d } from "../mocks/stacks"; join(__dirname, "..", "hosts")`)).toEqual([]);
});

test("nothing outside tests/ loads a file from tests/", () => {
  const offenders = trackedSourcesOutsideTests().flatMap((f) =>
    referencesToTests(f, readFileSync(join(root, f), "utf8")).map((r) => `${f}: ${r}`),
  );
  expect(offenders).toEqual([]);
});

test("the lab's parts live under lab/", () => {
  const files = execFileSync("git", ["ls-files", "lab"], { cwd: root, encoding: "utf8" });
  for (const part of [
    "lab/standins/",
    "lab/hosts/",
    "lab/drivers/",
    "lab/bench/",
    "lab/mocks/",
    "lab/tools/install-pulumi",
    "lab/edge-runtime-simulator/",
  ]) {
    expect(files).toContain(part);
  }
});
