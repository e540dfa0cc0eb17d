// The readiness gate: the pure verdict, and EdgeReadinessProvider polling the stand-in while the
// test plays the device side.
import { EdgeDeploymentProvider } from "../../components/iotHub/edgeDeployment.provider";
import { describeReadiness, evaluateReadiness, runtimeNotReachingHub } from "../../components/iotHub/edgeReadiness.rules";
import { EdgeReadinessProvider, type EdgeReadinessInputs } from "../../components/iotHub/edgeReadiness.provider";
import type { HubAccess } from "../../components/iotHub/hubAccess";
import type { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { FAST_RETRY, startHub, THUMB_C } from "./hubFixture";
import { agentOf, exampleManifest } from "./manifestFixture";
import {
  AGENT_1_1,
  documentDesired,
  documentReported,
  HUB_1_1,
  moduleTwin,
  running,
  SENSOR_1_0,
  SENSOR_1_1,
} from "./reportedStatesFixture";

let hub: IotHubStandin;
let access: HubAccess;
const gate = new EdgeReadinessProvider(FAST_RETRY);

beforeAll(async () => ({ hub, access } = await startHub("127.0.4.3")));
afterAll(() => hub.stop());

/** An edge device with the example deployment applied; returns the desired version. */
async function deployed(deviceId: string, manifest = exampleManifest()): Promise<number> {
  hub.model.put(
    deviceId,
    { deviceId, capabilities: { iotEdge: true }, authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: THUMB_C } } },
    undefined,
  );
  const { outs } = await new EdgeDeploymentProvider(FAST_RETRY).create({ ...access, deviceId, manifest });
  hub.clearLog();
  return outs!.desiredVersion;
}

function inputs(deviceId: string, desiredVersion: number, extra: Partial<EdgeReadinessInputs> = {}): EdgeReadinessInputs {
  return { ...access, deviceId, desiredVersion, timeoutSeconds: 2, pollIntervalSeconds: 0.05, ...extra };
}

const later = (ms: number, play: () => void) => new Promise<void>((resolve) => setTimeout(() => (play(), resolve()), ms));

