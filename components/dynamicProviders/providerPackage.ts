// The dynamic providers' code as a package of this project: packages/edge-dynamic-providers, an npm
// workspace whose `prepare` (run by `npm ci`) compiles the provider modules and the project files they
// import into its dist/ with tsc. The engine stores each dynamic resource's provider with it, inputs
// and outputs both, and a self-managed backend rewrites the whole state twice per step: serialized by
// value the IoT Hub providers took ~176 KB of each device's state, and serialized as an object that
// requires this package ~2 KB each. A resource of packagedResource.ts stores ~65 bytes: a require of
// one of the package's names.
//
// `pulumi destroy` and `refresh` do not run the program: they require the package where `npm ci`
// built it. The program refuses to run on a build older than its sources (`npm run build` rebuilds).
import { join } from "node:path";
import { staleSources } from "../buildFreshness";
import { PROJECT_ROOT } from "../projectRoot";

export const PROVIDER_PACKAGE = "edge-dynamic-providers";

const PROJECT_DIR = PROJECT_ROOT;
export const PACKAGE_DIR = join(PROJECT_DIR, "packages", PROVIDER_PACKAGE);

/**
 * The package's exports a resource registers: its type's name (the type token's last part) → its
 * provider module, relative to the project root, without extension. The module exports `handler`,
 * which the engine's provider host calls, and a resource's `__provider` is
 * `module.exports=require("edge-dynamic-providers/<name>")` (packagedResource.ts), 61-70 characters,
 * stored twice per resource. Keep each name while any stack may hold it; a new provider
 * takes its type's name.
 */
export const PROVIDER_MODULES = {
  IotHubDevice: "components/iotHub/iotHubDevice.provider",
  EdgeDeployment: "components/iotHub/edgeDeployment.provider",
  EdgeReadiness: "components/iotHub/edgeReadiness.provider",
  AtScaleDeployment: "components/iotHub/atScaleDeployment.provider",
  AtScaleDeploymentGate: "components/iotHub/atScaleDeploymentGate.provider",
  EnrollmentGroup: "components/dps/enrollmentGroup.provider",
  RegisteredDevices: "components/dps/registeredDevices.provider",
  EdgeCaCertificate: "components/certificates/edgeCaCertificate.provider",
  ThumbprintSlots: "components/certificates/thumbprintSlots.provider",
  KeyVaultCertificate: "components/certificates/keyVaultCertificate.provider",
} as const;
export type ProviderName = keyof typeof PROVIDER_MODULES;
export const PROVIDER_NAMES = Object.keys(PROVIDER_MODULES) as ProviderName[];

/**
 * The exports the stacks made before 2026-11-30 hold, each in a 130-151-character text that makes the
 * module's provider class (`exports.handler = () => new (require("edge-dynamic-providers/<name>.js")
 * .<Class>)();`), in the outputs of a resource unchanged since and in every older state: keep them.
 * They are the modules' paths before the x.ts / x.provider.ts / x.rules.ts naming, or after it.
 */
export const PROVIDER_EXPORTS = {
  "components/iotHub/iotHubDeviceProvider": "components/iotHub/iotHubDevice.provider",
  "components/iotHub/edgeDeploymentProvider": "components/iotHub/edgeDeployment.provider",
  "components/iotHub/edgeReadinessProvider": "components/iotHub/edgeReadiness.provider",
  "components/iotHub/atScaleDeployment.provider": "components/iotHub/atScaleDeployment.provider",
  "components/iotHub/atScaleDeploymentGate.provider": "components/iotHub/atScaleDeploymentGate.provider",
  "components/dps/enrollmentGroup.provider": "components/dps/enrollmentGroup.provider",
  "components/dps/registeredDevices.provider": "components/dps/registeredDevices.provider",
  "components/certificates/edgeCaCertificate.provider": "components/certificates/edgeCaCertificate.provider",
  "components/certificates/thumbprintSlots.provider": "components/certificates/thumbprintSlots.provider",
  "components/certificates/keyVaultCertificate.provider": "components/certificates/keyVaultCertificate.provider",
} as const;
export const PROVIDER_ENTRIES = Object.keys(PROVIDER_EXPORTS) as ProviderEntry[];
export type ProviderEntry = keyof typeof PROVIDER_EXPORTS;

/**
 * Refuses a package that was never built, or built before one of its sources last changed
 * (buildFreshness.ts).
 */
export function checkProviderPackage(packageDir: string = PACKAGE_DIR, projectDir: string = PROJECT_DIR): void {
  const distDir = join(packageDir, "dist");
  const rebuild = `run \`npm run build\` in ${projectDir} (\`npm ci\` builds it too)`;
  const changed = staleSources(distDir, projectDir);
  if (changed === undefined) throw new Error(`the dynamic providers are not built (no ${distDir}): ${rebuild}`);
  if (changed.length > 0) {
    throw new Error(`the dynamic providers in ${distDir} were built before ${changed.join(", ")} last changed: ${rebuild}`);
  }
}
