// The provider package: an npm workspace of this project, compiled by tsc from the providers' sources
// into its dist/, loaded by name through node_modules, and refused by the program when older than
// its sources.
import { builtinModules } from "node:module";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  checkProviderPackage,
  PACKAGE_DIR,
  PROVIDER_ENTRIES,
  PROVIDER_EXPORTS,
  PROVIDER_MODULES,
  PROVIDER_NAMES,
  PROVIDER_PACKAGE,
} from "../../components/dynamicProviders/providerPackage";

const PROJECT_DIR = join(__dirname, "..", "..");
const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

test("a workspace of the project, linked into node_modules, built by its prepare (npm ci) with tsc", () => {
  expect(readJson(join(PROJECT_DIR, "package.json")).workspaces).toContain("packages/edge-dynamic-providers");
  const pkg = readJson(join(PACKAGE_DIR, "package.json"));
  expect(pkg.name).toBe(PROVIDER_PACKAGE);
  // The build empties dist/ first: a module renamed in components/ must not leave its old output behind.
  expect(pkg.scripts).toMatchObject({
    build: "node -e \"require('fs').rmSync('dist', { recursive: true, force: true })\" && tsc -p tsconfig.json",
    prepare: "npm run build",
  });
  expect(lstatSync(join(PROJECT_DIR, "node_modules", PROVIDER_PACKAGE)).isSymbolicLink()).toBe(true);
  expect(realpathSync(join(PROJECT_DIR, "node_modules", PROVIDER_PACKAGE))).toBe(realpathSync(PACKAGE_DIR));
});

test("it exports each provider module under the names states store, compiled from the tsconfig's entry for that module", () => {
  const { exports } = readJson(join(PACKAGE_DIR, "package.json"));
  expect(exports).toEqual({
    ...Object.fromEntries(PROVIDER_ENTRIES.map((entry) => [`./${entry}.js`, `./dist/${PROVIDER_EXPORTS[entry]}.js`])),
    ...Object.fromEntries(PROVIDER_NAMES.map((name) => [`./${name}`, `./dist/${PROVIDER_MODULES[name]}.js`])),
  });
  // Every module the older names load is still one of the providers (a provider added later has no older name).
  for (const module of Object.values(PROVIDER_EXPORTS)) expect(Object.values(PROVIDER_MODULES)).toContain(module);
  // tsconfig.json has comments: read as JSONC through typescript's own reader.
  const ts = require("typescript") as typeof import("typescript");
  const { config } = ts.readConfigFile(join(PACKAGE_DIR, "tsconfig.json"), ts.sys.readFile);
  expect(config.files).toEqual(PROVIDER_NAMES.map((name) => `../../${PROVIDER_MODULES[name]}.ts`));
  expect(config.compilerOptions).toMatchObject({ rootDir: "../..", outDir: "dist" });
});

test("each module loads by the package's name and exports its provider class", () => {
  const classes: Record<string, string> = {
    "components/iotHub/iotHubDeviceProvider": "IotHubDeviceProvider",
    "components/iotHub/edgeDeploymentProvider": "EdgeDeploymentProvider",
    "components/iotHub/edgeReadinessProvider": "EdgeReadinessProvider",
    "components/iotHub/atScaleDeployment.provider": "AtScaleDeploymentProvider",
    "components/iotHub/atScaleDeploymentGate.provider": "AtScaleDeploymentGateProvider",
    "components/dps/enrollmentGroup.provider": "EnrollmentGroupProvider",
    "components/dps/registeredDevices.provider": "RegisteredDevicesProvider",
    "components/certificates/edgeCaCertificate.provider": "EdgeCaCertificateProvider",
    "components/certificates/thumbprintSlots.provider": "ThumbprintSlotsProvider",
    "components/certificates/keyVaultCertificate.provider": "KeyVaultCertificateProvider",
  };
  // The names states made before the x.provider.ts renames hold (issue 14): they must keep loading.
  expect(PROVIDER_ENTRIES).toEqual(Object.keys(classes));
  for (const entry of PROVIDER_ENTRIES) {
    const specifier = `${PROVIDER_PACKAGE}/${entry}.js`;
    expect(require.resolve(specifier)).toBe(realpathSync(join(PACKAGE_DIR, "dist", `${PROVIDER_EXPORTS[entry]}.js`)));
    const exports = require(specifier) as Record<string, { prototype: Record<string, unknown> }>;
    expect(typeof exports[classes[entry]].prototype.create).toBe("function");
  }
  expect(require(`${PROVIDER_PACKAGE}/components/iotHub/edgeReadinessProvider.js`).DEFAULT_READINESS_POLL_SECONDS).toBe(5);
});