describe("evaluateReadiness: the document's twins (Azure/iotedge doc/reported_states_during_deployment.md)", () => {
  const verdict = (reported: Record<string, unknown>, edgeHubState?: string) =>
    evaluateReadiness(
      moduleTwin(documentDesired(), reported),
      edgeHubState === undefined ? undefined : { moduleId: "$edgeHub", connectionState: edgeHubState },
    );
  const succeeded = () => documentReported({ code: 200, edgeHub: running(HUB_1_1), m1: running(SENSOR_1_1) });

  test("completely successful: version answered, 200, edgeHub and m1 running their desired images; the device twin plays no part", () => {
    const r = verdict(succeeded(), "Connected");
    expect(r).toMatchObject({ ready: true, refused: false, agentCode: 200, desiredVersion: 11, reportedVersion: 11, problems: [] });
    expect(r.modules).toEqual({ edgeAgent: "unknown", edgeHub: "running", m1: "running" });
    // Nothing about the device's own connection is read: a Disconnected device twin cannot refuse it.
    expect(evaluateReadiness(moduleTwin(documentDesired(), succeeded())).ready).toBe(true);
  });

  test("the document's reported example (406, agent not running) keeps waiting and names each module as last seen", () => {
    const r = verdict(documentReported(), "Disconnected");
    expect(r).toMatchObject({ ready: false, refused: false, agentCode: 406 });
    expect(r.problems).toEqual([
      "$edgeAgent status code 406 (the edge agent is not connected to IoT Hub): Agent is not running",
      "module edgeHub: unknown",
      "module m1: unknown",
    ]);
    expect(describeReadiness("doc-device", r)).toBe(
      "device 'doc-device': " +
        r.problems.join("; ") +
        `. [$edgeAgent code 406 for version 11 of 11; $edgeHub module Disconnected; modules: edgeAgent=unknown (${AGENT_1_1}), edgeHub=unknown (${HUB_1_1}), m1=unknown (${SENSOR_1_1})]`,
    );
    expect(runtimeNotReachingHub(r)).toBe(true);
  });

  test("before the edge applies the current deployment: desired $version != lastDesiredVersion, whatever the code", () => {
    const r = verdict(documentReported({ code: 200, lastDesiredVersion: 10, edgeHub: running(HUB_1_1), m1: running(SENSOR_1_1) }));
    expect(r).toMatchObject({ ready: false, refused: false });
    expect(r.problems).toEqual(["the edge agent last answered desired version 10, not the current 11"]);
  });

  test.each([
    [400, "the deployment configuration is invalid", "ConfigFormatError: bad createOptions"],
    [412, "the deployment's schema version is not supported", "InvalidSchemaVersion 9.9"],
  ])("deployment is invalid: %i for the current version is final, and the description is quoted", (code, meaning, description) => {
    const r = verdict(documentReported({ code, description }));
    expect(r).toMatchObject({ ready: false, refused: true });
    expect(r.problems[0]).toBe(`$edgeAgent status code ${code} (${meaning}): ${description}`);
    // The same code for an older version is not a refusal of this one.
    expect(verdict(documentReported({ code, description, lastDesiredVersion: 10 })).refused).toBe(false);
  });

  test("417 (no deployment yet) keeps waiting", () => {
    const r = verdict(documentReported({ code: 417, description: "ConfigEmptyError", edgeHub: null, m1: null }));
    expect(r).toMatchObject({ ready: false, refused: false });
    expect(r.problems).toEqual([
      "$edgeAgent status code 417 (the device has no deployment configuration yet): ConfigEmptyError",
      "module edgeHub: not reported",
      "module m1: not reported",
    ]);
  });

  test("deployment in progress: 500 while m1 still runs its old image keeps waiting and names both images", () => {
    const r = verdict(
      documentReported({ code: 500, description: "The operation was canceled", edgeHub: running(HUB_1_1), m1: running(SENSOR_1_0) }),
    );
    expect(r).toMatchObject({ ready: false, refused: false, agentCode: 500 });
    expect(r.problems).toEqual([
      "$edgeAgent status code 500 (the edge agent failed to apply the deployment, or is still pulling an image): The operation was canceled",
      `module m1 runs image ${SENSOR_1_0}, not ${SENSOR_1_1}`,
    ]);
  });

  test("a new module is not reported until it is created", () => {
    const r = verdict(documentReported({ code: 500, edgeHub: running(HUB_1_1), m1: null }));
    expect(r.problems).toContain("module m1: not reported");
    expect(r.seen.m1).toEqual({ runtimeStatus: "not reported", image: undefined });
  });

  test("deployment succeeded, module failed after launch: 200 is not enough", () => {
    const r = verdict(documentReported({ code: 200, edgeHub: running(HUB_1_1), m1: { runtimeStatus: "failed" } }));
    expect(r).toMatchObject({ ready: false, refused: false });
    expect(r.problems).toEqual(["module m1: failed"]);
  });

  test("edgeHub counts like a module: its runtimeStatus and image must match", () => {
    expect(verdict(documentReported({ code: 200, edgeHub: { runtimeStatus: "backoff" }, m1: running(SENSOR_1_1) })).problems).toEqual([
      "module edgeHub: backoff",
    ]);
    expect(
      verdict(documentReported({ code: 200, edgeHub: running("mcr.microsoft.com/azureiotedge-hub:1.0"), m1: running(SENSOR_1_1) }))
        .problems,
    ).toEqual([`module edgeHub runs image mcr.microsoft.com/azureiotedge-hub:1.0, not ${HUB_1_1}`]);
  });

  test("a module desired stopped must report stopped", () => {
    const desired = documentDesired();
    desired.modules.m1.status = "stopped";
    const reported = documentReported({ code: 200, edgeHub: running(HUB_1_1), m1: running(SENSOR_1_1) });
    expect(evaluateReadiness(moduleTwin(desired, reported)).problems).toEqual(["module m1: running (should be stopped)"]);
    reported.modules.m1.runtimeStatus = "stopped";
    expect(evaluateReadiness(moduleTwin(desired, reported)).ready).toBe(true);
  });

  test("the runtime shows it reaches the hub once $edgeAgent answers the current version with other than 406, or $edgeHub's module is Connected", () => {
    expect(
      runtimeNotReachingHub(evaluateReadiness(moduleTwin(documentDesired(), { $version: 1 }), { connectionState: "Disconnected" })),
    ).toBe(true);
    expect(runtimeNotReachingHub(verdict(documentReported(), "Connected"))).toBe(false);
    expect(runtimeNotReachingHub(verdict(documentReported({ code: 417 }), "Disconnected"))).toBe(false);
    // A 200 for an older version says nothing about now: a certificate refused since then.
    expect(runtimeNotReachingHub(verdict(documentReported({ code: 200, lastDesiredVersion: 10 }), "Disconnected"))).toBe(true);
  });
});

