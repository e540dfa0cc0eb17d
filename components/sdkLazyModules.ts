// Three modules @pulumi/pulumi 3.248 loads at `require("@pulumi/pulumi")` that a run of this program
// needs only if something calls them (docs/benchmarks.md, "Start-up"):
//
// - automation/index.js (the Automation API), required by index.js for `pulumi.automation`; it loads
//   runtime/index.js, and so the two below, before the program's own first line runs;
// - runtime/closure/codePaths.js (`computeCodePaths`): @npmcli/arborist, pacote, sigstore;
// - runtime/closure/serializeClosure.js (`serializeFunction`): the whole TypeScript compiler,
//   through closure/parseFunction and typescript-shim.
//
// Together ~550 ms of CPU of every start on this machine. The SDK's own dynamic/index.js already
// loads serializeClosure on demand, "as its dependencies are slow to load" (pulumi/pulumi#10185,
// which also says importing runtime "considered harmful" for that reason); runtime/index.ts and
// index.ts still import all three eagerly upstream (pulumi/pulumi master of 2026-08, 3.260.0-dev;
// the open issue on start-up time is pulumi/pulumi#3671).
//
// deferSlowSdkModules puts a stand-in for each into Node's module cache before anything requires
// them, with the same exports: the real module loads on the first use of any of them (a call of a
// function; for automation, the first read of any of its exports). The stand-ins are written for
// the version below: on another, the program stops and says to check this file again. index.ts
// imports this module first, before anything loads @pulumi/pulumi's index; when that index is
// already loaded (a test harness, the mocks bench) nothing changes.
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's modules, by their file, loaded when first used */
import { dirname, join } from "node:path";
import Module from "node:module";

/** The @pulumi/pulumi version whose modules the stand-ins were checked against (tests/startup/sdkLazyModules.test.ts). */
export const CHECKED_PULUMI_SDK_VERSION = "3.248.0";

/** Each deferred module, by its file under the SDK's folder, with every export it has in that version. */
export const DEFERRED_SDK_MODULES = {
  // index.js only keeps the module object (`exports.automation`): its exports are read on use.
  "automation/index.js": {
    reads: "on use",
    exports: [
      "CommandResult",
      "PulumiCommand",
      "parseAndValidatePulumiVersion",
      "CommandError",
      "ConcurrentUpdateError",
      "StackNotFoundError",
      "StackAlreadyExistsError",
      "createCommandError",
      "Stack",
      "fullyQualifiedStackName",
      "stackSettingsSerDeKeys",
      "LocalWorkspace",
      "DiffKind",
      "RemoteStack",
      "RemoteWorkspace",
      "isFullyQualifiedStackName",
    ],
  },
  // runtime/index.js copies each export when it loads (`exports.x = m.x`): all are functions, so
  // the stand-in's are functions that call the real one.
  "runtime/closure/serializeClosure.js": { reads: "at load", exports: ["serializeFunction", "serializeFunctionAsync"] },
  "runtime/closure/codePaths.js": { reads: "at load", exports: ["computeCodePaths", "findWorkspaceRoot"] },
} as const;

type Deferred = keyof typeof DEFERRED_SDK_MODULES;

/** The SDK's folder, as the program (and cmd/run, from the same node_modules) resolves it. */
function sdkDir(): string {
  return dirname(require.resolve("@pulumi/pulumi/package.json"));
}

/**
 * Puts the stand-ins in place. Returns the files it deferred (none when the SDK's index is already
 * loaded). Throws when the installed SDK is not the version they were checked against.
 */
export function deferSlowSdkModules(): string[] {
  const dir = sdkDir();
  const installed = (require(join(dir, "package.json")) as { version: string }).version;
  if (installed !== CHECKED_PULUMI_SDK_VERSION) {
    throw new Error(
      `components/sdkLazyModules.ts was checked against @pulumi/pulumi ${CHECKED_PULUMI_SDK_VERSION}, but ${installed} is installed: ` +
        "check that its index.js and runtime/index.js still load automation, closure/serializeClosure and closure/codePaths as " +
        "that file says (or load them lazily themselves: then delete it), update the export lists, then CHECKED_PULUMI_SDK_VERSION.",
    );
  }
  const cache = Module as unknown as { _cache: Record<string, Module> };
  // Once the index is loaded, whoever wanted these has them already.
  if (cache._cache[join(dir, "index.js")]) return [];
  const deferred: string[] = [];
  for (const [file, spec] of Object.entries(DEFERRED_SDK_MODULES) as [Deferred, (typeof DEFERRED_SDK_MODULES)[Deferred]][]) {
    const filename = join(dir, file);
    if (cache._cache[filename]) continue;
    cache._cache[filename] = standIn(filename, spec.exports, spec.reads, cache._cache);
    deferred.push(file);
  }
  return deferred;
}

const standIns = new WeakSet<Module>();

/** The files whose stand-in is still in Node's module cache: not loaded yet. */
export function deferredSdkModules(): string[] {
  const dir = sdkDir();
  const cache = (Module as unknown as { _cache: Record<string, Module> })._cache;
  return Object.keys(DEFERRED_SDK_MODULES).filter((file) => {
    const cached = cache[join(dir, file)];
    return cached !== undefined && standIns.has(cached);
  });
}

function standIn(filename: string, names: readonly string[], reads: "on use" | "at load", moduleCache: Record<string, Module>): Module {
  const module = new Module(filename);
  module.filename = filename;
  module.loaded = true;
  let real: Record<string, unknown> | undefined;
  const load = (): Record<string, unknown> => {
    if (real) return real;
    if (moduleCache[filename] === module) delete moduleCache[filename];
    real = require(filename) as Record<string, unknown>;
    const missing = names.filter((name) => !(name in real!));
    if (missing.length > 0) throw new Error(`components/sdkLazyModules.ts: ${filename} no longer exports ${missing.join(", ")}`);
    return real;
  };
  const exports: Record<string, unknown> = {};
  Object.defineProperty(exports, "__esModule", { value: true });
  for (const name of names) {
    if (reads === "on use") {
      Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });
    } else {
      exports[name] = function (this: unknown, ...args: unknown[]) {
        return (load()[name] as (...a: unknown[]) => unknown).apply(this, args);
      };
    }
  }
  module.exports = exports;
  standIns.add(module);
  return module;
}

deferSlowSdkModules();
