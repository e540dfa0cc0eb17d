// A dps fleet's providers against the DPS and IoT Hub stand-ins, with a device that registers itself
// through the real device client: the enrollment group, the readiness gate that first waits for the
// registration, and the record of registered devices that deletes them from the hub.
import { EnrollmentGroupProvider, type EnrollmentGroupInputs } from "../../components/dps/enrollmentGroup.provider";
import { RegisteredDevicesProvider, type RegisteredDevicesInputs } from "../../components/dps/registeredDevices.provider";
import { EdgeDeploymentProvider } from "../../components/iotHub/edgeDeployment.provider";
import { EdgeReadinessProvider, type EdgeReadinessInputs } from "../../components/iotHub/edgeReadiness.provider";
import type { HubAccess } from "../../components/iotHub/hubAccess";
import type { Pair } from "../../lab/certificates/openssl";
import { FAST_RETRY } from "../iotHub/hubFixture";
import { exampleManifest } from "../iotHub/manifestFixture";
import { type DpsLab, deviceCert, makeRootCa, registerDevice, startDps } from "./dpsFixture";

let lab: DpsLab;
let hubAccess: HubAccess;
let root: Pair;
const gate = new EdgeReadinessProvider(FAST_RETRY);
const registered = new RegisteredDevicesProvider(FAST_RETRY);

beforeAll(async () => {
  lab = await startDps("127.0.12.1", "127.0.12.2");
  hubAccess = {
    hubHostName: lab.hub.hostName,
    hubAuth: "connectionString",
    connectionString: lab.hub.connectionString,
    trustedCaPem: lab.hub.caCertPem,
  };
  root = makeRootCa("fleet root CA");
  const group: EnrollmentGroupInputs = {
    ...lab.access,
    enrollmentGroupId: "edge-fleet-test",
    signingCertificatePem: root.certPem,
    iotEdge: true,
    tags: { edgeFleet: "edge-fleet-test", edgeStack: "edge:test" },
    provisioningStatus: "enabled",
    updateHubAssignment: true,
    migrateDeviceData: true,
    allocationPolicy: "hashed",
    iotHubs: [lab.hub.hostName],
  };
  await new EnrollmentGroupProvider(FAST_RETRY).create(group);
});
afterAll(async () => {
  await lab.dps.stop();
  await lab.hub.stop();
});

const gateInputs = (deviceId: string, extra: Partial<EdgeReadinessInputs> = {}): EdgeReadinessInputs => ({
  ...hubAccess,
  deviceId,
  desiredVersion: 0,
  timeoutSeconds: 5,
  pollIntervalSeconds: 0.05,
  awaitRegistration: true,
  ...extra,
});
const later = (ms: number, play: () => Promise<void> | void) =>
  new Promise<void>((resolve, reject) => setTimeout(() => Promise.resolve(play()).then(resolve, reject), ms));

test("the gate waits for DPS to register the device, then for the $edgeAgent rules; it keeps the given desired version", async () => {
  const [{ outs }] = await Promise.all([
    gate.create(gateInputs("dps-edge-01")),
    later(300, async () => {
      // The device registers itself (real device client, its chain to the group's CA) and gets the group's tags.
      await registerDevice(lab, "dps-edge-01", deviceCert(root, "dps-edge-01"));
      expect(lab.hub.model.deviceTwin("dps-edge-01").tags).toEqual({ edgeFleet: "edge-fleet-test", edgeStack: "edge:test" });
      // What the at-scale deployment does for a matching device: the modules arrive as its configuration content.
      await new EdgeDeploymentProvider(FAST_RETRY).create({ ...hubAccess, deviceId: "dps-edge-01", manifest: exampleManifest() });
      lab.hub.device.connect("dps-edge-01");
      lab.hub.device.reportEdgeAgent("dps-edge-01");
    }),
  ]);
  expect(outs).toMatchObject({
    deviceId: "dps-edge-01",
    desiredVersion: 0,
    awaitRegistration: true,
    agentStatusCode: 200,
    modules: { edgeAgent: "running", edgeHub: "running", SimulatedTemperatureSensor: "running" },
  });
  expect(outs!.readyAfterSeconds).toBeGreaterThanOrEqual(0.3);
  // The same inputs again: no change, so a second `up` does not wait again.
  expect((await gate.diff("dps-edge-01", outs!, gateInputs("dps-edge-01"))).changes).toBe(false);
});

