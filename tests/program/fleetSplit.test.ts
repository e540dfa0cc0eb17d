// A fleet split over stacks, under mocks: the core makes the shared pieces (no device) and exports
// them for its sites (plain `fleetCore`, secret `fleetCoreSecrets`); a site reads them through a
// StackReference (mocked with the outputs a core exports) and makes only its devices on them.
import type * as pulumi from "@pulumi/pulumi";
import { FLEET_CORE_VERSION, type FleetCoreOutput } from "../../components/fleet/fleetCore";
import { MOCK_CERT_PEM, RecordedResource, byName, isSecretValue, runUnderMocks, valueOf } from "../../lab/mocks/pulumiMocks";
import { asConfigMap, existingDevice, vmDevice } from "../../lab/mocks/stacks";

type Program = typeof import("../../components/program");
const defineStack = () => (require("../../components/program") as Program).defineStack({ projectDir: process.cwd() });
const kinds = (resources: RecordedResource[]) => resources.map((r) => `${r.type} ${r.name}`).sort();

describe("a core stack", () => {
  let resources: RecordedResource[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    const settings = {
      stackRole: "core",
      location: "westeurope",
      resourceGroup: { name: "rg-edge-core" },
      iotHub: { name: "hub-core", create: true, auth: "connectionString" },
      keyVault: { name: "kv-core" },
      core: { sites: ["plant-a", "plant-b"] },
    };
    const run = await runUnderMocks(asConfigMap(settings), defineStack);
    resources = run.resources;
    outputs = run.result as Record<string, unknown>;
  });

  test("makes the resource group, hub, network and fleet CA with one intermediate per site, the root registered on the hub, and no device", () => {
    const site = (s: string) => [
      `tls:index/privateKey:PrivateKey fleet-ca-site-${s}-key`,
      `tls:index/certRequest:CertRequest fleet-ca-site-${s}-csr`,
      `tls:index/locallySignedCert:LocallySignedCert fleet-ca-site-${s}-cert`,
    ];
    expect(kinds(resources)).toEqual(
      [
        "edge:fleet:EdgeFleet fleet",
        "pulumi:providers:pulumi-nodejs fleet-dynamic",
        "azure-native:resources:ResourceGroup fleet-rg",
        "edge:fleet:FleetHub fleet-iothub",
        "azure-native:iothub:IotHubResource fleet-iothub-hub",
        "azure-native:iothub:Certificate fleet-iothub-ca-edge-fleet-root",
        "edge:fleet:FleetNetwork fleet-net",
        "azure-native:network:VirtualNetwork fleet-net-vnet",
        "azure-native:network:Subnet fleet-net-subnet",
        "edge:certificates:FleetCertificateAuthority fleet-ca",
        "tls:index/privateKey:PrivateKey fleet-ca-root-key",
        "tls:index/selfSignedCert:SelfSignedCert fleet-ca-root-cert",
        ...site("plant-a"),
        ...site("plant-b"),
      ].sort(),
    );
    // Each site's CA is signed by the root.
    expect(byName(resources, "fleet-ca-site-plant-a-cert").dependencies).toContain(byName(resources, "fleet-ca-root-cert").urn);
  });

  test("exports fleetCore in plain text and the hub's connection string and the sites' CA keys as a secret", async () => {
    const fleetCore = outputs.fleetCore as pulumi.Output<FleetCoreOutput>;
    expect(await (fleetCore as any).isSecret).toBe(false);
    expect(await valueOf(fleetCore)).toEqual({
      version: FLEET_CORE_VERSION,
      location: "westeurope",
      resourceGroupName: "rg-edge-core",
      iotHub: {
        name: "hub-core",
        hostName: "hub-core.azure-devices.net",
        auth: "connectionString",
        resourceGroup: "rg-edge-core",
        adoptExistingIdentities: false,
        readinessTimeoutSeconds: 600,
        roleAssignmentWaitSeconds: 600,
      },
      subnetId: "fleet-net-subnet-id",
      keyVault: { name: "kv-core", purgeOnDelete: false, challengeResourceVerification: true },
      fleetRootCertificatePem: MOCK_CERT_PEM,
      siteCertificateAuthorities: { "plant-a": MOCK_CERT_PEM, "plant-b": MOCK_CERT_PEM },
    });
    const secrets = outputs.fleetCoreSecrets as pulumi.Output<{
      iotHubConnectionString: string;
      siteCertificateAuthorityKeys: Record<string, string>;
    }>;
    expect(await (secrets as any).isSecret).toBe(true);
    const value = await valueOf(secrets);
    expect(value.iotHubConnectionString).toBe(
      "HostName=hub-core.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=bW9jay1odWIta2V5",
    );
    expect(Object.keys(value.siteCertificateAuthorityKeys)).toEqual(["plant-a", "plant-b"]);
    expect(value.siteCertificateAuthorityKeys["plant-a"]).toContain("fleet-ca-site-plant-a-key");
    // The root key is no output.
    expect(JSON.stringify(value)).not.toContain("fleet-ca-root-key");
    expect(outputs.devices).toEqual({});
  });
});

