// A provisioning.mode dps stack under mocks: no hub identity and no deployment per device, one DPS
// enrollment group and one at-scale deployment for the fleet, config.toml's DPS form, and the order
// of what waits for what.
import { MOCK_CERT_PEM, MOCK_ID_SCOPE, RecordedResource, byName, isSecretValue, runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";

type Program = typeof import("../../components/program");

const DPS_CONNECTION =
  "HostName=fleet-dps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=a2V5";
const CA = { source: "generate", authentication: "certificateAuthority" };

/** A dps stack of `devices` (the first half VMs, the rest existing hosts) on an existing or a created DPS. */
function dpsSettings(count: number, dps: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const devices = Array.from({ length: count }, (_, i) => (i < count / 2 ? vmDevice(`edge-${i}`) : existingDevice(`gw-${i}`)));
  const base = stackSettings(devices, extra);
  return {
    ...base,
    defaults: { ...(base.defaults as Record<string, unknown>), certificate: CA },
    provisioning: { mode: "dps", dps, tags: { site: "plant-7" } },
  };
}

async function run(
  settings: Record<string, unknown>,
): Promise<{ resources: RecordedResource[]; outputs: Awaited<ReturnType<Program["defineStack"]>> }> {
  const { resources, result } = await runUnderMocks(asConfigMap(settings), () => {
    const { defineStack } = require("../../components/program") as Program;
    return defineStack({ projectDir: process.cwd() });
  });
  return { resources, outputs: result };
}

const ofType = (resources: RecordedResource[], type: string) => resources.filter((r) => r.type === type);
const plain = (value: unknown) => (isSecretValue(value) ? (value as { value: unknown }).value : value);

describe("an existing DPS reached by its service API", () => {
  let resources: RecordedResource[];
  let outputs: Awaited<ReturnType<Program["defineStack"]>>;
  beforeAll(async () => {
    ({ resources, outputs } = await run(dpsSettings(2, { name: "fleet-dps", idScope: "0ne00002193", connectionString: DPS_CONNECTION })));
  });

  test("per device: host, certificates, bootstrap and a readiness gate; no hub identity, no deployment", () => {
    const names = resources.map((r) => `${r.type} ${r.name}`);
    expect(ofType(resources, "pulumi-nodejs:dynamic/iotHub:IotHubDevice")).toEqual([]);
    expect(ofType(resources, "pulumi-nodejs:dynamic/iotHub:EdgeDeployment")).toEqual([]);
    expect(ofType(resources, "edge:iotHub:EdgeDeviceHub")).toEqual([]);
    for (const d of ["edge-0", "gw-1"]) {
      expect(names).toContain(`pulumi-nodejs:dynamic/iotHub:EdgeReadiness fleet-${d}-ready`);
      expect(names).toContain(`command:remote:Command fleet-${d}-bootstrap-converge`);
    }
    // The fleet's DPS pieces, once each: no Azure resource for an existing DPS without its resource group.
    expect(names.filter((n) => /dps|Deployment|deployment/.test(n)).sort()).toEqual(
      [
        "edge:fleet:FleetDps fleet-dps",
        "pulumi-nodejs:dynamic/dps:EnrollmentGroup fleet-dps-enrollment-group",
        "pulumi-nodejs:dynamic/dps:RegisteredDevices fleet-dps-registered-devices",
        "pulumi-nodejs:dynamic/iotHub:AtScaleDeployment fleet-deployment",
        "pulumi-nodejs:dynamic/iotHub:AtScaleDeploymentGate fleet-deployment-ready",
      ].sort(),
    );
    // The hub holds no CA for them: DPS registers each device by its own certificate's thumbprint.
    expect(ofType(resources, "azure-native:iothub:Certificate")).toEqual([]);
  });

  test("the enrollment group: the fleet root CA carried by the group, IoT Edge on, the tags, the hub, the connection string secret", () => {
    const group = byName(resources, "fleet-dps-enrollment-group");
    expect(group.inputs).toMatchObject({
      dpsHostName: "fleet-dps.azure-devices-provisioning.net",
      enrollmentGroupId: "edge-edge-test",
      signingCertificatePem: MOCK_CERT_PEM,
      iotEdge: true,
      tags: { edgeFleet: "edge-edge-test", edgeStack: "edge:test", site: "plant-7" },
      provisioningStatus: "enabled",
      updateHubAssignment: true,
      migrateDeviceData: true,
      allocationPolicy: "hashed",
      iotHubs: ["hub-test.azure-devices.net"],
    });
    expect(group.inputs.caReference).toBeUndefined();
    expect(isSecretValue(group.inputs.dpsConnectionString)).toBe(true);
    expect(plain(group.inputs.dpsConnectionString)).toBe(DPS_CONNECTION);
    expect(group.additionalSecretOutputs).toContain("dpsConnectionString");
    // Destroy deletes the group before the hub devices it registered.
    expect(group.dependencies).toContain(byName(resources, "fleet-dps-registered-devices").urn);
    expect(byName(resources, "fleet-dps-registered-devices").inputs).toMatchObject({
      enrollmentGroupId: "edge-edge-test",
      deviceIds: ["edge-0", "gw-1"],
    });
  });

  test("its dynamic resources (enrollment group, registered devices, at-scale deployment, gates) run on the fleet's own provider", () => {
    const host = byName(resources, "fleet-dynamic");
    const dynamic = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
    expect(dynamic.map((r) => r.type)).toEqual(expect.arrayContaining(["pulumi-nodejs:dynamic/dps:EnrollmentGroup"]));
    for (const r of dynamic) expect(r.provider.startsWith(`${host.urn}::`)).toBe(true);
  });

  test("config.toml: source dps, the id scope, the global endpoint, X.509 attestation with the device id as registration id", () => {
    const toml = byName(resources, "fleet-gw-1-bootstrap-converge").inputs.create as string;
    expect(toml).toContain(
      '[provisioning]\nsource = "dps"\nglobal_endpoint = "https://global.azure-devices-provisioning.net"\nid_scope = "0ne00002193"\n',
    );
    expect(toml).toContain('[provisioning.attestation]\nmethod = "x509"\nregistration_id = "gw-1"\n');
    expect(toml).not.toContain("iothub_hostname");
  });

  test("the bootstrap waits for the enrollment group; the gate for the bootstrap, then for DPS to register the device", () => {
    expect(byName(resources, "fleet-gw-1-bootstrap-scripts").dependencies).toContain(byName(resources, "fleet-dps-enrollment-group").urn);
    const gate = byName(resources, "fleet-gw-1-ready");
    expect(gate.dependencies).toContain(byName(resources, "fleet-gw-1-bootstrap-converge").urn);
    expect(gate.inputs).toMatchObject({ deviceId: "gw-1", awaitRegistration: true, desiredVersion: 0, timeoutSeconds: 600 });
  });

  test("one at-scale deployment targets the group's tags; its gate expects every device, after their own gates", () => {
    const deployment = byName(resources, "fleet-deployment");
    expect(deployment.inputs).toMatchObject({
      deploymentId: "edge-edge-test",
      targetCondition: "tags.edgeFleet='edge-edge-test' AND tags.edgeStack='edge:test' AND tags.site='plant-7'",
      priority: 10,
    });
    expect(deployment.inputs.content).toHaveProperty("$edgeAgent");
    const gate = byName(resources, "fleet-deployment-ready");
    expect(gate.inputs).toMatchObject({ deploymentId: "edge-edge-test", expectedDeviceCount: 2 });
    expect(gate.dependencies).toEqual(
      expect.arrayContaining([deployment.urn, byName(resources, "fleet-edge-0-ready").urn, byName(resources, "fleet-gw-1-ready").urn]),
    );
  });

  test("outputs say where devices register", async () => {
    const dps = outputs.dps!;
    const values = await new Promise((resolve) =>
      require("@pulumi/pulumi").all([dps.idScope, dps.enrollmentGroupId, dps.deploymentId]).apply(resolve),
    );
    expect(values).toEqual(["0ne00002193", "edge-edge-test", "edge-edge-test"]);
    expect(dps.globalEndpoint).toBe("https://global.azure-devices-provisioning.net");
  });
});

test("a DPS the stack creates: linked to the hub with a secret connection string, the fleet CA registered verified, the group naming it", async () => {
  const { resources } = await run(
    dpsSettings(
      2,
      { name: "fleet-dps", create: true },
      {
        iotHub: {
          name: "hub-test",
          auth: "connectionString",
          connectionString: "HostName=hub-test.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=aHVi",
        },
      },
    ),
  );
  const dps = byName(resources, "fleet-dps-dps");
  expect(dps.type).toBe("azure-native:deviceprovisioningservices:IotDpsResource");
  expect(dps.inputs).toMatchObject({
    provisioningServiceName: "fleet-dps",
    resourceGroupName: "rg-edge-test",
    sku: { name: "S1", capacity: 1 },
  });
  const link = dps.inputs.properties.iotHubs[0];
  expect(isSecretValue(link.connectionString)).toBe(true);
  expect(plain(link.connectionString)).toBe("HostName=hub-test.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=aHVi");
  const ca = byName(resources, "fleet-dps-ca-edge-fleet-root");
  expect(ca.type).toBe("azure-native:deviceprovisioningservices:DpsCertificate");
  expect(ca.inputs).toMatchObject({
    provisioningServiceName: "fleet-dps",
    certificateName: "edge-fleet-root",
    properties: { certificate: MOCK_CERT_PEM, isVerified: true },
  });
  const group = byName(resources, "fleet-dps-enrollment-group");
  expect(group.inputs.caReference).toBe("edge-fleet-root");
  expect(group.inputs.signingCertificatePem).toBeUndefined();
  expect(group.dependencies).toContain(ca.urn);
  // The group is managed with the DPS's own key, read from Azure, never from config.
  expect(plain(group.inputs.dpsConnectionString)).toBe(
    "HostName=fleet-dps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=bW9jay1kcHMta2V5",
  );
  expect(MOCK_ID_SCOPE).toMatch(/^0ne/);
  expect(byName(resources, "fleet-gw-1-bootstrap-converge").inputs.create).toContain(`id_scope = "${MOCK_ID_SCOPE}"`);
});

test("a dps stack of N devices registers no per-device hub identity or deployment: per device only host, certificates, bootstrap and gate", async () => {
  const count = 12;
  const { resources } = await run(dpsSettings(count, { name: "fleet-dps", idScope: "0ne00002193", connectionString: DPS_CONNECTION }));
  const perDevice = (type: string) => ofType(resources, type).length;
  expect(perDevice("pulumi-nodejs:dynamic/iotHub:IotHubDevice")).toBe(0);
  expect(perDevice("pulumi-nodejs:dynamic/iotHub:EdgeDeployment")).toBe(0);
  expect(perDevice("pulumi-nodejs:dynamic/iotHub:EdgeReadiness")).toBe(count);
  expect(perDevice("pulumi-nodejs:dynamic/iotHub:AtScaleDeployment")).toBe(1);
  expect(perDevice("pulumi-nodejs:dynamic/dps:EnrollmentGroup")).toBe(1);
  expect(perDevice("pulumi-nodejs:dynamic/dps:RegisteredDevices")).toBe(1);
});
