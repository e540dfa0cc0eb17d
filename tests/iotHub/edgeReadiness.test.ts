// The readiness gate: the pure verdict, and EdgeReadinessProvider polling the stand-in while the
// test plays the device side.
import { EdgeDeploymentProvider } from "../../components/iotHub/edgeDeploymentProvider";
import { describeReadiness, evaluateReadiness } from "../../components/iotHub/edgeReadiness";
import { EdgeReadinessProvider, type EdgeReadinessInputs } from "../../components/iotHub/edgeReadinessProvider";
import type { HubAccess } from "../../components/iotHub/hubAccess";
import type { IotHubStandin } from "../standins/iotHubStandin";
import { FAST_RETRY, startHub, THUMB_C } from "./hubFixture";
import { agentOf, exampleManifest } from "./manifestFixture";

let hub: IotHubStandin;
let access: HubAccess;
const gate = new EdgeReadinessProvider(FAST_RETRY);

beforeAll(async () => ({ hub, access } = await startHub("127.0.4.3")));
afterAll(() => hub.stop());

/** An edge device with the example deployment applied; returns the desired version. */
async function deployed(deviceId: string, manifest = exampleManifest()): Promise<number> {
  hub.model.put(deviceId, { deviceId, capabilities: { iotEdge: true }, authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: THUMB_C } } }, undefined);
  const { outs } = await new EdgeDeploymentProvider(FAST_RETRY).create({ ...access, deviceId, manifest });
  hub.clearLog();
  return outs!.desiredVersion;
}

function inputs(deviceId: string, desiredVersion: number, extra: Partial<EdgeReadinessInputs> = {}): EdgeReadinessInputs {
  return { ...access, deviceId, desiredVersion, timeoutSeconds: 2, pollIntervalSeconds: 0.05, ...extra };
}

const later = (ms: number, play: () => void) => new Promise<void>((resolve) => setTimeout(() => (play(), resolve()), ms));

describe("evaluateReadiness", () => {
  const agent = (reported: Record<string, unknown>, modules: Record<string, unknown> = { sensor: { status: "running" } }) => ({
    properties: { desired: { $version: 4, modules }, reported },
  });
  const running = { runtimeStatus: "running" };
  const healthy = { lastDesiredVersion: 4, lastDesiredStatus: { code: 200 }, systemModules: { edgeAgent: running, edgeHub: running }, modules: { sensor: running } };

  test("ready: code 200 for the current version, connected, every module running", () => {
    const r = evaluateReadiness(agent(healthy), { connectionState: "Connected" });
    expect(r).toMatchObject({ ready: true, refused: false, agentCode: 200, modules: { edgeAgent: "running", edgeHub: "running", sensor: "running" }, problems: [] });
  });

  test("an answer to an older version does not count, whatever it says", () => {
    const r = evaluateReadiness(agent({ ...healthy, lastDesiredVersion: 3 }), { connectionState: "Connected" });
    expect(r.ready).toBe(false);
    expect(r.problems[0]).toBe("the edge agent last answered desired version 3, not the current 4");
    expect(r.modules.sensor).toBe("not reported");
  });

  test("each failing module is named with its status, with the agent's code and the connection", () => {
    const r = evaluateReadiness(
      agent({ ...healthy, lastDesiredStatus: { code: 500, description: "pull failed" }, modules: { sensor: { runtimeStatus: "backoff" } } }, { sensor: { status: "running" }, idle: { status: "stopped" } }),
      { connectionState: "Disconnected" },
    );
    expect(r.problems).toEqual([
      "$edgeAgent status code 500 (the edge agent failed to apply the deployment): pull failed",
      "the device is Disconnected, not Connected",
      "module sensor: backoff",
      "module idle: not reported (should be stopped)",
    ]);
    expect(describeReadiness("d", r)).toBe(
      "device 'd': $edgeAgent status code 500 (the edge agent failed to apply the deployment): pull failed; the device is Disconnected, not Connected; " +
        "module sensor: backoff; module idle: not reported (should be stopped). [$edgeAgent code 500 for version 4 of 4; Disconnected; modules: edgeAgent=running, edgeHub=running, sensor=backoff, idle=not reported]",
    );
  });

  test("400 and 412 for the current version are refusals: waiting will not help", () => {
    expect(evaluateReadiness(agent({ ...healthy, lastDesiredStatus: { code: 400 } }), { connectionState: "Connected" }).refused).toBe(true);
    expect(evaluateReadiness(agent({ ...healthy, lastDesiredVersion: 3, lastDesiredStatus: { code: 400 } }), {}).refused).toBe(false);
  });
});

