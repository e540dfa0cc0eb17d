// Which files make up the dynamic providers' code (pure functions over a file map).
import { localImports, sourceGraph, sourceHash } from "../../components/dynamicProviders/providerSources";

test("localImports: relative from/import/require specifiers, multi-line and type-only included; packages left out", () => {
  const text = [
    'import type * as pulumi from "@pulumi/pulumi";',
    "import {",
    "  a,",
    "  b,",
    '} from "./multi";',
    "import type { T } from '../types';",
    'export { c } from "./reexported";',
    'import "./sideEffect";',
    'const lazy = require("./lazy");',
    'import { createHash } from "node:crypto";',
    'const pkg = require("azure-iothub");',
  ].join("\n");
  expect(localImports(text).sort()).toEqual(["../types", "./lazy", "./multi", "./reexported", "./sideEffect"]);
});

test("sourceGraph follows relative imports from the entries, once each, sorted; index files and other extensions resolve", () => {
  const files: Record<string, string> = {
    "a/entry.ts": 'import { x } from "./x";\nimport { y } from "../b";\nimport data from "./data.json";',
    "a/x.ts": 'import { y } from "../b";\nexport const x = 1;',
    "b/index.ts": 'import { readFileSync } from "fs";\nexport const y = 2;',
    "a/data.json": "{}",
    "a/unused.ts": "export const never = 0;",
  };
  const graph = sourceGraph(["a/entry"], (p) => files[p]);
  expect([...graph.keys()]).toEqual(["a/data.json", "a/entry.ts", "a/x.ts", "b/index.ts"]);
  expect(graph.get("a/x.ts")).toBe(files["a/x.ts"]);
});

test("sourceGraph reads each file once, however many files import it", () => {
  const files: Record<string, string> = {
    "a/entry.ts": 'import { x } from "./x";\nimport { s } from "./shared";',
    "a/x.ts": 'import { s } from "./shared";',
    "a/shared.ts": "export const s = 1;",
  };
  const reads: string[] = [];
  sourceGraph(["a/entry"], (p) => (reads.push(p), files[p]));
  expect(reads.sort()).toEqual(["a/entry.ts", "a/shared.ts", "a/x.ts"]);
});

test("sourceGraph names the missing file and who imports it", () => {
  const files: Record<string, string> = { "a/entry.ts": 'import { gone } from "./gone";' };
  expect(() => sourceGraph(["a/entry"], (p) => files[p])).toThrow("dynamic providers: cannot find './gone' imported from a");
  expect(() => sourceGraph(["a/missing"], (p) => files[p])).toThrow("cannot find './a/missing' imported from the entry list");
});

test("sourceHash changes with a file's text, a file's path, their order and the compiler version", () => {
  const base = new Map([["a.ts", "1"], ["b.ts", "2"]]);
  const hash = sourceHash(base, "5.9.3");
  expect(sourceHash(new Map([["b.ts", "2"], ["a.ts", "1"]]), "5.9.3")).not.toBe(hash);
  expect(sourceHash(new Map([["a.ts", "1"], ["b.ts", "2"]]), "5.9.3")).toBe(hash);
  expect(sourceHash(new Map([["a.ts", "1"], ["b.ts", "3"]]), "5.9.3")).not.toBe(hash);
  expect(sourceHash(new Map([["a.ts", "1"], ["c.ts", "2"]]), "5.9.3")).not.toBe(hash);
  expect(sourceHash(base, "5.9.4")).not.toBe(hash);
});
