// The provider package: built from the providers' sources, rebuilt only when they change, and
// loadable by the dynamic-provider host with node's own resolution (packages from node_modules).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureProviderPackage, PACKAGE_DIR, PROVIDER_ENTRIES } from "../../components/dynamicProviders/providerPackage";

// Inside node_modules, as the real package is: its modules require azure-iothub and friends from there.
const cacheDir = join(PACKAGE_DIR, "..", ".cache");
let dir: string;
beforeEach(() => {
  mkdirSync(cacheDir, { recursive: true });
  dir = mkdtempSync(join(cacheDir, "edge-provider-package-test-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const stamp = () => JSON.parse(readFileSync(join(dir, "build-stamp.json"), "utf8")) as { sourceHash: string; files: string[] };

test("a build compiles every file of the providers' import graph; the modules load and export the provider classes", () => {
  const result = ensureProviderPackage(dir);
  expect(result.built).toBe(true);
  expect(stamp()).toEqual({ sourceHash: result.sourceHash, files: expect.arrayContaining(PROVIDER_ENTRIES.map((e) => `${e}.ts`)) });
  expect(stamp().files).toHaveLength(result.files);
  for (const file of stamp().files) expect(existsSync(join(dir, file.replace(/\.ts$/, ".js")))).toBe(true);
  const gate = require(join(dir, "components/iotHub/edgeReadinessProvider.js"));
  expect(typeof gate.EdgeReadinessProvider.prototype.create).toBe("function");
  expect(gate.DEFAULT_READINESS_POLL_SECONDS).toBe(5);
  expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name).toBe("edge-dynamic-providers");
});

test("the package's modules load neither the settings schema (zod) nor the Pulumi SDK: the provider host needs neither", () => {
  ensureProviderPackage(dir);
  for (const file of stamp().files) {
    const compiled = readFileSync(join(dir, file.replace(/\.ts$/, ".js")), "utf8");
    expect({ file, requires: compiled.match(/require\("(zod|@pulumi\/pulumi)"\)/g) }).toEqual({ file, requires: null });
  }
});

test("the same sources are not built again; a stamp of other sources is", () => {
  const first = ensureProviderPackage(dir);
  const again = ensureProviderPackage(dir);
  expect(again).toEqual({ ...first, built: false });
  writeFileSync(join(dir, "build-stamp.json"), JSON.stringify({ sourceHash: "0".repeat(64), files: [] }));
  expect(ensureProviderPackage(dir).built).toBe(true);
  expect(stamp().sourceHash).toBe(first.sourceHash);
});
