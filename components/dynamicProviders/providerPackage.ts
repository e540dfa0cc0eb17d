// The dynamic providers' code as a package of this project: packages/edge-dynamic-providers, an npm
// workspace whose `prepare` (run by `npm ci`) compiles the provider modules and the project files they
// import into its dist/ with tsc. The engine stores each dynamic resource's provider with it, inputs
// and outputs both, and a self-managed backend rewrites the whole state twice per step: serialized by
// value the IoT Hub providers took ~176 KB of each device's state, and serialized as an object that
// requires this package ~2 KB each. A resource of packagedResource.ts stores ~140 bytes: a require of
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
 * The package's exports: the name a stack's state requires each provider by (`edge-dynamic-providers/
 * <name>.js`) → the provider module it loads, relative to the project root, without extension. The
 * names are stable, so keep each while any stack may hold it: they are the modules' paths before
 * the x.ts / x.provider.ts / x.rules.ts naming, and a new provider takes its module's path as its name.
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
