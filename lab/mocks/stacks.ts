// Stack settings used across tests, in the flat form the Pulumi CLI hands to the program.
import { type DeviceSettings, type FleetSettings, iotHubSchema, type StackSettings } from "../../components/config/settings";
import type { EdgeDevice } from "../../components/edgeDevice";
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

/** One device on an existing host, with generated self-signed certificates: the EdgeDevice wiring tests' device. */
export function wiringTestDevice(manifest: Record<string, unknown>): DeviceSettings {
  return {
    id: "line-3-gateway",
    host: { type: "existing", address: "192.0.2.30", port: 22, user: "edge", privateKey: "SSH-KEY-BODY" },
    certificate: { source: "generate" },
    deploymentManifest: "manifests/simulated-temperature.json",
    manifest,
    runtime: { preinstalled: false, aziotEdgeVersion: "1.6.0-1", agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6" },
  } as unknown as DeviceSettings;
}

/**
 * The EdgeDevice "fleet-gw" of `device` on the hub `hub` (settings `iotHub`, e.g. `{ name, auth }`),
 * its certificates generated and signed by a fleet CA "ca". Call it inside runUnderMocks' program:
 * it loads the components once the mocks are set.
 */
export function wiringTestEdgeDevice(
  device: DeviceSettings,
  hub: { readonly hostName: string; readonly connectionString?: string },
  iotHub: Record<string, unknown>,
): EdgeDevice {
  const { EdgeDevice } = require("../../components/edgeDevice") as typeof import("../../components/edgeDevice");
  const { FleetCertificateAuthority } =
    require("../../components/certificates/fleetCa") as typeof import("../../components/certificates/fleetCa");
  const { fleetHubContext } = require("../../components/iotHub/edgeDeviceHub") as typeof import("../../components/iotHub/edgeDeviceHub");
  const fleetCa = new FleetCertificateAuthority("ca", { commonName: "Fleet root", intermediate: false });
  return new EdgeDevice("fleet-gw", {
    device,
    fleet: {
      resourceGroupName: "rg",
      location: "westeurope",
      stackKey: "k",
      tags: {},
      hub: fleetHubContext(hub, { iotHub: iotHubSchema.parse(iotHub) }),
    },
    certificates: {
      source: {
        kind: "generate",
        settings: {
          source: "generate",
          keyAlgorithm: "ECDSA",
          rsaBits: 2048,
          validityDays: 365,
          renewBeforeDays: 30,
          intermediate: false,
          authentication: "selfSigned",
        },
      },
      fleetCa,
    },
  });
}