describe("EdgeReadinessProvider", () => {
  test("passes once the device connects and reports every module running for the current version", async () => {
    const version = await deployed("ready-1");
    const [{ outs }] = await Promise.all([
      gate.create(inputs("ready-1", version)),
      later(300, () => {
        hub.device.connect("ready-1");
        hub.device.reportEdgeAgent("ready-1");
      }),
    ]);
    expect(outs).toMatchObject({
      deviceId: "ready-1", desiredVersion: version, agentStatusCode: 200,
      modules: { edgeAgent: "running", edgeHub: "running", SimulatedTemperatureSensor: "running" },
    });
    expect(outs!.readyAfterSeconds).toBeGreaterThanOrEqual(0.2);
    expect(hub.requests.filter((r) => r.url.startsWith("/twins/ready-1/modules/%24edgeAgent")).length).toBeGreaterThan(2);
  });

  test("fails at the timeout naming the failed module, its status and the agent's code", async () => {
    const version = await deployed("fail-1");
    hub.device.connect("fail-1");
    hub.device.reportEdgeAgent("fail-1", { code: 500, description: "module failed to start", moduleStatus: { SimulatedTemperatureSensor: "failed" } });
    const started = Date.now();
    const error = (await gate.create(inputs("fail-1", version, { timeoutSeconds: 0.5 })).catch((e: Error) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error.message).toContain("The deployment did not become ready within 0.5 s on device 'fail-1':");
    expect(error.message).toContain("$edgeAgent status code 500 (the edge agent failed to apply the deployment): module failed to start");
    expect(error.message).toContain("module SimulatedTemperatureSensor: failed");
    expect(error.message).toContain("modules: edgeAgent=running, edgeHub=running, SimulatedTemperatureSensor=failed");
  });

  test("times out when the device never answers", async () => {
    const version = await deployed("silent-1");
    const error = (await gate.create(inputs("silent-1", version, { timeoutSeconds: 0.3 })).catch((e: Error) => e)) as Error;
    expect(error.message).toBe(
      `The deployment did not become ready within 0.3 s on device 'silent-1': the edge agent has not reported yet (desired version ${version}); ` +
        "the device is Disconnected, not Connected; module edgeAgent: not reported; module edgeHub: not reported; module SimulatedTemperatureSensor: not reported. " +
        `[$edgeAgent code none for version none of ${version}; Disconnected; modules: edgeAgent=not reported, edgeHub=not reported, SimulatedTemperatureSensor=not reported] ` +
        "IoT Hub has not seen the device connected: it refuses a certificate whose thumbprint is not the identity's primary or secondary thumbprint " +
        "with 401 (ErrorCode:IotHubUnauthorizedAccess), so compare the device's identity certificate with them. " +
        "On the device: `sudo iotedge list`, `sudo iotedge logs <module>`, `sudo iotedge check`.",
    );
  });

  test("an agent that refuses the configuration fails at once, without waiting for the timeout", async () => {
    const version = await deployed("refused-1");
    hub.device.connect("refused-1");
    hub.device.reportEdgeAgent("refused-1", { code: 400, description: "invalid createOptions" });
    const started = Date.now();
    await expect(gate.create(inputs("refused-1", version, { timeoutSeconds: 30 }))).rejects.toThrow(
      /^The edge agent refused the deployment of device 'refused-1': \$edgeAgent status code 400 \(the deployment configuration is invalid\): invalid createOptions/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("a new deployment version makes the gate wait again; the old report does not pass it", async () => {
    const version = await deployed("again-1");
    hub.device.connect("again-1");
    hub.device.reportEdgeAgent("again-1");
    const { outs } = await gate.create(inputs("again-1", version));
    const changed = exampleManifest();
    agentOf(changed).modules.SimulatedTemperatureSensor.env = { A: { value: 1 } };
    const next = await new EdgeDeploymentProvider(FAST_RETRY).update("again-1", {} as never, { ...access, deviceId: "again-1", manifest: changed });
    const nextVersion = next.outs!.desiredVersion;
    expect(await gate.diff("again-1", outs!, inputs("again-1", nextVersion))).toEqual({ changes: true, replaces: [] });
    expect(await gate.diff("again-1", outs!, inputs("again-1", version, { timeoutSeconds: 99 }))).toEqual({ changes: false, replaces: [] });
    await expect(gate.update("again-1", outs!, inputs("again-1", nextVersion, { timeoutSeconds: 0.3 }))).rejects.toThrow(
      `the edge agent last answered desired version ${version}, not the current ${nextVersion}`,
    );
    hub.device.reportEdgeAgent("again-1");
    await expect(gate.update("again-1", outs!, inputs("again-1", nextVersion))).resolves.toMatchObject({ outs: { desiredVersion: nextVersion } });
  });

  test("throttled twin reads are retried while waiting", async () => {
    const version = await deployed("throttled-1");
    hub.device.connect("throttled-1");
    hub.device.reportEdgeAgent("throttled-1");
    hub.failNext(429, 429, 503);
    await expect(gate.create(inputs("throttled-1", version))).resolves.toMatchObject({ outs: { agentStatusCode: 200 } });
    expect(hub.requests.map((r) => r.status)).toEqual([429, 429, 503, 200, 200]);
  });
});
