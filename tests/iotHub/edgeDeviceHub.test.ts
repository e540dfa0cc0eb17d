// A device in IoT Hub under Pulumi mocks: the identity (edgeDeviceIdentity), then the deployment and
// the gate (EdgeDeviceHub), their order in the graph, and secrets.
import * as pulumi from "@pulumi/pulumi";
import { byName, isSecretValue, type RecordedResource, runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { iotHubSchema } from "../../components/config/settings";
import { exampleManifest } from "./manifestFixture";
import type { IotHubDevice } from "../../components/iotHub/iotHubDevice";

type Hub = typeof import("../../components/iotHub/edgeDeviceHub");
const CS = "HostName=hub-test.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=bW9jay1odWIta2V5";
let resources: RecordedResource[];

/** A resource of no provider, standing in for the host and the bootstrap. */
class Placeholder extends pulumi.CustomResource {
  constructor(type: string, name: string, opts?: pulumi.CustomResourceOptions) {
    super(type, name, {}, opts);
  }
}

beforeAll(async () => {
  const run = await runUnderMocks({}, () => {
    const { EdgeDeviceHub, edgeDeviceIdentity, fleetHubContext } = require("../../components/iotHub/edgeDeviceHub") as Hub;
    const fleetHub = fleetHubContext(
      { hostName: "hub-test.azure-devices.net", connectionString: CS },
      {
        iotHub: iotHubSchema.parse({ name: "hub-test", readinessTimeoutSeconds: 300 }),
        registries: [{ address: "contoso.azurecr.io", username: "puller", password: "registry-password" }],
      },
    );
    const identity = edgeDeviceIdentity("dev-identity", {
      deviceId: "edge-01",
      fleetHub,
      authentication: {
        type: "selfSigned",
        primaryThumbprint: pulumi.output("A".repeat(64)),
        secondaryThumbprint: pulumi.output("B".repeat(64)),
      },
    });
    // Stand-ins for the device's host and its bootstrap's last step, which waits for the identity.
    const host = new Placeholder("test:index:Host", "dev-host");
    const bootstrap = new Placeholder("test:index:Bootstrap", "dev-bootstrap", { dependsOn: [host, identity] });
    return new EdgeDeviceHub("dev", { deviceId: "edge-01", identity, fleetHub, manifest: exampleManifest(), runtimeReady: bootstrap });
  });
  resources = run.resources;
}, 60_000);

const urn = (name: string) => byName(resources, name).urn;

test("one identity; one deployment and one gate, children of the component", () => {
  expect(
    resources
      .filter((r) => r.type.startsWith("pulumi-nodejs") || r.type.startsWith("edge:"))
      .map((r) => `${r.type} ${r.name}`)
      .sort(),
  ).toEqual([
    "edge:iotHub:EdgeDeviceHub dev",
    "pulumi-nodejs:dynamic/iotHub:EdgeDeployment dev-deployment",
    "pulumi-nodejs:dynamic/iotHub:EdgeReadiness dev-ready",
    "pulumi-nodejs:dynamic/iotHub:IotHubDevice dev-identity",
  ]);
  for (const child of ["dev-deployment", "dev-ready"]) expect(byName(resources, child).parent).toBe(urn("dev"));
  // The identity is made before the bootstrap, so it is not the component's (EdgeDevice parents it).
  expect(byName(resources, "dev-identity").parent).not.toBe(urn("dev"));
});

test("the identity waits on nothing; the bootstrap on it; the deployment on the bootstrap and the identity; the gate on the deployment", () => {
  expect(byName(resources, "dev-identity").dependencies).toEqual([]);
  expect(byName(resources, "dev-bootstrap").dependencies).toContain(urn("dev-identity"));
  expect(byName(resources, "dev-deployment").dependencies.sort()).toEqual([urn("dev-bootstrap"), urn("dev-identity")].sort());
  expect(byName(resources, "dev-ready").dependencies).toEqual(expect.arrayContaining([urn("dev-deployment")]));
  expect(byName(resources, "dev-ready").dependencies).not.toContain(urn("dev-host"));
});

test("the identity's inputs: edge X.509 thumbprints, adoption off, connection string secret and a secret output", () => {
  const identity = byName(resources, "dev-identity");
  expect(identity.inputs).toMatchObject({
    deviceId: "edge-01",
    hubHostName: "hub-test.azure-devices.net",
    hubAuth: "connectionString",
    authType: "selfSigned",
    primaryThumbprint: "A".repeat(64),
    secondaryThumbprint: "B".repeat(64),
    status: "enabled",
    adoptExisting: false,
  });
  expect(isSecretValue(identity.inputs.connectionString)).toBe(true);
  expect(identity.additionalSecretOutputs).toEqual(["connectionString"]);
});

test("the registry password and connection string are secrets wherever they go; the manifest carries neither", () => {
  const deployment = byName(resources, "dev-deployment");
  expect(isSecretValue(deployment.inputs.registryCredentials)).toBe(true);
  expect(isSecretValue(deployment.inputs.connectionString)).toBe(true);
  expect(deployment.additionalSecretOutputs).toEqual(["registryCredentials"]);
  expect(byName(resources, "dev-ready").inputs).toMatchObject({ timeoutSeconds: 300 });
  const plain = JSON.stringify(resources.map((r) => Object.fromEntries(Object.entries(r.inputs).filter(([, v]) => !isSecretValue(v)))));
  expect(plain).not.toContain("registry-password");
  expect(plain).not.toContain("bW9jay1odWIta2V5");
});

test("an invalid manifest stops the component before any resource exists", () => {
  const { EdgeDeviceHub } = require("../../components/iotHub/edgeDeviceHub") as Hub;
  const bad = exampleManifest();
  delete bad.modulesContent.$edgeHub;
  const identity = { deviceId: pulumi.output("edge-02"), generationId: pulumi.output("g") } as unknown as IotHubDevice;
  const runtimeReady = {} as pulumi.Resource;
  expect(
    () =>
      new EdgeDeviceHub("bad", {
        deviceId: "edge-02",
        identity,
        runtimeReady,
        manifest: bad,
        fleetHub: {
          access: { hostName: "h", auth: "entraId" },
          settings: { adoptExistingIdentities: false, readinessTimeoutSeconds: 300 },
          registries: [],
        },
      }),
  ).toThrow('device "edge-02": the deployment manifest is invalid:\n  - modulesContent.$edgeHub["properties.desired"] is missing');
});

test("a selfSigned identity without a thumbprint is refused, naming the device, before it is registered", () => {
  const { edgeDeviceIdentity } = require("../../components/iotHub/edgeDeviceHub") as Hub;
  const fleetHub = {
    access: { hostName: "h", auth: "entraId" as const },
    settings: { adoptExistingIdentities: false, readinessTimeoutSeconds: 300 },
    registries: [],
  };
  expect(() => edgeDeviceIdentity("bad-identity", { deviceId: "edge-03", fleetHub, authentication: { type: "selfSigned" } })).toThrow(
    `device "edge-03": selfSigned authentication needs the identity certificate's thumbprint`,
  );
});
