// EnrollmentGroupProvider against the DPS stand-in, through the real azure-iot-provisioning-service client.
import {
  EnrollmentGroupProvider,
  type EnrollmentGroupInputs,
  type EnrollmentGroupOutputs,
} from "../../components/dps/enrollmentGroup.provider";
import { thumbprintOf } from "../../components/dps/enrollmentGroup.rules";
import { FAST_RETRY } from "../iotHub/hubFixture";
import type { Pair } from "../../lab/certificates/openssl";
import { type DpsLab, deviceCert, makeRootCa, startDps } from "./dpsFixture";

let lab: DpsLab;
let root: Pair;
let root2: Pair;
const provider = new EnrollmentGroupProvider(FAST_RETRY);

beforeAll(async () => {
  lab = await startDps("127.0.10.3", "127.0.10.4");
  root = makeRootCa("fleet root CA");
  root2 = makeRootCa("next fleet root CA");
});
afterAll(async () => {
  await lab.dps.stop();
  await lab.hub.stop();
});
beforeEach(() => lab.dps.clearLog());

function inputs(id: string, extra: Partial<EnrollmentGroupInputs> = {}): EnrollmentGroupInputs {
  return {
    ...lab.access,
    enrollmentGroupId: id,
    signingCertificatePem: root.certPem,
    iotEdge: true,
    tags: { fleet: "north", stack: "dev" },
    provisioningStatus: "enabled",
    updateHubAssignment: true,
    migrateDeviceData: true,
    allocationPolicy: "static",
    iotHubs: [lab.hub.hostName],
    ...extra,
  };
}

const log = () =>
  lab.dps.requests.map(
    (r) => `${r.method} ${r.url.split("?")[0]} ${r.status}${r.headers["if-match"] ? ` if-match=${String(r.headers["if-match"])}` : ""}`,
  );
const stored = (id: string) => lab.dps.model.getGroup(id) as Record<string, any>;

test("create puts an X.509 group with edge capability, tags, reprovisioning and allocation to the hub", async () => {
  const { id, outs } = await provider.create(inputs("create-1"));
  expect(id).toBe("create-1");
  expect(stored("create-1")).toMatchObject({
    attestation: { type: "x509", x509: { signingCertificates: { primary: { info: { sha256Thumbprint: thumbprintOf(root.certPem) } } } } },
    capabilities: { iotEdge: true },
    initialTwin: { tags: { fleet: "north", stack: "dev" } },
    provisioningStatus: "enabled",
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
    allocationPolicy: "static",
    iotHubs: [lab.hub.hostName],
  });
  expect(outs).toMatchObject({
    enrollmentGroupId: "create-1",
    etag: stored("create-1").etag,
    signingThumbprint: thumbprintOf(root.certPem),
  });
  expect(log()).toEqual(["PUT /enrollmentGroups/create-1 200"]);
});

test("a group by CA reference names a CA verified on the DPS", async () => {
  lab.dps.model.registerCertificate("fleet-root", root.certPem, true);
  await provider.create(inputs("ca-ref-1", { signingCertificatePem: undefined, caReference: "fleet-root" }));
  expect(stored("ca-ref-1").attestation).toEqual({ type: "x509", x509: { caReferences: { primary: "fleet-root" } } });
});

test("diff: another id or DPS replaces; the CA, tags, status, policies and hubs update in place; PEM whitespace, tag order and host case are no change", async () => {
  const { outs } = await provider.create(inputs("diff-1"));
  const d = (news: Partial<EnrollmentGroupInputs>) => provider.diff("diff-1", outs!, inputs("diff-1", news));
  expect(await d({})).toEqual({ changes: false, replaces: [] });
  expect(await d({ signingCertificatePem: `\n${root.certPem.replace(/\n/g, "\r\n")}` })).toEqual({ changes: false, replaces: [] });
  expect(await d({ tags: { stack: "dev", fleet: "north" } })).toEqual({ changes: false, replaces: [] });
  expect(await d({ iotHubs: [lab.hub.hostName.toUpperCase()] })).toEqual({ changes: false, replaces: [] });
  for (const change of [
    { signingCertificatePem: root2.certPem },
    { tags: { fleet: "south", stack: "dev" } },
    { provisioningStatus: "disabled" as const },
    { updateHubAssignment: false },
    { migrateDeviceData: false },
    { allocationPolicy: "hashed" as const },
    { iotEdge: false },
    { iotHubs: ["other.azure-devices.net"] },
    { dpsTrustedCaPem: undefined },
  ]) {
    expect(await d(change)).toEqual({ changes: true, replaces: [] });
  }
  expect(await d({ enrollmentGroupId: "diff-2" })).toEqual({ changes: true, replaces: ["enrollmentGroupId"] });
  expect(await d({ dpsHostName: "other.azure-devices-provisioning.net" })).toEqual({ changes: true, replaces: ["dpsHostName"] });
  expect(await d({ dpsHostName: lab.dps.hostName.toUpperCase() })).toEqual({ changes: false, replaces: [] });
  expect(lab.dps.requests.length).toBe(1); // diff never calls the service
});

