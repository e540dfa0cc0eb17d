// AtScaleDeploymentProvider against the IoT Hub stand-in, through the real azure-iothub client.
import {
  AtScaleDeploymentProvider,
  type AtScaleDeploymentInputs,
  type AtScaleDeploymentOutputs,
} from "../../components/iotHub/atScaleDeployment.provider";
import type { HubAccess } from "../../components/iotHub/hubAccess";
import type { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { FAST_RETRY, startHub } from "./hubFixture";
import { agentOf, exampleManifest } from "./manifestFixture";

let hub: IotHubStandin;
let access: HubAccess;
const provider = new AtScaleDeploymentProvider(FAST_RETRY);
const PASSWORD = "registry-pa55word-" + "y".repeat(12);
const credentials = [{ address: "contoso.azurecr.io", username: "puller", password: PASSWORD }];

beforeAll(async () => ({ hub, access } = await startHub("127.0.4.42")));
afterAll(() => hub.stop());
afterEach(() => {
  for (const id of hub.configurations.ids) hub.configurations.delete(id, undefined);
  for (const id of [...hub.model.identities.keys()]) hub.model.delete(id, undefined);
  hub.clearLog();
});

function inputs(deploymentId: string, extra: Partial<AtScaleDeploymentInputs> = {}): AtScaleDeploymentInputs {
  return {
    ...access,
    deploymentId,
    content: exampleManifest(),
    registryCredentials: credentials,
    targetCondition: "tags.fleet='plant-7' AND tags.stack='lab'",
    priority: 10,
    labels: { stack: "lab" },
    metrics: {},
    ...extra,
  };
}

function edgeDevice(deviceId: string, tags: Record<string, string>): void {
  hub.model.put(deviceId, { deviceId, capabilities: { iotEdge: true }, authentication: { type: "certificateAuthority" } }, undefined);
  hub.model.setTags(deviceId, tags);
}

const agentDesired = (deviceId: string): Record<string, any> => hub.model.get(deviceId).modules.get("$edgeAgent")!.desired;
const changedImage = () => {
  const m = exampleManifest();
  agentOf(m).modules.SimulatedTemperatureSensor.settings.image = "contoso.azurecr.io/sensor:2";
  return m;
};

test("create sends one configuration built field by field; the hub applies it to the tagged devices; outputs hold no password", async () => {
  edgeDevice("d1", { fleet: "plant-7", stack: "lab" });
  const { id, outs } = await provider.create(inputs("plant-7"));
  expect(id).toBe("plant-7");
  expect(hub.requests.map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual(["PUT /configurations/plant-7?api-version=2021-04-12 200"]);
  const sent = JSON.parse(hub.requests[0].body);
  expect(Object.keys(sent).sort()).toEqual(["content", "id", "labels", "metrics", "priority", "schemaVersion", "targetCondition"]);
  expect(sent.content.modulesContent.$edgeAgent["properties.desired"].runtime.settings.registryCredentials).toEqual({
    contoso: { username: "puller", password: PASSWORD, address: "contoso.azurecr.io" },
  });
  expect(hub.model.get("d1").modules.get("$edgeAgent")!.configurations).toEqual({ "plant-7": { status: "Applied" } });
  expect(agentDesired("d1").runtime.settings.registryCredentials.contoso.password).toBe(PASSWORD);
  expect(outs).toMatchObject({
    deploymentId: "plant-7",
    etag: "MQ==",
    priority: 10,
    targetCondition: "tags.fleet='plant-7' AND tags.stack='lab'",
  });
  expect(outs!.contentHash).toMatch(/^[0-9a-f]{64}$/);
  expect(JSON.stringify({ ...outs, registryCredentials: undefined })).not.toContain(PASSWORD);
  expect(JSON.stringify(outs)).not.toContain("__provider");
});

test("check refuses bad settings and a bad manifest, naming each field; create refuses them before sending anything", async () => {
  const bad = inputs("Plant 7", { priority: -1, targetCondition: "" });
  delete (bad.content as any).modulesContent.$edgeHub;
  const checked = await provider.check(bad, bad);
  expect(checked.failures!.map((f) => f.property)).toEqual(["deploymentId", "targetCondition", "priority", "content"]);
  await expect(provider.create(bad)).rejects.toThrow(
    "IoT Edge deployment 'Plant 7' on 127.0.4.42 is invalid; nothing was sent:\n  - deploymentId 'Plant 7' must be lower case",
  );
  expect(hub.requests).toEqual([]);
});

test("diff: content and credentials replace (the old one deleted first, same id); target, priority, labels and metrics update in place", async () => {
  const { outs } = await provider.create(inputs("plant-7"));
  const olds = outs as AtScaleDeploymentOutputs;
  expect(await provider.diff("plant-7", olds, inputs("plant-7"))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  expect(await provider.diff("plant-7", olds, inputs("plant-7", { content: changedImage() }))).toEqual({
    changes: true,
    replaces: ["content"],
    deleteBeforeReplace: true,
  });
  expect(
    await provider.diff(
      "plant-7",
      olds,
      inputs("plant-7", { registryCredentials: [{ ...credentials[0], password: "rotated-" + "z".repeat(20) }] }),
    ),
  ).toEqual({
    changes: true,
    replaces: ["registryCredentials"],
    deleteBeforeReplace: true,
  });
  expect(await provider.diff("plant-7", olds, inputs("plant-8"))).toEqual({
    changes: true,
    replaces: ["deploymentId"],
    deleteBeforeReplace: false,
  });
  for (const extra of [
    { targetCondition: "tags.fleet='plant-8'" },
    { priority: 11 },
    { labels: { stack: "prod" } },
    { metrics: { ok: "SELECT deviceId FROM devices" } },
  ]) {
    expect(await provider.diff("plant-7", olds, inputs("plant-7", extra))).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  }
  // Key order in the manifest file is no change.
  const file = exampleManifest();
  const reordered = { modulesContent: Object.fromEntries(Object.entries(file.modulesContent).reverse()) };
  expect((await provider.diff("plant-7", olds, inputs("plant-7", { content: reordered }))).changes).toBe(false);
});

test("update sends the stored etag and changes the target in place: devices move, the etag output changes", async () => {
  edgeDevice("a1", { fleet: "plant-7", stack: "lab" });
  edgeDevice("b1", { fleet: "plant-8", stack: "lab" });
  const { outs } = await provider.create(inputs("plant-7"));
  hub.clearLog();
  const { outs: updated } = await provider.update(
    "plant-7",
    outs as AtScaleDeploymentOutputs,
    inputs("plant-7", { targetCondition: "tags.stack='lab'", priority: 20 }),
  );
  expect(hub.requests.map((r) => `${r.method} ${r.url} ${r.status} ${String(r.headers["if-match"])}`)).toEqual([
    'PUT /configurations/plant-7?api-version=2021-04-12 200 "MQ=="',
  ]);
  expect(updated).toMatchObject({ etag: "Mg==", priority: 20, targetCondition: "tags.stack='lab'" });
  expect(hub.model.get("b1").modules.get("$edgeAgent")!.configurations).toEqual({ "plant-7": { status: "Applied" } });
  // Only the access changed: nothing is sent.
  hub.clearLog();
  await provider.update(
    "plant-7",
    updated as AtScaleDeploymentOutputs,
    inputs("plant-7", { targetCondition: "tags.stack='lab'", priority: 20, trustedCaPem: `${access.trustedCaPem}\n` }),
  );
  expect(hub.requests).toEqual([]);
});

test("update of a deployment changed outside the stack is refused (412) with what to do; one deleted outside is put back", async () => {
  const { outs } = await provider.create(inputs("plant-7"));
  hub.configurations.put("plant-7", { ...JSON.parse(JSON.stringify(hub.configurations.get("plant-7"))), priority: 99 }, "*");
  await expect(provider.update("plant-7", outs as AtScaleDeploymentOutputs, inputs("plant-7", { priority: 11 }))).rejects.toThrow(
    "IoT Edge deployment 'plant-7' on 127.0.4.42 was changed outside this stack since it was last read (412: etag mismatch); nothing was sent. Run `pulumi refresh` to take in the hub's version, then `pulumi up` again.",
  );
  hub.configurations.delete("plant-7", undefined);
  const { outs: back } = await provider.update("plant-7", outs as AtScaleDeploymentOutputs, inputs("plant-7", { priority: 11 }));
  expect(hub.configurations.get("plant-7")).toMatchObject({ priority: 11 });
  expect(back).toMatchObject({ etag: "MQ==" });
});

test("a content change is a replacement: delete, then create with the new content, which the devices get", async () => {
  edgeDevice("r1", { fleet: "plant-7", stack: "lab" });
  const { outs } = await provider.create(inputs("plant-7"));
  const diff = await provider.diff("plant-7", outs as AtScaleDeploymentOutputs, inputs("plant-7", { content: changedImage() }));
  expect(diff.deleteBeforeReplace).toBe(true);
  await provider.delete("plant-7", outs as AtScaleDeploymentOutputs);
  await provider.create(inputs("plant-7", { content: changedImage() }));
  expect(agentDesired("r1").modules.SimulatedTemperatureSensor.settings.image).toBe("contoso.azurecr.io/sensor:2");
});

test("delete tolerates a deployment already gone", async () => {
  const { outs } = await provider.create(inputs("plant-7"));
  await provider.delete("plant-7", outs as AtScaleDeploymentOutputs);
  await provider.delete("plant-7", outs as AtScaleDeploymentOutputs);
  expect(hub.requests.filter((r) => r.method === "DELETE").map((r) => r.status)).toEqual([204, 404]);
  expect(hub.configurations.ids).toEqual([]);
});

test("delete fails on a refusal other than 404, naming the deployment, and the deployment stays", async () => {
  const { outs } = await provider.create(inputs("plant-7"));
  const wrongKey = access.connectionString!.replace(/SharedAccessKey=.*/, `SharedAccessKey=${Buffer.alloc(32, 7).toString("base64")}`);
  await expect(provider.delete("plant-7", { ...(outs as AtScaleDeploymentOutputs), connectionString: wrongKey })).rejects.toThrow(
    /^IoT Hub refused deleting IoT Edge deployment 'plant-7' on 127\.0\.4\.42: 401 IotHubUnauthorizedAccess: Unauthorized: the token signature does not match$/,
  );
  expect(hub.configurations.ids).toEqual(["plant-7"]);
});

test("throttling and server errors are retried; when they last, the error names the deployment and the hub", async () => {
  hub.failNext(429, 503);
  await provider.create(inputs("plant-7"));
  expect(hub.requests.map((r) => r.status)).toEqual([429, 503, 200]);
  hub.failNext(...Array(FAST_RETRY.maxAttempts).fill(429));
  await expect(provider.delete("plant-7", { ...inputs("plant-7"), contentHash: "", etag: "", createdTimeUtc: "" })).rejects.toThrow(
    `IoT Hub refused deleting IoT Edge deployment 'plant-7' on 127.0.4.42: 429 ThrottlingException: Throttling: the request rate exceeds the hub's limit (gave up after ${FAST_RETRY.maxAttempts} attempts)`,
  );
});

test("an id someone else holds is refused with what to do; after a lost answer, the stored deployment is taken as ours", async () => {
  hub.configurations.put(
    "taken",
    { id: "taken", content: { modulesContent: exampleManifest().modulesContent }, targetCondition: "tags.x='y'", priority: 1 },
    undefined,
  );
  await expect(provider.create(inputs("taken"))).rejects.toThrow(
    "IoT Hub 127.0.4.42 already has a deployment 'taken' (409), and this stack did not create it. Delete it first (az iot edge deployment delete --hub-name <hub> --deployment-id 'taken') or choose another deployment id.",
  );
  hub.loseNextAnswers(503);
  const { outs } = await provider.create(inputs("plant-7"));
  expect(hub.requests.filter((r) => r.url.startsWith("/configurations/plant-7")).map((r) => `${r.method} ${r.status}`)).toEqual([
    "PUT 503",
    "PUT 409",
    "GET 200",
  ]);
  expect(outs).toMatchObject({ etag: "MQ==" });
});

test("read: the hub's target, priority, labels and metrics; drifted content empties contentHash; gone is removed from the state; another refusal fails", async () => {
  const { outs } = await provider.create(inputs("plant-7"));
  const olds = outs as AtScaleDeploymentOutputs;
  hub.configurations.put(
    "plant-7",
    { ...JSON.parse(JSON.stringify(hub.configurations.get("plant-7"))), priority: 3, targetCondition: "tags.fleet='x'" },
    "*",
  );
  const read = await provider.read("plant-7", olds);
  expect(read).toMatchObject({
    id: "plant-7",
    props: { priority: 3, targetCondition: "tags.fleet='x'", contentHash: olds.contentHash, etag: "Mg==" },
  });
  expect((await provider.diff("plant-7", read.props as AtScaleDeploymentOutputs, inputs("plant-7"))).changes).toBe(true);
  // Replaced outside with other content under the same id.
  hub.configurations.delete("plant-7", undefined);
  hub.configurations.put(
    "plant-7",
    { id: "plant-7", content: { modulesContent: changedImage().modulesContent }, targetCondition: olds.targetCondition, priority: 10 },
    undefined,
  );
  const drifted = await provider.read("plant-7", olds);
  expect((drifted.props as AtScaleDeploymentOutputs).contentHash).toBe("");
  expect((await provider.diff("plant-7", drifted.props as AtScaleDeploymentOutputs, inputs("plant-7"))).replaces).toEqual(["content"]);
  hub.configurations.delete("plant-7", undefined);
  expect(await provider.read("plant-7", olds)).toEqual({});
  // Any other refusal is no answer about the deployment: it fails.
  const wrongKey = access.connectionString!.replace(/SharedAccessKey=.*/, `SharedAccessKey=${Buffer.alloc(32, 7).toString("base64")}`);
  await expect(provider.read("plant-7", { ...olds, connectionString: wrongKey })).rejects.toThrow(
    /^IoT Hub refused reading IoT Edge deployment 'plant-7' on 127\.0\.4\.42: 401 IotHubUnauthorizedAccess/,
  );
});