test("each module loads by its type's name and exports the handler that makes its provider class", () => {
  for (const name of PROVIDER_NAMES) {
    const specifier = `${PROVIDER_PACKAGE}/${name}`;
    expect(require.resolve(specifier)).toBe(realpathSync(join(PACKAGE_DIR, "dist", `${PROVIDER_MODULES[name]}.js`)));
    const { handler } = require(specifier) as { handler: () => object };
    expect(handler().constructor.name).toBe(`${name}Provider`);
  }
});

function compiledFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? compiledFiles(join(dir, entry.name)) : entry.name.endsWith(".js") ? [join(dir, entry.name)] : [],
  );
}

test("its modules require only Node's own modules and the project's dependencies: neither zod nor the Pulumi SDK, nothing only a developer installs", () => {
  const { dependencies } = readJson(join(PROJECT_DIR, "package.json"));
  const allowed = new Set([
    ...builtinModules,
    ...builtinModules.map((m) => `node:${m}`),
    ...Object.keys(dependencies).filter((name) => !["zod", "@pulumi/pulumi"].includes(name)),
  ]);
  const files = compiledFiles(join(PACKAGE_DIR, "dist"));
  expect(files.length).toBeGreaterThanOrEqual(PROVIDER_ENTRIES.length);
  for (const file of files) {
    const packages = [...readFileSync(file, "utf8").matchAll(/require\("([^".][^"]*)"\)/g)].map((m) => m[1]);
    expect({ file, outside: packages.filter((name) => !allowed.has(name)) }).toEqual({ file, outside: [] });
  }
});

test("the build in this checkout is complete and current", () => {
  expect(() => checkProviderPackage()).not.toThrow();
});

describe("checkProviderPackage", () => {
  let root: string;
  const at = (seconds: number) => new Date(seconds * 1000);
  /** A project with one source and, unless `built` is false, its output in the package's dist/. */
  function project(times: { source: number; output?: number }): { packageDir: string; projectDir: string } {
    const projectDir = join(root, "project");
    const packageDir = join(projectDir, "packages", "p");
    const source = join(projectDir, "components", "iotHub", "x.ts");
    mkdirSync(dirname(source), { recursive: true });
    writeFileSync(source, "export const x = 1;");
    utimesSync(source, at(times.source), at(times.source));
    if (times.output !== undefined) {
      const output = join(packageDir, "dist", "components", "iotHub", "x.js");
      mkdirSync(dirname(output), { recursive: true });
      writeFileSync(output, "exports.x = 1;");
      utimesSync(output, at(times.output), at(times.output));
    }
    return { packageDir, projectDir };
  }
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), "provider-package-"))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("a build newer than its sources passes", () => {
    const { packageDir, projectDir } = project({ source: 1_000, output: 2_000 });
    expect(() => checkProviderPackage(packageDir, projectDir)).not.toThrow();
  });

  test("a source changed after the build is named, with the command that rebuilds", () => {
    const { packageDir, projectDir } = project({ source: 3_000, output: 2_000 });
    expect(() => checkProviderPackage(packageDir, projectDir)).toThrow(
      `the dynamic providers in ${join(packageDir, "dist")} were built before components/iotHub/x.ts last changed: run \`npm run build\` in ${projectDir} (\`npm ci\` builds it too)`,
    );
  });

  test("a package never built is refused", () => {
    const { packageDir, projectDir } = project({ source: 1_000 });
    expect(() => checkProviderPackage(packageDir, projectDir)).toThrow(
      `the dynamic providers are not built (no ${join(packageDir, "dist")}): run \`npm run build\``,
    );
  });

  test("an output whose source is gone (moved or deleted since) is no reason to refuse", () => {
    const { packageDir, projectDir } = project({ source: 1_000, output: 2_000 });
    mkdirSync(join(packageDir, "dist", "old"));
    writeFileSync(join(packageDir, "dist", "old", "gone.js"), "");
    expect(() => checkProviderPackage(packageDir, projectDir)).not.toThrow();
  });
});