test("a device DPS never registers fails the gate at its timeout, saying why DPS refuses devices", async () => {
  const error = (await gate.create(gateInputs("dps-never", { timeoutSeconds: 0.3 })).catch((e: Error) => e)) as Error;
  expect(error.message).toBe(
    `Device 'dps-never' did not appear in ${lab.hub.hostName} within 0.3 s: DPS has not registered it. ` +
      "DPS refuses a device (401) whose certificate CN is not its registration id, whose chain does not end at the enrollment group's CA, " +
      "or whose group is missing or disabled; the runtime also needs the right id_scope and global_endpoint. " +
      "On the device: `sudo iotedge check`, `sudo iotedge system logs -- -n 100` (look for the DPS answer).",
  );
});

test("registered devices: create sends nothing; removing an id deletes that hub device; delete deletes the rest, tolerating ones already gone", async () => {
  for (const id of ["dps-edge-02", "dps-edge-03", "dps-edge-04"]) await registerDevice(lab, id, deviceCert(root, id));
  const inputs: RegisteredDevicesInputs = {
    ...hubAccess,
    enrollmentGroupId: "edge-fleet-test",
    deviceIds: ["dps-edge-02", "dps-edge-03", "dps-edge-04", "dps-gone"],
  };
  lab.hub.clearLog();
  const { id, outs } = await registered.create(inputs);
  expect(id).toBe(`${lab.hub.hostName}/edge-fleet-test`);
  expect(lab.hub.requests).toEqual([]);

  const fewer = { ...inputs, deviceIds: ["dps-edge-02", "dps-edge-04", "dps-gone"] };
  expect(await registered.diff(id, outs!, fewer)).toEqual({ changes: true, replaces: [] });
  expect(await registered.diff(id, outs!, { ...inputs, hubHostName: "other-hub.azure-devices.net" })).toEqual({
    changes: true,
    replaces: ["hubHostName"],
  });
  expect((await registered.diff(id, outs!, { ...inputs, deviceIds: [...inputs.deviceIds].reverse() })).changes).toBe(false);
  const { outs: after } = await registered.update(id, outs!, fewer);
  expect(lab.hub.model.identities.has("dps-edge-03")).toBe(false);
  expect(lab.hub.model.identities.has("dps-edge-02")).toBe(true);

  await registered.delete(id, after!);
  for (const gone of ["dps-edge-02", "dps-edge-04"]) expect(lab.hub.model.identities.has(gone)).toBe(false);
  expect(
    lab.hub.requests
      .filter((r) => r.method === "DELETE")
      .map((r) => `${r.url.split("?")[0]} ${r.status}`)
      .sort(),
  ).toEqual(["/devices/dps-edge-02 204", "/devices/dps-edge-03 204", "/devices/dps-edge-04 204", "/devices/dps-gone 404"]);
});

test("deleting registered devices retries a throttled hub", async () => {
  await registerDevice(lab, "dps-edge-05", deviceCert(root, "dps-edge-05"));
  lab.hub.clearLog();
  lab.hub.failNext(429, 503);
  await registered.delete("x", { ...hubAccess, enrollmentGroupId: "edge-fleet-test", deviceIds: ["dps-edge-05"] });
  expect(lab.hub.model.identities.has("dps-edge-05")).toBe(false);
  expect(lab.hub.requests.map((r) => r.status)).toEqual([429, 503, 204]);
});

test("deleting registered devices fails on a refusal other than 404, naming the device and the group; the device stays", async () => {
  await registerDevice(lab, "dps-edge-06", deviceCert(root, "dps-edge-06"));
  const wrongKey = hubAccess.connectionString!.replace(/SharedAccessKey=.*/, `SharedAccessKey=${Buffer.alloc(32, 7).toString("base64")}`);
  await expect(
    registered.delete("x", { ...hubAccess, connectionString: wrongKey, enrollmentGroupId: "edge-fleet-test", deviceIds: ["dps-edge-06"] }),
  ).rejects.toThrow(
    /^IoT Hub refused deleting device 'dps-edge-06' \(registered by DPS enrollment group 'edge-fleet-test'\) on \S+: 401 IotHubUnauthorizedAccess/,
  );
  expect(lab.hub.model.identities.has("dps-edge-06")).toBe(true);
});
