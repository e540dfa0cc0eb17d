// EdgeDeploymentProvider against the IoT Hub stand-in, through the real azure-iothub client.
import {
  EdgeDeploymentProvider,
  type EdgeDeploymentInputs,
  type EdgeDeploymentOutputs,
} from "../../components/iotHub/edgeDeployment.provider";
import type { HubAccess } from "../../components/iotHub/hubAccess";
import type { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { FAST_RETRY, startHub, THUMB_C } from "./hubFixture";
import { agentOf, exampleManifest } from "./manifestFixture";

let hub: IotHubStandin;
let access: HubAccess;
const provider = new EdgeDeploymentProvider(FAST_RETRY);
const PASSWORD = "registry-pa55word-" + "x".repeat(12);
const credentials = [{ address: "contoso.azurecr.io", username: "puller", password: PASSWORD }];

beforeAll(async () => ({ hub, access } = await startHub("127.0.4.2")));
afterAll(() => hub.stop());

function edgeDevice(deviceId: string): void {
  hub.model.put(
    deviceId,
    { deviceId, capabilities: { iotEdge: true }, authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: THUMB_C } } },
    undefined,
  );
  hub.clearLog();
}

function inputs(deviceId: string, extra: Partial<EdgeDeploymentInputs> = {}): EdgeDeploymentInputs {
  return { ...access, deviceId, manifest: exampleManifest(), registryCredentials: credentials, ...extra };
}

function agentDesired(deviceId: string): Record<string, any> {
  return hub.model.get(deviceId).modules.get("$edgeAgent")!.desired;
}