test("update replaces the group whole with If-Match *, and puts back a group deleted behind the stack's back", async () => {
  const { outs } = await provider.create(inputs("update-1"));
  const news = inputs("update-1", { tags: { fleet: "south" }, signingCertificatePem: root2.certPem, provisioningStatus: "disabled" });
  const updated = await provider.update("update-1", outs!, news);
  expect(stored("update-1")).toMatchObject({ initialTwin: { tags: { fleet: "south" } }, provisioningStatus: "disabled" });
  expect(stored("update-1").attestation.x509.signingCertificates.primary.info.sha256Thumbprint).toBe(thumbprintOf(root2.certPem));
  expect(updated.outs).toMatchObject({ signingThumbprint: thumbprintOf(root2.certPem), etag: stored("update-1").etag });
  lab.dps.model.deleteGroup("update-1", undefined);
  lab.dps.clearLog();
  await provider.update("update-1", updated.outs!, inputs("update-1"));
  expect(stored("update-1").initialTwin.tags).toEqual({ fleet: "north", stack: "dev" });
  expect(log()).toEqual(["PUT /enrollmentGroups/update-1 404 if-match=*", "PUT /enrollmentGroups/update-1 200"]);
});

test("delete removes the group and tolerates one already gone", async () => {
  const { outs } = await provider.create(inputs("delete-1"));
  await provider.delete("delete-1", outs!);
  expect(lab.dps.model.groups.has("delete-1")).toBe(false);
  await provider.delete("delete-1", outs!);
  expect(log()).toEqual([
    "PUT /enrollmentGroups/delete-1 200",
    "DELETE /enrollmentGroups/delete-1 204",
    "DELETE /enrollmentGroups/delete-1 404",
  ]);
});

test("delete fails on a refusal other than 404, naming the group, and the group stays", async () => {
  const { outs } = await provider.create(inputs("delete-2"));
  const wrongKey = lab.access.dpsConnectionString.replace(
    /SharedAccessKey=.*/,
    `SharedAccessKey=${Buffer.alloc(32, 7).toString("base64")}`,
  );
  await expect(provider.delete("delete-2", { ...outs!, dpsConnectionString: wrongKey })).rejects.toThrow(
    /^Device Provisioning Service refused deleting enrollment group 'delete-2' on \S+: 401 /,
  );
  expect(lab.dps.model.groups.has("delete-2")).toBe(true);
  expect(log()).toEqual(["PUT /enrollmentGroups/delete-2 200", "DELETE /enrollmentGroups/delete-2 401"]);
});