/** What a core with a network and a CA for plant-a exports (as the core test above shows). */
const CORE: FleetCoreOutput = {
  version: FLEET_CORE_VERSION,
  location: "northeurope",
  resourceGroupName: "rg-edge-core",
  iotHub: {
    name: "hub-core",
    hostName: "hub-core.azure-devices.net",
    auth: "connectionString",
    resourceGroup: "rg-edge-core",
    adoptExistingIdentities: false,
    readinessTimeoutSeconds: 300,
    roleAssignmentWaitSeconds: 600,
  },
  subnetId: "/subscriptions/s/resourceGroups/rg-edge-core/providers/Microsoft.Network/virtualNetworks/v/subnets/edge-devices",
  // No vault here: the default mocks do not serve the Key Vault import of generated identities.
  fleetRootCertificatePem: MOCK_CERT_PEM,
  siteCertificateAuthorities: { "plant-a": MOCK_CERT_PEM },
};
const CONNECTION_STRING = "HostName=hub-core.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=c2l0ZS10ZXN0";
const SITE_CA_KEY = "-----BEGIN PRIVATE KEY-----\nplant-a-ca-key\n-----END PRIVATE KEY-----\n";

/** Runs a site stack whose StackReference reads `core`; returns what it registered, and the names of the stacks it read. */
async function runSite(settings: Record<string, unknown>, core: unknown) {
  const read: string[] = [];
  const run = await runUnderMocks(asConfigMap(settings), defineStack, (args) => {
    if (args.type !== "pulumi:pulumi:StackReference") return undefined;
    read.push(args.inputs.name);
    const outputs = {
      fleetCore: core,
      fleetCoreSecrets: { iotHubConnectionString: CONNECTION_STRING, siteCertificateAuthorityKeys: { "plant-a": SITE_CA_KEY } },
    };
    return { id: args.inputs.name, state: { name: args.inputs.name, outputs, secretOutputNames: ["fleetCoreSecrets"] } };
  });
  return { ...run, read };
}

const siteSettings = (name?: string) => ({
  stackRole: "site",
  site: { coreStack: "organization/edge/core-neu", ...(name ? { name } : {}) },
  defaults: { azureVm: { sshSourceRanges: ["203.0.113.0/24"] }, deploymentManifest: "manifests/simulated-temperature.json" },
  devices: [vmDevice("plant-a-vm"), existingDevice("plant-a-gw")],
});