test("create validates, adds the registry credentials and applies the manifest; outputs carry the desired version", async () => {
  edgeDevice("dep-1");
  const { id, outs } = await provider.create(inputs("dep-1"));
  expect(id).toBe("dep-1");
  expect(hub.requests.map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([
    "POST /devices/dep-1/applyConfigurationContent?api-version=2021-04-12 204",
    "GET /twins/dep-1/modules/%24edgeAgent?api-version=2021-04-12 200",
  ]);
  expect(agentDesired("dep-1").runtime.settings.registryCredentials).toEqual({
    contoso: { username: "puller", password: PASSWORD, address: "contoso.azurecr.io" },
  });
  expect(agentDesired("dep-1").$version).toBe(2);
  expect(hub.model.get("dep-1").modules.get("SimulatedTemperatureSensor")!.desired).toMatchObject({ SendData: true, SendInterval: 5 });
  expect(outs).toMatchObject({ deviceId: "dep-1", desiredVersion: 2 });
  expect(outs!.contentHash).toMatch(/^[0-9a-f]{64}$/);
  // The inputs hold the manifest; the outputs only its hash (what diff compares).
  expect(Object.keys(outs!).sort()).toEqual(["contentHash", "desiredVersion", "deviceId", "hubHostName", "registryCredentials"]);
  expect(JSON.stringify({ ...outs, registryCredentials: undefined })).not.toContain(PASSWORD);
});

test("a stack made before keeps the manifest in its outputs: it diffs by the hash as before, and its next update drops it", async () => {
  edgeDevice("dep-old");
  const { outs } = await provider.create(inputs("dep-old", { identityGenerationId: "g1" }));
  const olds = { ...outs!, manifest: exampleManifest() } as EdgeDeploymentOutputs;
  const news = (extra: Partial<EdgeDeploymentInputs> = {}) => inputs("dep-old", { identityGenerationId: "g1", ...extra });
  expect(await provider.diff("dep-old", olds, news())).toEqual({ changes: false, replaces: [] });
  expect((await provider.update("dep-old", olds, news())).outs).toEqual(outs);

  const changed = exampleManifest();
  agentOf(changed).modules.SimulatedTemperatureSensor.env = { MessageCount: { value: 7 } };
  expect(await provider.diff("dep-old", olds, news({ manifest: changed }))).toEqual({ changes: true, replaces: [] });
  hub.clearLog();
  const { outs: updated } = await provider.update("dep-old", olds, news({ manifest: changed }));
  expect(hub.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  expect(updated).toEqual({ ...outs, contentHash: expect.not.stringMatching(outs!.contentHash), desiredVersion: 3 });
  expect(updated).not.toHaveProperty("manifest");
});

test("the registry password travels only in the body of the apply request, never in the manifest file content", async () => {
  edgeDevice("dep-secret");
  const file = exampleManifest();
  await provider.create(inputs("dep-secret", { manifest: file }));
  expect(JSON.stringify(file)).not.toContain(PASSWORD);
  const carrying = hub.requests.filter((r) => JSON.stringify(r).includes(PASSWORD));
  expect(carrying.map((r) => r.url)).toEqual(["/devices/dep-secret/applyConfigurationContent?api-version=2021-04-12"]);
  for (const r of hub.requests) {
    expect(r.url + JSON.stringify(r.headers)).not.toContain(PASSWORD);
    expect(JSON.stringify(r)).not.toContain(hub.sharedAccessKeyValue);
  }
});

test("an invalid manifest is refused with its errors and nothing is sent", async () => {
  edgeDevice("dep-bad");
  const bad = exampleManifest();
  agentOf(bad).modules.SimulatedTemperatureSensor.restartPolicy = "sometimes";
  delete bad.modulesContent.$edgeHub;
  const error = (await provider.create(inputs("dep-bad", { manifest: bad })).catch((e: Error) => e)) as Error;
  expect(error.message).toBe(
    "The deployment manifest of device 'dep-bad' is invalid; nothing was sent:\n" +
      '  - modulesContent.$edgeHub["properties.desired"] is missing: every deployment needs the $edgeHub section\n' +
      '  - modulesContent.$edgeAgent["properties.desired"].modules.SimulatedTemperatureSensor.restartPolicy must be "never" or "on-failure" or "on-unhealthy" or "always", not "sometimes"',
  );
  expect(hub.requests).toEqual([]);
  const checked = await provider.check(inputs("dep-bad"), inputs("dep-bad", { manifest: bad }));
  expect(checked.failures?.map((f) => f.property)).toEqual(["manifest", "manifest"]);
});

test("an unchanged manifest is never sent again; a changed one is, with a new desired version", async () => {
  edgeDevice("dep-2");
  const { outs } = await provider.create(inputs("dep-2"));
  hub.clearLog();
  const reordered = { modulesContent: Object.fromEntries(Object.entries(exampleManifest().modulesContent).reverse()) };
  expect(await provider.diff("dep-2", outs!, inputs("dep-2", { manifest: reordered }))).toEqual({ changes: false, replaces: [] });
  const same = await provider.update("dep-2", outs!, inputs("dep-2"));
  expect(same.outs).toEqual(outs);
  expect(hub.requests).toEqual([]);

  const changed = exampleManifest();
  agentOf(changed).modules.SimulatedTemperatureSensor.env = { MessageCount: { value: 100 } };
  expect(await provider.diff("dep-2", outs!, inputs("dep-2", { manifest: changed }))).toEqual({ changes: true, replaces: [] });
  const { outs: updated } = await provider.update("dep-2", outs!, inputs("dep-2", { manifest: changed }));
  expect(updated!.desiredVersion).toBe(3);
  expect(agentDesired("dep-2").modules.SimulatedTemperatureSensor.env).toEqual({ MessageCount: { value: 100 } });
  expect(hub.requests.filter((r) => r.method === "POST").length).toBe(1);
});

test("a rotated registry password or a re-created identity re-sends; another device replaces", async () => {
  edgeDevice("dep-3");
  const { outs } = await provider.create(inputs("dep-3", { identityGenerationId: "g1" }));
  const d = (extra: Partial<EdgeDeploymentInputs>) =>
    provider.diff("dep-3", outs as EdgeDeploymentOutputs, inputs("dep-3", { identityGenerationId: "g1", ...extra }));
  expect(await d({})).toEqual({ changes: false, replaces: [] });
  expect(await d({ registryCredentials: [{ ...credentials[0], password: "rotated" }] })).toEqual({ changes: true, replaces: [] });
  expect(await d({ identityGenerationId: "g2" })).toEqual({ changes: true, replaces: [] });
  expect(await d({ deviceId: "dep-4" })).toEqual({ changes: true, replaces: ["deviceId"] });
});

test("long createOptions reach the hub split into 512-character parts", async () => {
  edgeDevice("dep-5");
  const m = exampleManifest();
  const options = { HostConfig: { Binds: Array.from({ length: 40 }, (_, i) => `/data/volume-${i}:/mnt/volume-${i}`) } };
  agentOf(m).modules.SimulatedTemperatureSensor.settings.createOptions = JSON.stringify(options);
  await provider.create(inputs("dep-5", { manifest: m }));
  const settings = agentDesired("dep-5").modules.SimulatedTemperatureSensor.settings;
  const parts = Object.keys(settings).filter((k) => k.startsWith("createOptions"));
  expect(parts).toEqual(["createOptions", "createOptions01", "createOptions02"]);
  expect(parts.every((k) => settings[k].length <= 512)).toBe(true);
  expect(JSON.parse(parts.map((k) => settings[k]).join(""))).toEqual(options);
});

test("throttling while applying is survived", async () => {
  edgeDevice("dep-6");
  hub.failNext(429, 503, 429);
  const { outs } = await provider.create(inputs("dep-6"));
  expect(outs!.desiredVersion).toBe(2);
  expect(hub.requests.map((r) => r.status)).toEqual([429, 503, 429, 204, 200]);
});

test("applying to a device the hub does not know fails with the hub's code", async () => {
  await expect(provider.create(inputs("nobody"))).rejects.toThrow(
    "IoT Hub refused the deployment of device 'nobody' on 127.0.4.2: 404 DeviceNotFound: Device nobody not registered",
  );
});