test("read shows drift made outside the stack, and a group that is gone; another refusal fails", async () => {
  const { outs } = await provider.create(inputs("read-1"));
  lab.dps.model.putGroup(
    "read-1",
    {
      ...stored("read-1"),
      attestation: { type: "x509", x509: { signingCertificates: { primary: { certificate: root2.certPem } } } },
      provisioningStatus: "disabled",
      initialTwin: { tags: { fleet: "north" } },
    },
    "*",
  );
  const read = await provider.read("read-1", outs as EnrollmentGroupOutputs);
  expect(read.id).toBe("read-1");
  expect(read.props).toMatchObject({
    provisioningStatus: "disabled",
    tags: { fleet: "north" },
    signingThumbprint: thumbprintOf(root2.certPem),
    etag: stored("read-1").etag,
  });
  expect(read.props!.signingCertificatePem).toBeUndefined();
  expect((await provider.diff("read-1", read.props!, inputs("read-1"))).changes).toBe(true);
  lab.dps.model.deleteGroup("read-1", undefined);
  expect(await provider.read("read-1", outs as EnrollmentGroupOutputs)).toEqual({});
  // Any other refusal is no answer about the group: it fails.
  const wrongKey = lab.access.dpsConnectionString.replace(
    /SharedAccessKey=.*/,
    `SharedAccessKey=${Buffer.alloc(32, 7).toString("base64")}`,
  );
  await expect(provider.read("read-1", { ...(outs as EnrollmentGroupOutputs), dpsConnectionString: wrongKey })).rejects.toThrow(
    /^Device Provisioning Service refused reading enrollment group 'read-1' on \S+: 401 /,
  );
});

test("429 and 5xx are retried; a lost answer after the group was stored is not a conflict", async () => {
  lab.dps.failNext(429, 503);
  await provider.create(inputs("retry-1"));
  expect(log()).toEqual(["PUT /enrollmentGroups/retry-1 429", "PUT /enrollmentGroups/retry-1 503", "PUT /enrollmentGroups/retry-1 200"]);
  lab.dps.clearLog();
  lab.dps.loseNextAnswers(503);
  await provider.create(inputs("lost-1"));
  expect(log()).toEqual(["PUT /enrollmentGroups/lost-1 503", "PUT /enrollmentGroups/lost-1 409", "GET /enrollmentGroups/lost-1 200"]);
  lab.dps.failNext(...Array(FAST_RETRY.maxAttempts).fill(429));
  await expect(provider.create(inputs("retry-2"))).rejects.toThrow(
    `Device Provisioning Service refused creating enrollment group 'retry-2' on ${lab.dps.hostName}: 429 429: Too many requests (gave up after ${FAST_RETRY.maxAttempts} attempts)`,
  );
});

test("a group the stack did not create is not taken over: the error names it and the way out", async () => {
  lab.dps.model.putGroup(
    "theirs-1",
    {
      enrollmentGroupId: "theirs-1",
      attestation: { type: "x509", x509: { signingCertificates: { primary: { certificate: root2.certPem } } } },
    },
    undefined,
  );
  await expect(provider.create(inputs("theirs-1"))).rejects.toThrow(
    `DPS ${lab.dps.hostName} already has an enrollment group 'theirs-1' (409), and this stack did not create it.`,
  );
  expect(stored("theirs-1").provisioningStatus).toBe("enabled");
});

test("bad input fails before any request, naming the group and the field", async () => {
  await expect(provider.create(inputs("Bad_Group", { tags: { "a.b": "x" }, allocationPolicy: "static", iotHubs: [] }))).rejects.toThrow(
    "DPS enrollment group 'Bad_Group': enrollmentGroupId \"Bad_Group\" must be 1-128 lowercase letters, digits and hyphens, starting and ending with a letter or digit; " +
      "tags: \"a.b\" is not a twin tag name (no '.', '$', spaces or control characters; at most 1024); iotHubs must name at least one linked IoT hub; " +
      "iotHubs: a static allocation takes exactly one hub, not 0",
  );
  await expect(provider.create(inputs("both-1", { caReference: "fleet-root" }))).rejects.toThrow(
    "signingCertificatePem or caReference: give exactly one",
  );
  await expect(provider.create(inputs("leaf-1", { signingCertificatePem: deviceCert(root, "edge-01").certPem }))).rejects.toThrow(
    "DPS enrollment group 'leaf-1': signingCertificatePem is not a CA certificate (basicConstraints CA:TRUE)",
  );
  const check = await provider.check(
    inputs("x"),
    inputs("bad-conn", { dpsConnectionString: "HostName=elsewhere;SharedAccessKeyName=p;SharedAccessKey=a2V5" }),
  );
  expect(check.failures).toEqual([
    { property: "dpsConnectionString", reason: `the DPS connection string is for elsewhere, not for ${lab.dps.hostName}` },
  ]);
  expect(lab.dps.requests).toEqual([]);
});