describe("a site stack", () => {
  let resources: RecordedResource[];
  let read: string[];
  beforeAll(async () => ({ resources, read } = await runSite(siteSettings("plant-a"), CORE)));

  test("reads its core stack and makes only its devices: no resource group, hub, network or CA of its own", () => {
    expect(read).toEqual(["organization/edge/core-neu"]);
    const shared =
      /ResourceGroup|FleetHub|IotHubResource|iothub:Certificate|FleetNetwork|VirtualNetwork|Subnet|FleetCertificateAuthority|SelfSignedCert/;
    expect(kinds(resources).filter((k) => shared.test(k))).toEqual([]);
    expect(kinds(resources).filter((k) => k.startsWith("edge:device:EdgeDevice"))).toEqual([
      "edge:device:EdgeDevice fleet-plant-a-gw",
      "edge:device:EdgeDevice fleet-plant-a-vm",
    ]);
  });

  test("its VM goes into the core's resource group, region and subnet", () => {
    const nic = byName(resources, "fleet-plant-a-vm-host-nic").inputs;
    expect(nic.resourceGroupName).toBe("rg-edge-core");
    expect(nic.location).toBe("northeurope");
    expect(nic.ipConfigurations[0].subnet.id).toBe(CORE.subnetId);
  });

  test("its identities use the core's hub, with the connection string from the core's secret output still a secret", () => {
    for (const id of ["plant-a-vm", "plant-a-gw"]) {
      const identity = byName(resources, `fleet-${id}-iothub-identity`).inputs;
      expect(identity.hubHostName).toBe("hub-core.azure-devices.net");
      expect(isSecretValue(identity.connectionString)).toBe(true);
      expect(identity.connectionString.value).toBe(CONNECTION_STRING);
      expect(byName(resources, `fleet-${id}-iothub-ready`).inputs.timeoutSeconds).toBe(300);
    }
  });

  test("its generated certificates are signed by the site's CA from the core, whose key stays a secret", () => {
    const identityCert = byName(resources, "fleet-plant-a-gw-certs-identity-cert").inputs;
    expect(identityCert.caCertPem).toBe(MOCK_CERT_PEM);
    expect(isSecretValue(identityCert.caPrivateKeyPem)).toBe(true);
    expect(identityCert.caPrivateKeyPem.value).toBe(SITE_CA_KEY);
  });
});

test("a site whose core does not fit its devices is refused before any resource, naming each setting to change", async () => {
  const core = { ...CORE, subnetId: undefined };
  const kv = { ...existingDevice("plant-c-kv"), certificate: { source: "keyVault", certificateName: "plant-c-kv-identity" } };
  const settings = { ...siteSettings(), devices: [vmDevice("plant-c-vm"), kv] };
  await expect(runSite(settings, core)).rejects.toThrow(
    [
      "The stack settings have 4 problems; nothing was created:",
      '  - devices[0].host (device "plant-c-vm"): is an Azure VM, but the core stack "organization/edge/core-neu" has no network for it: set edge:core.network to true there (with edge:resourceGroup)',
      '  - devices[0].certificate (device "plant-c-vm"): needs the site\'s CA to sign its certificates, but the core stack "organization/edge/core-neu" signs for no site "test": add "test" to edge:core.sites there (or set edge:site.name to the name it has there)',
      '  - devices[1].certificate.source (device "plant-c-kv"): is keyVault, read from Key Vault, but the core stack "organization/edge/core-neu" has no edge:keyVault: set it there',
      '  - devices[1].certificate (device "plant-c-kv"): needs the site\'s CA to sign its edge CA, but the core stack "organization/edge/core-neu" signs for no site "test": add "test" to edge:core.sites there (or set edge:site.name to the name it has there)',
    ].join("\n"),
  );
});

test("a stack named as the core that is no core (no fleetCore output) is refused naming site.coreStack", async () => {
  const run = runSite(siteSettings("plant-a"), undefined);
  await expect(run).rejects.toThrow(
    'site.coreStack: stack "organization/edge/core-neu" has no fleetCore output of version 1: name a stack with edge:stackRole core, and run `pulumi up` on it (with this version of the program) before its sites',
  );
});
