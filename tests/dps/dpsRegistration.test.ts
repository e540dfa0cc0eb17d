// Device registration through the DPS stand-in with the real device clients
// (azure-iot-provisioning-device + -http + azure-iot-security-x509), against groups made with the
// real service client (azure-iot-provisioning-service).
import { X509Certificate } from "node:crypto";
import type { EnrollmentGroup } from "azure-iot-provisioning-service/dist/interfaces";
import { withProvisioningService } from "../../components/dps/provisioningAccess";
import type { Pair } from "../../lab/certificates/openssl";
import { signedBy } from "../../lab/certificates/openssl";
import { type DpsLab, deviceCert, INTERMEDIATE_EXT, makeRootCa, registerDevice, startDps } from "./dpsFixture";

const thumbprintOf = (pem: string) => new X509Certificate(pem).fingerprint.replace(/:/g, "");
let lab: DpsLab;
let root: Pair;
let otherRoot: Pair;

beforeAll(async () => {
  lab = await startDps("127.0.10.1", "127.0.10.2");
  root = makeRootCa("fleet root CA");
  otherRoot = makeRootCa("someone else's root CA");
});
afterAll(async () => {
  await lab.dps.stop();
  await lab.hub.stop();
});

function group(id: string, extra: Partial<EnrollmentGroup> = {}): EnrollmentGroup {
  return {
    enrollmentGroupId: id,
    attestation: { type: "x509", x509: { signingCertificates: { primary: { certificate: root.certPem } } } },
    capabilities: { iotEdge: true },
    initialTwin: { tags: { fleet: "north", stack: "dev" }, properties: { desired: {} } },
    provisioningStatus: "enabled",
    reprovisionPolicy: { updateHubAssignment: true, migrateDeviceData: true },
    allocationPolicy: "static",
    iotHubs: [lab.hub.hostName],
    ...extra,
  } as EnrollmentGroup;
}

async function putGroup(g: EnrollmentGroup): Promise<EnrollmentGroup> {
  return withProvisioningService(lab.access, async (client) => (await client.createOrUpdateEnrollmentGroup(g)).responseBody);
}

/** Registers with the real device client over mutual TLS; resolves to the registration result or rejects with the SDK's error. */
function register(registrationId: string, cert: Pair): Promise<{ assignedHub: string; deviceId: string; status: string }> {
  return registerDevice(lab, registrationId, cert);
}

test("a device whose certificate chains to the group's CA registers, is assigned to the hub, and appears there as an edge device with the group's tags", async () => {
  await putGroup(group("fleet-a"));
  const cert = deviceCert(root, "edge-01");
  const result = await register("edge-01", cert);
  expect(result).toMatchObject({ assignedHub: lab.hub.hostName, deviceId: "edge-01", status: "assigned" });
  const device = lab.hub.model.get("edge-01");
  // DPS registers X.509 group devices as selfSigned with the certificate's thumbprint (azure-docs #70976).
  expect(device.device).toMatchObject({
    status: "enabled",
    capabilities: { iotEdge: true },
    authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: thumbprintOf(cert.certPem), secondaryThumbprint: null } },
  });
  expect(lab.hub.model.deviceTwin("edge-01").tags).toEqual({ fleet: "north", stack: "dev" });
  // register → 202 assigning, one poll still assigning, then assigned.
  const device1 = lab.dps.requests.filter((r) => r.url.includes("/registrations/edge-01/"));
  expect(device1.map((r) => `${r.method} ${r.status}`)).toEqual(["PUT 202", "GET 202", "GET 200"]);
});

test("a registration with a renewed certificate keeps the device and its twin and moves the hub identity to the new thumbprint", async () => {
  lab.hub.model.setTags("edge-01", { fleet: "north", stack: "dev", site: "set-later" });
  const renewed = deviceCert(root, "edge-01");
  expect(await register("edge-01", renewed)).toMatchObject({ deviceId: "edge-01", status: "assigned" });
  expect(lab.hub.model.get("edge-01").device).toMatchObject({
    authentication: { x509Thumbprint: { primaryThumbprint: thumbprintOf(renewed.certPem) } },
  });
  expect(lab.hub.model.deviceTwin("edge-01").tags).toEqual({ fleet: "north", stack: "dev", site: "set-later" });
});

test("an intermediate in the chain the device sends is followed to the group's root", async () => {
  const intermediate = signedBy(root, { cn: "fleet intermediate CA", ext: INTERMEDIATE_EXT });
  const result = await register("edge-02", deviceCert(intermediate, "edge-02", [intermediate.certPem]));
  expect(result).toMatchObject({ deviceId: "edge-02", status: "assigned" });
});

test("refused as the real service refuses, 401 401002: another CA's chain, a CN that is not the registration id, a disabled group", async () => {
  const refusals: string[] = [];
  const attempt = async (id: string, cert: Pair) => {
    const error = await register(id, cert).then(
      () => undefined,
      (e: { name?: string; responseBody?: string }) => e,
    );
    expect(error?.name).toBe("UnauthorizedError");
    expect(JSON.parse(error?.responseBody ?? "{}")).toMatchObject({ errorCode: 401002, message: "Unauthorized" });
    const last = lab.dps.requests[lab.dps.requests.length - 1];
    expect(last.status).toBe(401);
    refusals.push(lab.dps.model.refused[lab.dps.model.refused.length - 1].reason);
  };
  await attempt("edge-10", deviceCert(otherRoot, "edge-10"));
  await attempt("edge-11", deviceCert(root, "edge-11-other-name"));
  await withProvisioningService(lab.access, async (client) => {
    const existing = (await client.getEnrollmentGroup("fleet-a")).responseBody;
    await client.createOrUpdateEnrollmentGroup({ ...group("fleet-a", { provisioningStatus: "disabled" }), etag: existing.etag });
  });
  await attempt("edge-12", deviceCert(root, "edge-12"));
  expect(refusals).toEqual([
    expect.stringContaining("ends at no enrollment group's CA"),
    "certificate CN edge-11-other-name is not the registration id edge-11",
    "enrollment group fleet-a is disabled",
  ]);
  for (const id of ["edge-10", "edge-11", "edge-12"]) expect(lab.hub.model.identities.has(id)).toBe(false);
});