describe("EdgeReadinessProvider", () => {
  test("passes once the runtime connects and reports every module running for the current version; the device twin stays Disconnected", async () => {
    const version = await deployed("ready-1");
    const [{ outs }] = await Promise.all([
      gate.create(inputs("ready-1", version)),
      later(300, () => {
        hub.device.connect("ready-1");
        hub.device.reportEdgeAgent("ready-1");
      }),
    ]);
    expect(outs).toMatchObject({
      deviceId: "ready-1",
      desiredVersion: version,
      agentStatusCode: 200,
      modules: { edgeAgent: "running", edgeHub: "running", SimulatedTemperatureSensor: "running" },
    });
    expect(outs!.readyAfterSeconds).toBeGreaterThanOrEqual(0.2);
    // An edge device's own twin says Disconnected while its runtime runs (Azure/iotedge #80, #809).
    expect(hub.model.deviceTwin("ready-1").connectionState).toBe("Disconnected");
    expect(hub.model.moduleTwin("ready-1", "$edgeHub").connectionState).toBe("Connected");
    expect(hub.requests.filter((r) => r.url.startsWith("/twins/ready-1/modules/%24edgeAgent")).length).toBeGreaterThan(2);
  });

  test("fails at the timeout naming the failed module, its status and the agent's code", async () => {
    const version = await deployed("fail-1");
    hub.device.connect("fail-1");
    hub.device.reportEdgeAgent("fail-1", {
      code: 500,
      description: "module failed to start",
      moduleStatus: { SimulatedTemperatureSensor: "failed" },
    });
    const started = Date.now();
    const error = (await gate.create(inputs("fail-1", version, { timeoutSeconds: 0.5 })).catch((e: Error) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error.message).toContain("The deployment did not become ready within 0.5 s on device 'fail-1':");
    expect(error.message).toContain(
      "$edgeAgent status code 500 (the edge agent failed to apply the deployment, or is still pulling an image): module failed to start",
    );
    expect(error.message).toContain("module SimulatedTemperatureSensor: failed");
    expect(error.message).toMatch(
      /modules: edgeAgent=running \(\S+\), edgeHub=running \(\S+\), SimulatedTemperatureSensor=failed \(\S+\)\]/,
    );
    // The runtime reached the hub: no hint about refused certificates.
    expect(error.message).not.toContain("401");
  });

  test("times out when the device never answers", async () => {
    const version = await deployed("silent-1");
    const error = (await gate.create(inputs("silent-1", version, { timeoutSeconds: 0.3 })).catch((e: Error) => e)) as Error;
    expect(error.message).toBe(
      `The deployment did not become ready within 0.3 s on device 'silent-1': the edge agent has not reported yet (desired version ${version}); ` +
        "module edgeHub: not reported; module SimulatedTemperatureSensor: not reported. " +
        `[$edgeAgent code none for version none of ${version}; $edgeHub module Disconnected; modules: edgeAgent=not reported, edgeHub=not reported, SimulatedTemperatureSensor=not reported] ` +
        "The edge runtime shows no sign of reaching IoT Hub ($edgeAgent has not answered the current deployment, or reports 406, and the $edgeHub module is not connected). " +
        "IoT Hub refuses with 401 (ErrorCode:IotHubUnauthorizedAccess) a certificate whose thumbprint is not the identity's primary or secondary thumbprint, " +
        "or, for certificateAuthority authentication, one whose chain does not end at a CA certificate registered and verified on the hub: " +
        "compare the device's identity certificate with them. " +
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

  test("412 fails at once too, quoting the agent's description", async () => {
    const version = await deployed("schema-1");
    hub.device.reportEdgeAgent("schema-1", { code: 412, description: "schemaVersion 9.9 is not supported" });
    await expect(gate.create(inputs("schema-1", version, { timeoutSeconds: 30 }))).rejects.toThrow(
      /^The edge agent refused the deployment of device 'schema-1': \$edgeAgent status code 412 \(the deployment's schema version is not supported\): schemaVersion 9\.9 is not supported/,
    );
  });

  test("417, then 500 with the old image while the new one is pulled, keep it waiting; 200 with the new image passes", async () => {
    const version = await deployed("pull-1");
    const image = agentOf(exampleManifest()).modules.SimulatedTemperatureSensor.settings.image as string;
    hub.device.connect("pull-1");
    hub.device.reportEdgeAgent("pull-1", { code: 417, lastDesiredVersion: 1, description: "no deployment" });
    const seen: number[] = [];
    const watch = setInterval(
      () => seen.push(Number((hub.model.moduleTwin("pull-1", "$edgeAgent").properties as any).reported.lastDesiredStatus?.code)),
      20,
    );
    const [{ outs }] = await Promise.all([
      gate.create(inputs("pull-1", version)),
      later(200, () =>
        hub.device.reportEdgeAgent("pull-1", {
          code: 500,
          description: "The operation was canceled",
          moduleImage: { SimulatedTemperatureSensor: "old/sensor:0.9" },
        }),
      ),
      later(500, () => hub.device.reportEdgeAgent("pull-1")),
    ]);
    clearInterval(watch);
    expect([...new Set(seen)]).toEqual([417, 500, 200]);
    expect(outs).toMatchObject({ agentStatusCode: 200, modules: { SimulatedTemperatureSensor: "running" } });
    expect(outs!.readyAfterSeconds).toBeGreaterThanOrEqual(0.45);
    expect(image).not.toBe("old/sensor:0.9");
  });

  test("a new deployment version makes the gate wait again; the old report does not pass it", async () => {
    const version = await deployed("again-1");
    hub.device.connect("again-1");
    hub.device.reportEdgeAgent("again-1");
    const { outs } = await gate.create(inputs("again-1", version));
    const changed = exampleManifest();
    agentOf(changed).modules.SimulatedTemperatureSensor.env = { A: { value: 1 } };
    const next = await new EdgeDeploymentProvider(FAST_RETRY).update("again-1", {} as never, {
      ...access,
      deviceId: "again-1",
      manifest: changed,
    });
    const nextVersion = next.outs!.desiredVersion;
    expect(await gate.diff("again-1", outs!, inputs("again-1", nextVersion))).toEqual({ changes: true, replaces: [] });
    expect(await gate.diff("again-1", outs!, inputs("again-1", version, { timeoutSeconds: 99 }))).toEqual({ changes: false, replaces: [] });
    await expect(gate.update("again-1", outs!, inputs("again-1", nextVersion, { timeoutSeconds: 0.3 }))).rejects.toThrow(
      `the edge agent last answered desired version ${version}, not the current ${nextVersion}`,
    );
    hub.device.reportEdgeAgent("again-1");
    await expect(gate.update("again-1", outs!, inputs("again-1", nextVersion))).resolves.toMatchObject({
      outs: { desiredVersion: nextVersion },
    });
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
