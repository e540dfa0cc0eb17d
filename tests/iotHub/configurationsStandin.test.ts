// The IoT Hub stand-in's configurations API (at-scale IoT Edge deployments), driven through the real
// azure-iothub Registry: what the hub stores and answers, and how it applies deployments to devices.
import type { Configuration, Registry } from "azure-iothub";
import { hubErrorOf } from "../../components/iotHub/hubErrors";
import { type HubAccess, withRegistry } from "../../components/iotHub/hubAccess";
import type { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { startHub } from "./hubFixture";
import { agentOf, exampleManifest } from "./manifestFixture";

let hub: IotHubStandin;
let access: HubAccess;

beforeAll(async () => ({ hub, access } = await startHub("127.0.4.41")));
afterAll(() => hub.stop());

const use = <T>(fn: (registry: Registry) => Promise<T>) => withRegistry(access, fn);

function deployment(id: string, extra: Partial<Configuration> = {}): Configuration {
  return {
    id,
    schemaVersion: "1.0",
    content: { modulesContent: exampleManifest().modulesContent },
    targetCondition: "tags.fleet='f1'",
    priority: 10,
    labels: {},
    metrics: { queries: {} },
    ...extra,
  };
}

/** An edge device with these twin tags, set through PATCH /twins/{id} as a service would. */
async function edgeDevice(deviceId: string, tags: Record<string, string>): Promise<void> {
  await use(async (registry) => {
    await registry.create({
      deviceId,
      status: "enabled",
      capabilities: { iotEdge: true },
      authentication: { type: "certificateAuthority" },
    } as never);
    await registry.updateTwin(deviceId, { tags }, "*");
  });
}

const refusal = async (p: Promise<unknown>) =>
  hubErrorOf(
    await p.then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
const get = (id: string) => use(async (r) => (await r.getConfiguration(id)).responseBody as Record<string, any>);
const agentTwin = (deviceId: string) =>
  hub.model.get(deviceId).modules.get("$edgeAgent")! as { desired: Record<string, any>; configurations?: unknown };

afterEach(async () => {
  for (const id of hub.configurations.ids) await use((r) => r.removeConfiguration(id));
  for (const id of [...hub.model.identities.keys()]) hub.model.delete(id, undefined);
  hub.clearLog();
});

test("addConfiguration creates it (PUT without If-Match); GET answers it as the hub does, with system metrics", async () => {
  await use((r) => r.addConfiguration(deployment("plant-7", { labels: { owner: "ops" } })));
  expect(hub.requests.map((r) => `${r.method} ${r.url} ${r.status} ${String(r.headers["if-match"])}`)).toEqual([
    "PUT /configurations/plant-7?api-version=2021-04-12 200 undefined",
  ]);
  const found = await get("plant-7");
  expect(found).toMatchObject({
    id: "plant-7",
    schemaVersion: "1.0",
    labels: { owner: "ops" },
    targetCondition: "tags.fleet='f1'",
    priority: 10,
    etag: "MQ==",
    content: { modulesContent: exampleManifest().modulesContent },
    systemMetrics: {
      results: { targetedCount: 0, appliedCount: 0, reportedSuccessfulCount: 0, reportedFailedCount: 0 },
      queries: {
        Targeted: "select deviceId from devices where capabilities.iotEdge = true and tags.fleet='f1'",
        Applied: "select deviceId from devices.modules where moduleId = '$edgeAgent' and configurations.[[plant-7]].status = 'Applied'",
      },
    },
    metrics: { results: {}, queries: {} },
  });
  expect(Date.parse(found.createdTimeUtc as string)).toBeGreaterThan(Date.now() - 60_000);
});

test("an id taken is 409; a missing one is 404 in the hub's error body; ids the hub refuses are 400", async () => {
  await use((r) => r.addConfiguration(deployment("taken")));
  expect(await refusal(use((r) => r.addConfiguration(deployment("taken"))))).toMatchObject({ status: 409 });
  for (const missing of [use((r) => r.getConfiguration("nowhere")), use((r) => r.removeConfiguration("nowhere"))]) {
    expect(await refusal(missing)).toEqual({ status: 404, code: "ConfigurationNotFound", message: "Configuration 'nowhere' not found" });
  }
  for (const id of ["Upper", "with space", "a/b", "x".repeat(129)]) {
    expect(await refusal(use((r) => r.addConfiguration(deployment(id))))).toMatchObject({ status: 400 });
  }
  expect(hub.configurations.ids).toEqual(["taken"]);
});

test("update takes If-Match: the current etag or * pass and change target, priority, labels and metrics; a stale etag is 412; content is immutable", async () => {
  await use((r) => r.addConfiguration(deployment("upd")));
  const first = await get("upd");
  await use((r) =>
    r.updateConfiguration({
      ...deployment("upd", {
        priority: 20,
        targetCondition: "tags.fleet='f2'",
        labels: { v: "2" },
        metrics: { queries: { up: "SELECT deviceId FROM devices" } },
      }),
      etag: first.etag,
    }),
  );
  expect(hub.requests.at(-1)!.headers["if-match"]).toBe('"MQ=="');
  const second = await get("upd");
  expect(second).toMatchObject({
    priority: 20,
    targetCondition: "tags.fleet='f2'",
    labels: { v: "2" },
    metrics: { queries: { up: "SELECT deviceId FROM devices" } },
    etag: "Mg==",
  });
  expect(await refusal(use((r) => r.updateConfiguration({ ...deployment("upd"), etag: first.etag })))).toMatchObject({ status: 412 });
  const changed = exampleManifest();
  agentOf(changed).modules.SimulatedTemperatureSensor.settings.image = "example.azurecr.io/other:9";
  expect(
    await refusal(use((r) => r.updateConfiguration(deployment("upd", { content: { modulesContent: changed.modulesContent } }), true))),
  ).toMatchObject({ status: 409 });
  expect((await get("upd")).content).toEqual({ modulesContent: exampleManifest().modulesContent });
  await use((r) => r.updateConfiguration(deployment("upd", { priority: 30 }), true));
  expect(hub.requests.at(-1)!.headers["if-match"]).toBe('"*"');
  expect((await get("upd")).priority).toBe(30);
});

test("target conditions follow the documented constraints: no double quotes, documented value characters only", async () => {
  expect(await refusal(use((r) => r.addConfiguration(deployment("dq", { targetCondition: 'tags.fleet="f1"' }))))).toMatchObject({
    status: 400,
  });
  expect(await refusal(use((r) => r.addConfiguration(deployment("sp", { targetCondition: "tags.fleet='two words'" }))))).toMatchObject({
    status: 400,
  });
  await use((r) => r.addConfiguration(deployment("q", { targetCondition: "tags.owner='o''neil'" })));
  await edgeDevice("quoted", { owner: "o'neil" });
  expect((await get("q")).systemMetrics).toMatchObject({ results: { targetedCount: 1, appliedCount: 1 } });
});

test("the highest-priority deployment whose condition a device's tags match sets its $edgeAgent and $edgeHub; the others show as Targeted", async () => {
  await edgeDevice("d1", { fleet: "f1", stack: "lab" });
  await edgeDevice("d2", { fleet: "f1" });
  await edgeDevice("other", { fleet: "f9" });
  const low = exampleManifest();
  agentOf(low).modules.SimulatedTemperatureSensor.settings.image = "example.azurecr.io/low:1";
  await use((r) => r.addConfiguration(deployment("low", { priority: 1, content: { modulesContent: low.modulesContent } })));
  await use((r) => r.addConfiguration(deployment("high", { priority: 5, targetCondition: "tags.fleet='f1' AND tags.stack='lab'" })));
  expect(agentTwin("d1").configurations).toEqual({ high: { status: "Applied" }, low: { status: "Targeted" } });
  expect(agentTwin("d1").desired.modules.SimulatedTemperatureSensor.settings.image).toBe(
    agentOf(exampleManifest()).modules.SimulatedTemperatureSensor.settings.image,
  );
  expect(agentTwin("d2").configurations).toEqual({ low: { status: "Applied" } });
  expect(agentTwin("d2").desired.modules.SimulatedTemperatureSensor.settings.image).toBe("example.azurecr.io/low:1");
  expect(hub.model.get("d2").modules.get("$edgeHub")!.desired.routes).toEqual(
    exampleManifest().modulesContent.$edgeHub["properties.desired"].routes,
  );
  expect(agentTwin("other").configurations).toBeUndefined();
  // The module twin as the service reads it carries the section too.
  const twin = await use(async (r) => (await r.getModuleTwin("d1", "$edgeAgent")).responseBody as Record<string, any>);
  expect(twin.configurations).toEqual({ high: { status: "Applied" }, low: { status: "Targeted" } });
  expect((await get("low")).systemMetrics.results).toMatchObject({ targetedCount: 2, appliedCount: 1 });
  expect((await get("high")).systemMetrics.results).toMatchObject({ targetedCount: 1, appliedCount: 1 });
});

test("equal priorities: the most recently created deployment wins", async () => {
  await edgeDevice("tie", { fleet: "f1" });
  await use((r) => r.addConfiguration(deployment("older")));
  await use((r) => r.addConfiguration(deployment("newer")));
  expect(agentTwin("tie").configurations).toEqual({ newer: { status: "Applied" }, older: { status: "Targeted" } });
});

test("a device tagged after the deployment exists gets it; untagged, it keeps its modules but leaves the deployment", async () => {
  await use((r) => r.addConfiguration(deployment("late")));
  await edgeDevice("late-1", { fleet: "other" });
  expect(agentTwin("late-1").configurations).toBeUndefined();
  await use((r) => r.updateTwin("late-1", { tags: { fleet: "f1" } }, "*"));
  expect(agentTwin("late-1").configurations).toEqual({ late: { status: "Applied" } });
  const desired = structuredClone(agentTwin("late-1").desired);
  await use((r) => r.updateTwin("late-1", { tags: { fleet: "f2" } }, "*"));
  expect(agentTwin("late-1").configurations).toBeUndefined();
  expect(agentTwin("late-1").desired).toEqual(desired);
});

test("metrics follow what $edgeAgent reports on the applied version: success on 200, failure on any other code", async () => {
  const queries = {
    running: "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND properties.reported.lastDesiredStatus.code = 200",
    // A device that reported nothing has no code: a comparison with an undefined property is not true.
    notOk: "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND properties.reported.lastDesiredStatus.code != 200",
  };
  await use((r) => r.addConfiguration(deployment("m", { metrics: { queries } })));
  for (const d of ["m1", "m2", "m3", "m4"]) await edgeDevice(d, { fleet: "f1" });
  expect((await get("m")).systemMetrics.results).toEqual({
    targetedCount: 4,
    appliedCount: 4,
    reportedSuccessfulCount: 0,
    reportedFailedCount: 0,
  });
  hub.device.reportEdgeAgent("m1");
  hub.device.reportEdgeAgent("m2", { code: 500, description: "image pull failed" });
  // An answer to an older desired version counts neither way.
  hub.device.reportEdgeAgent("m3", { lastDesiredVersion: 1 });
  const found = await get("m");
  expect(found.systemMetrics.results).toEqual({ targetedCount: 4, appliedCount: 4, reportedSuccessfulCount: 1, reportedFailedCount: 1 });
  expect(found.metrics).toEqual({ results: { running: 2, notOk: 1 }, queries });
});

test("deleting a deployment: devices take the next one; with none left they keep their modules", async () => {
  await edgeDevice("del-1", { fleet: "f1" });
  await use((r) => r.addConfiguration(deployment("base", { priority: 1 })));
  const top = exampleManifest();
  agentOf(top).modules.SimulatedTemperatureSensor.settings.image = "example.azurecr.io/top:1";
  await use((r) => r.addConfiguration(deployment("top", { priority: 9, content: { modulesContent: top.modulesContent } })));
  expect(agentTwin("del-1").desired.modules.SimulatedTemperatureSensor.settings.image).toBe("example.azurecr.io/top:1");
  const version = agentTwin("del-1").desired.$version;
  await use((r) => r.removeConfiguration("top"));
  expect(agentTwin("del-1").configurations).toEqual({ base: { status: "Applied" } });
  expect(agentTwin("del-1").desired.$version).toBe(version + 1);
  await use((r) => r.removeConfiguration("base"));
  expect(agentTwin("del-1").configurations).toBeUndefined();
  expect(agentTwin("del-1").desired.modules.SimulatedTemperatureSensor.settings.image).toBe(
    agentOf(exampleManifest()).modules.SimulatedTemperatureSensor.settings.image,
  );
});

test("twin PATCH merges tags (null removes one) and honours If-Match", async () => {
  await edgeDevice("tags-1", { fleet: "f1", stack: "lab" });
  const twin = await use(async (r) => (await r.getTwin("tags-1")).responseBody as Record<string, any>);
  expect(twin.tags).toEqual({ fleet: "f1", stack: "lab" });
  await use((r) => r.updateTwin("tags-1", { tags: { stack: null, site: "s1" } }, twin.etag));
  expect((await use(async (r) => (await r.getTwin("tags-1")).responseBody as Record<string, any>)).tags).toEqual({
    fleet: "f1",
    site: "s1",
  });
  expect(await refusal(use((r) => r.updateTwin("tags-1", { tags: { site: "s2" } }, twin.etag)))).toMatchObject({ status: 412 });
  for (const key of ["a.b", "$x", "with space"]) {
    expect(await refusal(use((r) => r.updateTwin("tags-1", { tags: { [key]: "v" } }, "*")))).toMatchObject({ status: 400 });
  }
});
