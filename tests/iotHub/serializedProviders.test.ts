// The providers as the engine runs them: serialized the way pulumi.dynamic.Resource does it, loaded
// from that text alone (as the dynamic-provider host loads `__provider`), then driven against the
// stand-in. Catches a provider that captured a client instance or leaned on module state.
import * as pulumi from "@pulumi/pulumi";
import { EdgeDeploymentProvider } from "../../components/iotHub/edgeDeploymentProvider";
import { EdgeReadinessProvider } from "../../components/iotHub/edgeReadinessProvider";
import type { HubAccess } from "../../components/iotHub/hubAccess";
import { IotHubDeviceProvider } from "../../components/iotHub/iotHubDeviceProvider";
import type { IotHubStandin } from "../standins/iotHubStandin";
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
  const identity = await roundTrip(new IotHubDeviceProvider(FAST_RETRY));
  const deployment = await roundTrip(new EdgeDeploymentProvider(FAST_RETRY));
  const gate = await roundTrip(new EdgeReadinessProvider(FAST_RETRY));
  // The text is stored twice per resource (inputs and outputs) and the file backend rewrites the
  // whole checkpoint after every step: a provider that starts capturing more must be noticed.
  // Measured 2026-11: identity 25.9 KB, deployment 34.1 KB, gate 19.5 KB.
  const bounds: Array<[{ text: string }, number]> = [[identity, 29_000], [deployment, 38_000], [gate, 22_000]];
  for (const [{ text }, bound] of bounds) expect(text.length).toBeLessThan(bound);
  for (const { text } of [identity, deployment, gate]) {
    expect(text).not.toContain(hub.sharedAccessKeyValue);
    expect(text).not.toMatch(/require\("zod"\)|require\("@pulumi\/pulumi"\)/);
  }
  hub.failNext(429);
  const created = await identity.loaded.create({ ...access, deviceId: "ser-1", authType: "selfSigned", primaryThumbprint: THUMB_A, status: "enabled", adoptExisting: false });
  const deployed = await deployment.loaded.create({ ...access, deviceId: "ser-1", manifest: exampleManifest() });
  const ready = await gate.loaded.create({ ...access, deviceId: "ser-1", desiredVersion: deployed.outs!.desiredVersion, timeoutSeconds: 5, pollIntervalSeconds: 0.05 });
  expect(ready.outs).toMatchObject({ agentStatusCode: 200, modules: { SimulatedTemperatureSensor: "running" } });
  await identity.loaded.delete("ser-1", created.outs!);
  expect(hub.model.identities.has("ser-1")).toBe(false);
  expect(hub.countOf(429)).toBe(1);
}, 60_000);
