// The hub providers as the engine runs them: each resource type's `__provider` text, as its resource
// registers it, loaded from that text alone as the dynamic-provider host loads it (require-from-string
// in the project folder, requiring the provider package by name), then driven against the stand-in.
// Catches a provider that leaned on module state of the program, or a package build that fails
// outside jest.
import type * as pulumi from "@pulumi/pulumi";
import type { HubAccess } from "../../components/iotHub/hubAccess";
import type { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { loadAsHost, registeredProviderTexts } from "../dynamicProviders/support/dynamicResources";
import { expectPackagedProvider } from "../support/packagedProviders";
import { startHub, THUMB_A } from "./hubFixture";
import { exampleManifest } from "./manifestFixture";

let hub: IotHubStandin;
let access: HubAccess;
let texts: Map<string, string>;
beforeAll(async () => {
  ({ hub, access } = await startHub("127.0.4.6", { simulateDevicesAfterMs: 50 }));
  texts = await registeredProviderTexts();
});
afterAll(() => hub.stop());

type Provider = Required<Pick<pulumi.dynamic.ResourceProvider, "create" | "delete">>;

/** The provider of a resource type, made from its text as the host makes it. */
function hostProvider<T>(type: string): T {
  const text = texts.get(`pulumi-nodejs:dynamic/iotHub:${type}`)!;
  expectPackagedProvider(text);
  return loadAsHost(text) as T;
}

test("the packaged providers create an identity, deploy and pass the gate, and delete", async () => {
  const identity = hostProvider<Provider>("IotHubDevice");
  const deployment = hostProvider<Provider>("EdgeDeployment");
  const gate = hostProvider<Provider>("EdgeReadiness");
  // Retried with the providers' own policy, as the engine runs them.
  hub.failNext(429);
  const created = await identity.create({
    ...access,
    deviceId: "ser-1",
    authType: "selfSigned",
    primaryThumbprint: THUMB_A,
    status: "enabled",
    adoptExisting: false,
  });
  const deployed = await deployment.create({ ...access, deviceId: "ser-1", manifest: exampleManifest() });
  const ready = await gate.create({
    ...access,
    deviceId: "ser-1",
    desiredVersion: deployed.outs!.desiredVersion,
    timeoutSeconds: 5,
    pollIntervalSeconds: 0.05,
  });
  expect(ready.outs).toMatchObject({ agentStatusCode: 200, modules: { SimulatedTemperatureSensor: "running" } });
  await identity.delete("ser-1", created.outs!);
  expect(hub.model.identities.has("ser-1")).toBe(false);
  expect(hub.countOf(429)).toBe(1);
}, 60_000);

test("the packaged at-scale providers: one deployment reaches the tagged devices, the gate passes on the hub's counts, and delete", async () => {
  const deployment = hostProvider<Provider>("AtScaleDeployment");
  const gate = hostProvider<Provider>("AtScaleDeploymentGate");
  // Two devices registered with the fleet's tags, as DPS does from an enrollment group's initial twin.
  for (const deviceId of ["scale-1", "scale-2"]) {
    hub.model.put(deviceId, { deviceId, capabilities: { iotEdge: true }, authentication: { type: "certificateAuthority" } }, undefined);
    hub.model.setTags(deviceId, { fleet: "plant-7", stack: "lab" });
  }
  const created = await deployment.create({
    ...access,
    deploymentId: "plant-7",
    content: exampleManifest(),
    targetCondition: "tags.fleet='plant-7' AND tags.stack='lab'",
    priority: 10,
  });
  // The stand-in plays each device healthy once the hub applied the deployment to it.
  const passed = await gate.create({
    ...access,
    deploymentId: "plant-7",
    deploymentEtag: created.outs!.etag,
    deploymentContentHash: created.outs!.contentHash,
    expectedDeviceCount: 2,
    timeoutSeconds: 5,
    pollIntervalSeconds: 0.05,
  });
  expect(passed.outs!.metrics).toEqual({ targetedCount: 2, appliedCount: 2, reportedSuccessfulCount: 2, reportedFailedCount: 0 });
  await deployment.delete("plant-7", created.outs!);
  expect(hub.configurations.ids).toEqual([]);
}, 60_000);
