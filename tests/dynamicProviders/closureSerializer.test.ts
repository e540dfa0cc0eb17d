// A mocks run of the compiled program, hub and dps modes, each in a fresh process
// (support/programUnderMocks.ts): every dynamic resource type is registered, and none of them
// serializes a provider, so the SDK's closure serializer (the V8 inspector, the TypeScript
// compiler's parser) never runs. The module itself is still loaded, by the SDK's own
// runtime/index.js (`export { serializeFunction }`), whatever the program does.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

const PROJECT_DIR = join(__dirname, "..", "..");
const SDK_RUNTIME_INDEX = join(PROJECT_DIR, "node_modules", "@pulumi", "pulumi", "runtime", "index.js");

function run(mode: "hub" | "dps"): { requirers: string[]; calls: number; types: string[] } {
  const out = execFileSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", join(__dirname, "support", "programUnderMocks.ts"), mode],
    { cwd: PROJECT_DIR, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(out.trim().split("\n").pop()!);
}

test("no dynamic resource of the program serializes its provider: serializeFunction is never called, and only the SDK's index loads it", () => {
  const hub = run("hub");
  const dps = run("dps");
  expect([...new Set([...hub.types, ...dps.types])].sort()).toEqual([
    "pulumi-nodejs:dynamic/certificates:EdgeCaCertificate",
    "pulumi-nodejs:dynamic/certificates:KeyVaultCertificate",
    "pulumi-nodejs:dynamic/certificates:ThumbprintSlots",
    "pulumi-nodejs:dynamic/dps:EnrollmentGroup",
    "pulumi-nodejs:dynamic/dps:RegisteredDevices",
    "pulumi-nodejs:dynamic/iotHub:AtScaleDeployment",
    "pulumi-nodejs:dynamic/iotHub:AtScaleDeploymentGate",
    "pulumi-nodejs:dynamic/iotHub:EdgeDeployment",
    "pulumi-nodejs:dynamic/iotHub:EdgeReadiness",
    "pulumi-nodejs:dynamic/iotHub:IotHubDevice",
  ]);
  for (const result of [hub, dps]) {
    expect(result.calls).toBe(0);
    // pulumi.dynamic.Resource requires it from dynamic/index.js when it serializes a provider.
    expect(result.requirers.filter((file) => file !== SDK_RUNTIME_INDEX)).toEqual([]);
  }
}, 120_000);
