// AtScaleDeploymentGateProvider against the IoT Hub stand-in: it waits on the hub's own counts.
import { AtScaleDeploymentGateProvider, type AtScaleDeploymentGateInputs } from "../../components/iotHub/atScaleDeploymentGate.provider";
import type { HubAccess } from "../../components/iotHub/hubAccess";
import type { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { FAST_RETRY, startHub } from "./hubFixture";
import { exampleManifest } from "./manifestFixture";

let hub: IotHubStandin;
let access: HubAccess;
const progress: string[] = [];
/** Runs after each look at the hub: the device side moves on between looks. */
let afterLook: (() => void) | undefined;
const provider = new AtScaleDeploymentGateProvider(FAST_RETRY, (line) => {
  progress.push(line);
  afterLook?.();
});

beforeAll(async () => ({ hub, access } = await startHub("127.0.4.43")));
afterAll(() => hub.stop());
beforeEach(() => {
  progress.length = 0;
  afterLook = undefined;
  for (const id of hub.configurations.ids) hub.configurations.delete(id, undefined);
  for (const id of [...hub.model.identities.keys()]) hub.model.delete(id, undefined);
  hub.configurations.put(
    "fleet",
    { id: "fleet", content: { modulesContent: exampleManifest().modulesContent }, targetCondition: "tags.fleet='f1'", priority: 1 },
    undefined,
  );
});

function edgeDevice(deviceId: string): void {
  hub.model.put(deviceId, { deviceId, capabilities: { iotEdge: true }, authentication: { type: "certificateAuthority" } }, undefined);
  hub.model.setTags(deviceId, { fleet: "f1" });
}

function inputs(extra: Partial<AtScaleDeploymentGateInputs> = {}): AtScaleDeploymentGateInputs {
  return {
    ...access,
    deploymentId: "fleet",
    deploymentEtag: "MQ==",
    deploymentContentHash: "content-1",
    expectedDeviceCount: 2,
    timeoutSeconds: 5,
    pollIntervalSeconds: 0.05,
    failureGraceSeconds: 0.3,
    ...extra,
  };
}

test("passes once the hub counts the expected devices as applied and reporting success; outputs the counts", async () => {
  edgeDevice("g1");
  edgeDevice("g2");
  hub.device.reportEdgeAgent("g1");
  afterLook = () => progress.length === 2 && hub.device.reportEdgeAgent("g2");
  const { id, outs } = await provider.create(inputs());
  expect(id).toBe("fleet");
  expect(outs!.metrics).toEqual({ targetedCount: 2, appliedCount: 2, reportedSuccessfulCount: 2, reportedFailedCount: 0 });
  expect(progress.map((line) => line.replace(/ after \d+ s$/, ""))).toEqual([
    "IoT Edge deployment 'fleet' on 127.0.4.43: targeted 2, applied 2, reporting success 1, reporting failure 0",
    "IoT Edge deployment 'fleet' on 127.0.4.43: targeted 2, applied 2, reporting success 1, reporting failure 0",
    "IoT Edge deployment 'fleet' on 127.0.4.43: targeted 2, applied 2, reporting success 2, reporting failure 0",
  ]);
});

test("a device that keeps reporting failure fails the gate after the grace period, with the counts", async () => {
  edgeDevice("g1");
  edgeDevice("g2");
  hub.device.reportEdgeAgent("g1");
  hub.device.reportEdgeAgent("g2", { code: 500, description: "pull failed" });
  await expect(provider.create(inputs())).rejects.toThrow(
    /^IoT Edge deployment 'fleet' on 127\.0\.4\.43 failed: 1 device\(s\) report failure \(targeted 2, applied 2, reporting success 1, reporting failure 1\), for 0 s\. /,
  );
});

test("a failure that clears within the grace period does not fail the gate (an image still pulling reports 500)", async () => {
  edgeDevice("g1");
  edgeDevice("g2");
  hub.device.reportEdgeAgent("g1");
  hub.device.reportEdgeAgent("g2", { code: 500, description: "pulling" });
  afterLook = () => progress.length === 2 && hub.device.reportEdgeAgent("g2");
  await expect(provider.create(inputs({ failureGraceSeconds: 2 }))).resolves.toMatchObject({
    outs: { metrics: { reportedSuccessfulCount: 2 } },
  });
});

test("times out with the figures when too few devices are there", async () => {
  edgeDevice("g1");
  hub.device.reportEdgeAgent("g1");
  await expect(provider.create(inputs({ timeoutSeconds: 0.3 }))).rejects.toThrow(
    "IoT Edge deployment 'fleet' on 127.0.4.43 did not reach 2 device(s) within 0.3 s: targeted 1, applied 1, reporting success 1, reporting failure 0. ",
  );
});

test("a deployment not there (yet) is waited for, then timed out", async () => {
  await expect(provider.create(inputs({ deploymentId: "missing", timeoutSeconds: 0.2 }))).rejects.toThrow(
    "IoT Edge deployment 'missing' on 127.0.4.43 did not reach 2 device(s) within 0.2 s: no metrics computed yet.",
  );
});

test("diff: another deployment etag, content or device count waits again; nothing is replaced", async () => {
  const olds = {
    deploymentId: "fleet",
    hubHostName: access.hubHostName,
    deploymentEtag: "MQ==",
    deploymentContentHash: "content-1",
    expectedDeviceCount: 2,
    metrics: { targetedCount: 2, appliedCount: 2, reportedSuccessfulCount: 2, reportedFailedCount: 0 },
    readyAfterSeconds: 1,
  };
  expect(await provider.diff("fleet", olds, inputs())).toEqual({ changes: false, replaces: [] });
  expect(await provider.diff("fleet", olds, inputs({ deploymentEtag: "Mg==" }))).toEqual({ changes: true, replaces: [] });
  expect(await provider.diff("fleet", olds, inputs({ expectedDeviceCount: 3 }))).toEqual({ changes: true, replaces: [] });
  // New content replaces the deployment under the same id: its etag starts again at "MQ==".
  expect(await provider.diff("fleet", olds, inputs({ deploymentContentHash: "content-2" }))).toEqual({ changes: true, replaces: [] });
});
