// The providers as the engine runs them: delegating providers over the provider package
// (components/dynamicProviders), serialized the way pulumi.dynamic.Resource does it, loaded from that
// text alone (as the dynamic-provider host loads `__provider`, requiring the package by name), then
// driven against the stand-in.
// Catches a provider that captured a client instance, leaned on module state, or carries its code.
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../../components/dynamicProviders/delegatingProvider";
import { PROVIDER_PACKAGE, providerModule } from "../../components/dynamicProviders/providerPackage";
import type { HubAccess } from "../../components/iotHub/hubAccess";
import type { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { expectPackagedProvider } from "../support/packagedProviders";
import { FAST_RETRY, startHub, THUMB_A } from "./hubFixture";
import { exampleManifest } from "./manifestFixture";

let hub: IotHubStandin;
let access: HubAccess;
beforeAll(async () => ({ hub, access } = await startHub("127.0.4.6", { simulateDevicesAfterMs: 50 })));
afterAll(() => hub.stop());

/** Serializes like dynamic.Resource and loads like the provider host (requireFromString(text).handler()). */
async function roundTrip<T extends object>(provider: T): Promise<{ text: string; loaded: T }> {
  const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  const module = { exports: {} as { handler: () => T } };
  new Function("module", "exports", "require", text)(module, module.exports, require);
  return { text, loaded: module.exports.handler() };
}

test("serialized providers create an identity, deploy and pass the gate, and delete", async () => {
  const identity = await roundTrip(
    delegatingProvider(
      providerModule<typeof import("../../components/iotHub/iotHubDevice.provider")>("components/iotHub/iotHubDeviceProvider"),
      "IotHubDeviceProvider",
      FAST_RETRY,
    ),
  );
  const deployment = await roundTrip(
    delegatingProvider(
      providerModule<typeof import("../../components/iotHub/edgeDeployment.provider")>("components/iotHub/edgeDeploymentProvider"),
      "EdgeDeploymentProvider",
      FAST_RETRY,
    ),
  );
  const gate = await roundTrip(
    delegatingProvider(
      providerModule<typeof import("../../components/iotHub/edgeReadiness.provider")>("components/iotHub/edgeReadinessProvider"),
      "EdgeReadinessProvider",
      FAST_RETRY,
    ),
  );
  // The text is stored twice per resource (inputs and outputs) and a self-managed backend rewrites
  // the whole state twice per step.
  for (const [{ text }, entry] of [
    [identity, "iotHubDeviceProvider"],
    [deployment, "edgeDeploymentProvider"],
    [gate, "edgeReadinessProvider"],
  ] as const) {
    expectPackagedProvider(text);
    expect(text).toContain(`"${PROVIDER_PACKAGE}/components/iotHub/${entry}.js"`);
    expect(text).not.toContain(hub.sharedAccessKeyValue);
    expect(text).not.toMatch(/require\("zod"\)|require\("@pulumi\/pulumi"\)/);
  }
  hub.failNext(429);
  const created = await identity.loaded.create({
    ...access,
    deviceId: "ser-1",
    authType: "selfSigned",
    primaryThumbprint: THUMB_A,
    status: "enabled",
    adoptExisting: false,
  });
  const deployed = await deployment.loaded.create({ ...access, deviceId: "ser-1", manifest: exampleManifest() });
  const ready = await gate.loaded.create({
    ...access,
    deviceId: "ser-1",
    desiredVersion: deployed.outs!.desiredVersion,
    timeoutSeconds: 5,
    pollIntervalSeconds: 0.05,
  });
  expect(ready.outs).toMatchObject({ agentStatusCode: 200, modules: { SimulatedTemperatureSensor: "running" } });
  await identity.loaded.delete!("ser-1", created.outs!);
  expect(hub.model.identities.has("ser-1")).toBe(false);
  expect(hub.countOf(429)).toBe(1);
}, 60_000);

test("serialized at-scale providers: one deployment reaches the tagged devices, the gate passes on the hub's counts, and delete", async () => {
  const deployment = await roundTrip(
    delegatingProvider(
      providerModule<typeof import("../../components/iotHub/atScaleDeployment.provider")>("components/iotHub/atScaleDeployment.provider"),
      "AtScaleDeploymentProvider",
      FAST_RETRY,
    ),
  );
  const gate = await roundTrip(
    delegatingProvider(
      providerModule<typeof import("../../components/iotHub/atScaleDeploymentGate.provider")>(
        "components/iotHub/atScaleDeploymentGate.provider",
      ),
      "AtScaleDeploymentGateProvider",
      FAST_RETRY,
    ),
  );
  for (const [{ text }, entry] of [
    [deployment, "atScaleDeployment.provider"],
    [gate, "atScaleDeploymentGate.provider"],
  ] as const) {
    expectPackagedProvider(text);
    expect(text).toContain(`"${PROVIDER_PACKAGE}/components/iotHub/${entry}.js"`);
    expect(text).not.toContain(hub.sharedAccessKeyValue);
  }
  // Two devices registered with the fleet's tags, as DPS does from an enrollment group's initial twin.
  for (const deviceId of ["scale-1", "scale-2"]) {
    hub.model.put(deviceId, { deviceId, capabilities: { iotEdge: true }, authentication: { type: "certificateAuthority" } }, undefined);
    hub.model.setTags(deviceId, { fleet: "plant-7", stack: "lab" });
  }
  const created = await deployment.loaded.create({
    ...access,
    deploymentId: "plant-7",
    content: exampleManifest(),
    targetCondition: "tags.fleet='plant-7' AND tags.stack='lab'",
    priority: 10,
  });
  // The stand-in plays each device healthy once the hub applied the deployment to it.
  const passed = await gate.loaded.create({
    ...access,
    deploymentId: "plant-7",
    deploymentEtag: created.outs!.etag,
    deploymentContentHash: created.outs!.contentHash,
    expectedDeviceCount: 2,
    timeoutSeconds: 5,
    pollIntervalSeconds: 0.05,
  });
  expect(passed.outs!.metrics).toEqual({ targetedCount: 2, appliedCount: 2, reportedSuccessfulCount: 2, reportedFailedCount: 0 });
  await deployment.loaded.delete!("plant-7", created.outs!);
  expect(hub.configurations.ids).toEqual([]);
}, 60_000);
