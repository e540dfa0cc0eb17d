// EdgeDevice wires the hub pieces in the order identity → bootstrap → deployment: the identity from
// the certificates' thumbprint slots, in parallel with the host; the bootstrap after it; the
// deployment after the bootstrap's ready step; the gate after the deployment.
import * as pulumi from "@pulumi/pulumi";
import { aliasUrn, byName, isSecretValue, type RecordedResource, runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { wiringTestDevice, wiringTestEdgeDevice } from "../../lab/mocks/stacks";
import { exampleManifest } from "./manifestFixture";

const device = wiringTestDevice(exampleManifest());
const CS = "HostName=contoso.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=bW9jay1odWIta2V5";

/** Mocked outputs: PEM text named after the resource, and thumbprint slots holding a fixed value. */
function state(args: pulumi.runtime.MockResourceArgs) {
  const pem = (what: string) => `-----BEGIN ${what}-----\n${Buffer.from(args.name).toString("base64")}\n-----END ${what}-----\n`;
  if (args.type === "tls:index/privateKey:PrivateKey")
    return { id: args.name, state: { ...args.inputs, privateKeyPem: pem("PRIVATE KEY") } };
  if (args.type.startsWith("tls:index/") && args.type.endsWith("Cert"))
    return { id: args.name, state: { ...args.inputs, certPem: pem("CERTIFICATE") } };
  if (args.type.includes("EdgeCaCertificate")) return { id: args.name, state: { ...args.inputs, certPem: pem("CERTIFICATE") } };
  if (args.type.includes("ThumbprintSlots"))
    return { id: args.name, state: { ...args.inputs, primary: "A".repeat(64), secondary: "B".repeat(64) } };
  return undefined;
}

/** The resources registered; with `failure`, a throw of the program is kept there instead of failing the run. */
async function build(manifest: Record<string, unknown> = device.manifest, failure?: { error?: Error }): Promise<RecordedResource[]> {
  const run = await runUnderMocks(
    {},
    () => {
      try {
        return wiringTestEdgeDevice(
          { ...device, manifest },
          { hostName: "contoso.azure-devices.net", connectionString: CS },
          { name: "contoso" },
        );
      } catch (err) {
        if (!failure) throw err;
        failure.error = err as Error;
        return undefined;
      }
    },
    state,
  );
  return run.resources;
}

test("the identity waits only on the thumbprints; the bootstrap on the identity; the deployment on the bootstrap; the gate on the deployment", async () => {
  const resources = await build();
  const urn = (name: string) => byName(resources, name).urn;
  for (const child of ["fleet-gw-host", "fleet-gw-certs", "fleet-gw-iothub-identity", "fleet-gw-bootstrap", "fleet-gw-iothub"]) {
    expect(byName(resources, child).parent).toBe(urn("fleet-gw"));
  }
  const identity = byName(resources, "fleet-gw-iothub-identity");
  expect(identity.inputs).toMatchObject({
    deviceId: "line-3-gateway",
    authType: "selfSigned",
    primaryThumbprint: "A".repeat(64),
    secondaryThumbprint: "B".repeat(64),
  });
  expect(isSecretValue(identity.inputs.connectionString)).toBe(true);
  expect(identity.dependencies).toContain(urn("fleet-gw-certs-thumbprints"));
  const hostAndBootstrap = resources
    .filter((r) => r.name.startsWith("fleet-gw-host") || r.name.startsWith("fleet-gw-bootstrap"))
    .map((r) => r.urn);
  expect(hostAndBootstrap.length).toBeGreaterThan(3);
  expect(identity.dependencies.filter((d) => hostAndBootstrap.includes(d))).toEqual([]);
  // The bootstrap's first step waits for the identity (a component's dependsOn would not reach its steps).
  expect(byName(resources, "fleet-gw-bootstrap-scripts").dependencies).toContain(urn("fleet-gw-iothub-identity"));
  expect(byName(resources, "fleet-gw-iothub-deployment").dependencies).toEqual(
    expect.arrayContaining([urn("fleet-gw-bootstrap-converge"), urn("fleet-gw-iothub-identity")]),
  );
  expect(byName(resources, "fleet-gw-iothub-ready").dependencies).toContain(urn("fleet-gw-iothub-deployment"));
}, 60_000);

test("the deployment and the gate take the device id as given: the state keeps no identity URN for it, and the gate waits on the deployment only", async () => {
  const resources = await build();
  const urn = (name: string) => byName(resources, name).urn;
  const deployment = byName(resources, "fleet-gw-iothub-deployment");
  const gate = byName(resources, "fleet-gw-iothub-ready");
  expect([deployment.inputs.deviceId, gate.inputs.deviceId]).toEqual(["line-3-gateway", "line-3-gateway"]);
  expect([deployment.propertyDependencies.deviceId, gate.propertyDependencies.deviceId]).toEqual([[], []]);
  // The deployment still waits on the identity (dependsOn, and its generationId where the engine knows it).
  expect(deployment.dependencies).toContain(urn("fleet-gw-iothub-identity"));
  // The gate comes after the identity through the deployment, and goes before it on destroy.
  expect(gate.dependencies).toEqual([urn("fleet-gw-iothub-deployment")]);
}, 60_000);

test("the hub resources keep their URNs: deployment and gate under the `-iothub` component, the identity by an alias", async () => {
  const resources = await build();
  const component = byName(resources, "fleet-gw-iothub");
  expect([component.type, component.parent]).toEqual(["edge:iotHub:EdgeDeviceHub", byName(resources, "fleet-gw").urn]);
  for (const child of ["fleet-gw-iothub-deployment", "fleet-gw-iothub-ready"]) expect(byName(resources, child).parent).toBe(component.urn);
  // The identity was that component's child: its alias names the URN it had there.
  const identity = byName(resources, "fleet-gw-iothub-identity");
  const before = component.urn.replace(/::fleet-gw-iothub$/, "$pulumi-nodejs:dynamic/iotHub:IotHubDevice::fleet-gw-iothub-identity");
  expect(identity.aliases.map((a) => aliasUrn(identity, a))).toEqual([before]);
}, 60_000);

test("an invalid manifest stops the device before any of its resources is registered", async () => {
  const bad = exampleManifest();
  delete (bad.modulesContent as Record<string, unknown>).$edgeHub;
  const failure: { error?: Error } = {};
  const resources = await build(bad, failure);
  expect(failure.error?.message).toMatch(/^device "line-3-gateway": the deployment manifest is invalid:\n {2}- /);
  expect(resources.filter((r) => r.name !== "fleet-gw" && r.name.startsWith("fleet-gw")).map((r) => r.name)).toEqual([]);
}, 60_000);
