// The SDK modules a run does not use load when first used, not at `require("@pulumi/pulumi")`
// (components/sdkLazyModules.ts). Node's own module cache is what the stand-ins live in, and jest
// keeps a registry of its own, so each run below is a child process of plain Node.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { CHECKED_PULUMI_SDK_VERSION, DEFERRED_SDK_MODULES } from "../../components/sdkLazyModules";
import { PROGRAM_OUT_DIR } from "../../components/compiledProgram";
import { PROJECT_ROOT } from "../../components/projectRoot";
import { measureStartup } from "../../lab/bench/startupProbe";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";

const SDK_DIR = dirname(require.resolve("@pulumi/pulumi/package.json"));
const LAZY = join(PROGRAM_OUT_DIR, "components", "sdkLazyModules.js");
// What the deferred modules load, and nothing a run needs does.
const SLOW = ["automation/index.js", "runtime/closure/codePaths.js", "@npmcli/arborist/", "pacote/", "sigstore/"];
const loadedOf = (files: string[]) => SLOW.filter((part) => files.some((f) => f.includes(part)));
// JavaScript for a child: the files in Node's module cache that are loaded, less the stand-ins (`lazy` is sdkLazyModules).
const LOADED = `Object.keys(require.cache).filter((f) => !lazy.deferredSdkModules().some((d) => f.endsWith("/" + d)))`;

/** Runs `script` (JavaScript) in a fresh Node and returns what it printed last, as JSON. */
function inNode(script: string, execArgv: string[] = []): any {
  const child = spawnSync(process.execPath, [...execArgv, "-e", script], { cwd: PROJECT_ROOT, encoding: "utf8" });
  if (child.status !== 0) throw new Error(`child failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!);
}

test("the installed @pulumi/pulumi is the version sdkLazyModules.ts was checked against", () => {
  const installed = (require("@pulumi/pulumi/package.json") as { version: string }).version;
  if (installed !== CHECKED_PULUMI_SDK_VERSION) {
    throw new Error(
      `@pulumi/pulumi is ${installed}, sdkLazyModules.ts was checked against ${CHECKED_PULUMI_SDK_VERSION}: see whether index.js and ` +
        "runtime/index.js still load automation, closure/serializeClosure and closure/codePaths eagerly (if not, delete the module), " +
        "that the export lists below match, and that the cases here hold; then update CHECKED_PULUMI_SDK_VERSION.",
    );
  }
});

test.each(Object.entries(DEFERRED_SDK_MODULES))("the stand-in for %s has every export of the real module", (file, spec) => {
  const real = require(join(SDK_DIR, file)) as Record<string, unknown>;
  expect([...spec.exports].sort()).toEqual(Object.keys(real).sort());
  // runtime/index.js copies these when it loads: the stand-in's must be functions that call the real ones.
  if (spec.reads === "at load") expect(Object.values(real).every((v) => typeof v === "function")).toBe(true);
});

test("after the stand-ins, the SDK's index loads none of them; each loads on first use and works as the real one", () => {
  const report = inNode(`
    const lazy = require(${JSON.stringify(LAZY)});
    const loaded = () => ${LOADED};
    const pulumi = require("@pulumi/pulumi");
    const afterIndex = { deferred: lazy.deferredSdkModules(), loaded: loaded() };
    const workspace = typeof pulumi.automation.LocalWorkspace;
    const afterAutomation = lazy.deferredSdkModules();
    pulumi.runtime.serializeFunction(() => 6 * 7).then((fn) => {
      console.log(JSON.stringify({ afterIndex, workspace, afterAutomation, afterSerialize: lazy.deferredSdkModules(), text: fn.text }));
    });
  `);
  expect(report.afterIndex.deferred).toEqual(Object.keys(DEFERRED_SDK_MODULES));
  expect(loadedOf(report.afterIndex.loaded)).toEqual([]);
  expect(report.workspace).toBe("function");
  expect(report.afterAutomation).toEqual(["runtime/closure/serializeClosure.js", "runtime/closure/codePaths.js"]);
  expect(report.afterSerialize).toEqual(["runtime/closure/codePaths.js"]);
  expect(report.text).toContain("6 * 7");
});

test("once the SDK's index is loaded, nothing is deferred (the modules are there already)", () => {
  const report = inNode(`
    require("@pulumi/pulumi");
    const lazy = require(${JSON.stringify(LAZY)});
    console.log(JSON.stringify({ again: lazy.deferSlowSdkModules(), deferred: lazy.deferredSdkModules() }));
  `);
  expect(report).toEqual({ again: [], deferred: [] });
});

test("another @pulumi/pulumi version stops the program at its first line, saying what to check", () => {
  const child = spawnSync(
    process.execPath,
    [
      "-e",
      `const Module = require("module");
       const pkg = require.resolve("@pulumi/pulumi/package.json");
       const fake = new Module(pkg);
       fake.loaded = true;
       fake.exports = { version: "3.999.0" };
       require.cache[pkg] = fake;
       require(${JSON.stringify(LAZY)});`,
    ],
    { cwd: PROJECT_ROOT, encoding: "utf8" },
  );
  expect(child.status).not.toBe(0);
  expect(child.stderr).toContain(
    `components/sdkLazyModules.ts was checked against @pulumi/pulumi ${CHECKED_PULUMI_SDK_VERSION}, but 3.999.0 is installed`,
  );
});

test("under cmd/run, as `pulumi up` starts the program, the SDK's index is not loaded before the program's first line", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sdk-lazy-"));
  try {
    const out = join(dir, "report.json");
    // A program that loads what bin/index.js loads first, then the SDK's index, and reports.
    writeFileSync(
      join(dir, "program.js"),
      `const lazy = require(${JSON.stringify(LAZY)});
       const deferred = lazy.deferredSdkModules();
       const pulumi = require(${JSON.stringify(require.resolve("@pulumi/pulumi"))});
       require("fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify({ deferred, loaded: ${LOADED} }));
       new pulumi.ComponentResource("test:index:Reported", "reported");`,
    );
    const run = await measureStartup({
      projectDir: PROJECT_ROOT,
      config: {},
      typescript: false,
      entry: relative(PROJECT_ROOT, join(dir, "program.js")),
    });
    expect(run.firstType).toBe("test:index:Reported");
    const report = JSON.parse(readFileSync(out, "utf8"));
    expect(report.deferred).toEqual(Object.keys(DEFERRED_SDK_MODULES));
    expect(loadedOf(report.loaded)).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a mocks run of the compiled program loads none of the deferred modules", () => {
  const config = asConfigMap(stackSettings([vmDevice("edge-1"), existingDevice("gw-1")]));
  // As index.js: the stand-ins first; then the mock harness (which loads the SDK's index) and the program.
  const report = inNode(
    `const lazy = require(${JSON.stringify(LAZY)});
     const { runUnderMocks } = require("./lab/mocks/pulumiMocks");
     const program = require(${JSON.stringify(join(PROGRAM_OUT_DIR, "components", "program.js"))});
     runUnderMocks(${JSON.stringify(config)}, () => program.defineStack({ projectDir: process.cwd() }), undefined, { countOnly: true }).then(
       (run) => console.log(JSON.stringify({ registrations: run.registrations, loaded: ${LOADED} })),
     );`,
    ["-r", "ts-node/register/transpile-only"],
  );
  expect(report.registrations).toBeGreaterThan(40);
  expect(loadedOf(report.loaded)).toEqual([]);
  // The dynamic resources store a require of their provider package: nothing is serialized.
  expect(report.loaded.filter((f: string) => f.endsWith("/runtime/closure/serializeClosure.js"))).toEqual([]);
});
