// Stack settings used across tests, in the flat form the Pulumi CLI hands to the program.
import type { FleetSettings, StackSettings } from "../../components/config/settings";
export const TEST_PRIVATE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-test-only\n-----END OPENSSH PRIVATE KEY-----";

export function vmDevice(id: string, overrides: Record<string, unknown> = {}) {
  return { id, host: { type: "azureVm", ...overrides } };
}

export function existingDevice(id: string, overrides: Record<string, unknown> = {}) {
  return { id, host: { type: "existing", address: "192.0.2.20", user: "edgeadmin", privateKey: TEST_PRIVATE_KEY, ...overrides } };
}

/** A valid stack: resource group created, existing hub, SSH from one documentation range. */
export function stackSettings(devices: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    location: "westeurope",
    resourceGroup: { name: "rg-edge-test", create: true },
    iotHub: { name: "hub-test", auth: "entraId" },
    defaults: {
      azureVm: { sshSourceRanges: ["203.0.113.0/24"] },
      deploymentManifest: "manifests/simulated-temperature.json",
    },
    devices,
    ...extra,
  };
}

/** As `pulumi.runtime.allConfig()` returns it: `edge:<key>` → text (JSON for structured values). */
export function asConfigMap(settings: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [`edge:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** validateFleet's settings of a stack that is the whole fleet (stackRole fleet, the default). */
export function wholeFleet(settings: StackSettings): FleetSettings {
  if (settings.stackRole !== "fleet") throw new Error(`expected a whole-fleet stack, not stackRole ${settings.stackRole}`);
  return settings;
}
