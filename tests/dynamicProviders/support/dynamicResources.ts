// Every dynamic resource type of the program: its type token, the provider module and class it loads,
// and one resource of the type; and the provider object made from a resource's `__provider` text as
// the engine's dynamic-provider host makes it. Shared by the tests of packagedResource.ts.
import { EdgeCaCertificate } from "../../../components/certificates/edgeCaCertificate";
import { KeyVaultCertificate } from "../../../components/certificates/keyVaultCertificate";
import { ThumbprintSlots } from "../../../components/certificates/thumbprintSlots";
import { EnrollmentGroup } from "../../../components/dps/enrollmentGroup";
import { RegisteredDevices } from "../../../components/dps/registeredDevices";
import { PROVIDER_KEY } from "../../../components/dynamicProviders/packagedResource";
import { AtScaleDeployment } from "../../../components/iotHub/atScaleDeployment";
import { AtScaleDeploymentGate } from "../../../components/iotHub/atScaleDeploymentGate";
import { EdgeDeployment } from "../../../components/iotHub/edgeDeployment";
import { EdgeReadiness } from "../../../components/iotHub/edgeReadiness";
import type { HubAccessArgs } from "../../../components/iotHub/hubAccessArgs";
import { IotHubDevice } from "../../../components/iotHub/iotHubDevice";
import { runUnderMocks } from "../../../lab/mocks/pulumiMocks";

const hub: HubAccessArgs = {
  hostName: "hub-test.azure-devices.net",
  auth: "connectionString",
  connectionString: "HostName=x;SharedAccessKey=a2V5",
};

/** The type tokens of stacks made so far, the provider module each loads, its class, and one resource of the type. */
export const DYNAMIC_RESOURCE_TYPES: ReadonlyArray<readonly [string, string, string, () => unknown]> = [
  [
    "pulumi-nodejs:dynamic/iotHub:IotHubDevice",
    "components/iotHub/iotHubDevice.provider",
    "IotHubDeviceProvider",
    () => new IotHubDevice("r", { hub, deviceId: "d", authType: "selfSigned" }),
  ],
  [
    "pulumi-nodejs:dynamic/iotHub:EdgeDeployment",
    "components/iotHub/edgeDeployment.provider",
    "EdgeDeploymentProvider",
    () => new EdgeDeployment("r", { hub, deviceId: "d", manifest: {} }),
  ],
  [
    "pulumi-nodejs:dynamic/iotHub:EdgeReadiness",
    "components/iotHub/edgeReadiness.provider",
    "EdgeReadinessProvider",
    () => new EdgeReadiness("r", { hub, deviceId: "d", desiredVersion: 1, timeoutSeconds: 60 }),
  ],
  [
    "pulumi-nodejs:dynamic/iotHub:AtScaleDeployment",
    "components/iotHub/atScaleDeployment.provider",
    "AtScaleDeploymentProvider",
    () => new AtScaleDeployment("r", { hub, deploymentId: "d", content: {}, targetCondition: "tags.a='b'", priority: 1 }),
  ],
  [
    "pulumi-nodejs:dynamic/iotHub:AtScaleDeploymentGate",
    "components/iotHub/atScaleDeploymentGate.provider",
    "AtScaleDeploymentGateProvider",
    () =>
      new AtScaleDeploymentGate("r", {
        hub,
        deploymentId: "d",
        deploymentEtag: "MQ==",
        deploymentContentHash: "h",
        expectedDeviceCount: 1,
        timeoutSeconds: 60,
      }),
  ],
  [
    "pulumi-nodejs:dynamic/dps:EnrollmentGroup",
    "components/dps/enrollmentGroup.provider",
    "EnrollmentGroupProvider",
    () =>
      new EnrollmentGroup("r", {
        dps: { hostName: "dps.azure-devices-provisioning.net", connectionString: "HostName=x;SharedAccessKey=a2V5" },
        enrollmentGroupId: "g",
        caReference: "ca",
        iotEdge: true,
        tags: {},
        provisioningStatus: "enabled",
        updateHubAssignment: false,
        migrateDeviceData: false,
        allocationPolicy: "hashed",
        iotHubs: [hub.hostName],
      }),
  ],
  [
    "pulumi-nodejs:dynamic/dps:RegisteredDevices",
    "components/dps/registeredDevices.provider",
    "RegisteredDevicesProvider",
    () => new RegisteredDevices("r", { hub, enrollmentGroupId: "g", deviceIds: ["d"] }),
  ],
  [
    "pulumi-nodejs:dynamic/certificates:EdgeCaCertificate",
    "components/certificates/edgeCaCertificate.provider",
    "EdgeCaCertificateProvider",
    () =>
      new EdgeCaCertificate("r", {
        commonName: "d.edge-ca",
        publicKeyPem: "p",
        issuerCertPem: "c",
        issuerKeyPem: "k",
        validityHours: 24,
        renewBeforeHours: 1,
      }),
  ],
  [
    "pulumi-nodejs:dynamic/certificates:ThumbprintSlots",
    "components/certificates/thumbprintSlots.provider",
    "ThumbprintSlotsProvider",
    () => new ThumbprintSlots("r", { current: "AA" }),
  ],
  [
    "pulumi-nodejs:dynamic/certificates:KeyVaultCertificate",
    "components/certificates/keyVaultCertificate.provider",
    "KeyVaultCertificateProvider",
    () =>
      new KeyVaultCertificate("r", {
        vaultUrl: "https://kv.vault.azure.net",
        certificateName: "c",
        pem: "p",
        thumbprint: "AA",
        tags: {},
        purgeOnDelete: false,
      }),
  ],
];

/** Every method the host looks for (@pulumi/pulumi cmd/dynamic-provider: a missing one means "the default"). */
export const HOST_METHODS = ["configure", "check", "diff", "create", "read", "update", "delete"] as const;

/** The provider object as the host makes it: require-from-string (its own copy) on the text, then handler(). */
export function loadAsHost(text: string): Record<string, unknown> {
  const requireFromString = require(require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] }));
  return requireFromString(text).handler();
}

export const methodsOf = (target: Record<string, unknown>) => Object.fromEntries(HOST_METHODS.map((m) => [m, typeof target[m]]));

/** Each type's `__provider` text, as one resource of each registers it under mocks. */
export async function registeredProviderTexts(): Promise<Map<string, string>> {
  const { resources } = await runUnderMocks({}, () => DYNAMIC_RESOURCE_TYPES.forEach(([, , , make]) => make()));
  return new Map(resources.map((r) => [r.type, r.inputs[PROVIDER_KEY] as string]));
}
