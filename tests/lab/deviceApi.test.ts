// The IoT Hub stand-in's device side (our own HTTPS + mTLS stand-in API, iotHubDeviceApi.ts): a
// device is let in by the thumbprint of the certificate it presents in the TLS handshake, as the
// hub authenticates X.509 devices; anything else gets the hub's 401. Identities are registered
// through the real azure-iothub client.
import { X509Certificate } from "node:crypto";
import { Agent, request } from "node:https";
import { Registry } from "azure-iothub";
import { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { makeCaSignedDevice, makeDeviceCertificates } from "../../lab/hosts/testCertificates";

let hub: IotHubStandin;
let registry: Registry;
const device = makeDeviceCertificates("api-dev-1");
const other = makeDeviceCertificates("api-dev-1");
const thumbprint = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, "");

beforeAll(async () => {
  hub = await IotHubStandin.start({ address: "127.0.8.100" });
  registry = Registry.fromConnectionString(hub.connectionString);
  (registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({
    http: { agent: new Agent({ ca: hub.caCertPem }) },
  });
  await registry.create({
    deviceId: "api-dev-1",
    status: "enabled",
    capabilities: { iotEdge: true },
    authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: thumbprint(device.identityCertPem) } },
  } as never);
});
afterAll(() => hub.stop());

function call(
  method: string,
  path: string,
  client?: { cert: string; key: string },
  body?: unknown,
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hub.hostName,
        port: 443,
        method,
        path: `${path}?api-version=2021-04-12`,
        ca: hub.caCertPem,
        ...(client ?? {}),
        agent: false,
        headers: { "Content-Type": "application/json" },
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const twin = "/devices/api-dev-1/modules/%24edgeAgent/twin";
const own = { cert: device.identityCertPem, key: device.identityKeyPem };

const edgeHubTwin = "/devices/api-dev-1/modules/%24edgeHub/twin";
const connection = (moduleId?: string) =>
  moduleId ? hub.model.moduleTwin("api-dev-1", moduleId).connectionState : hub.model.deviceTwin("api-dev-1").connectionState;

test("the registered certificate reads the twin and reports; $edgeHub shows Connected until the runtime disconnects, the device and $edgeAgent never do", async () => {
  const got = await call("GET", twin, own);
  expect(got.status).toBe(200);
  expect(got.json.desired.$version).toBe(1);
  expect((await call("PATCH", `${twin}/reported`, own, { lastDesiredStatus: { code: 200 } })).status).toBe(204);
  expect(hub.model.moduleTwin("api-dev-1", "$edgeAgent")).toMatchObject({ properties: { reported: { lastDesiredStatus: { code: 200 } } } });
  expect((await call("GET", edgeHubTwin, own)).status).toBe(200);
  // Azure/iotedge #80, #809: the device twin stays Disconnected; #2733: so does $edgeAgent's module.
  expect([connection(), connection("$edgeAgent"), connection("$edgeHub")]).toEqual(["Disconnected", "Disconnected", "Connected"]);
  expect((await call("POST", "/devices/api-dev-1/disconnect", own)).status).toBe(204);
  expect([connection(), connection("$edgeAgent"), connection("$edgeHub")]).toEqual(["Disconnected", "Disconnected", "Disconnected"]);
});

test.each([
  ["another certificate with the same CN", { cert: other.identityCertPem, key: other.identityKeyPem }, "not registered"],
  ["no client certificate", undefined, "no client certificate"],
])("%s: 401 with the hub's error body", async (_, client, reason) => {
  const got = await call("GET", twin, client);
  expect(got.status).toBe(401);
  expect(got.json.Message).toBe("ErrorCode:IotHubUnauthorizedAccess;Unauthorized");
  expect(hub.deviceApi.refused.at(-1)).toMatchObject({ deviceId: "api-dev-1", reason: expect.stringContaining(reason) });
  expect(connection("$edgeHub")).toBe("Disconnected");
});

test("the service API still wants its SAS token: the device paths are the only ones a certificate opens", async () => {
  const got = await call("GET", "/devices/api-dev-1", own);
  expect(got.status).toBe(401);
  expect(got.json.Message).toMatch(/^ErrorCode:IotHubUnauthorizedAccess;Unauthorized: no Authorization header/);
});

describe("certificateAuthority identities: the chain must end at a CA registered and verified on the hub", () => {
  const direct = makeCaSignedDevice("ca-dev-1", { caName: "fleet" });
  const viaIntermediate = makeCaSignedDevice("ca-dev-2", { intermediate: true, caName: "fleet2" });
  const wrongCn = makeCaSignedDevice("someone-else", { caName: "fleet3" });
  const twinOf = (id: string) => `/devices/${id}/modules/%24edgeAgent/twin`;
  const as = (d: { identityCertPem: string; identityKeyPem: string }) => ({ cert: d.identityCertPem, key: d.identityKeyPem });

  beforeAll(async () => {
    for (const id of ["ca-dev-1", "ca-dev-2", "ca-dev-3"]) {
      await registry.create({
        deviceId: id,
        status: "enabled",
        capabilities: { iotEdge: true },
        authentication: { type: "certificateAuthority" },
      } as never);
    }
  });

  test("refused (401) until the signing CA is registered, and while it is registered but not verified", async () => {
    expect((await call("GET", twinOf("ca-dev-1"), as(direct))).status).toBe(401);
    expect(hub.deviceApi.refused.at(-1)!.reason).toContain("does not end at a CA certificate registered and verified on the hub");
    hub.model.registerCertificate("fleet-root", direct.rootCertPem, false);
    expect((await call("GET", twinOf("ca-dev-1"), as(direct))).status).toBe(401);
    hub.model.registerCertificate("fleet-root", direct.rootCertPem, true);
    expect((await call("GET", twinOf("ca-dev-1"), as(direct))).status).toBe(200);
  });

  test("a chain through an intermediate the device sends ends at the verified root; the intermediate alone also serves", async () => {
    expect((await call("GET", twinOf("ca-dev-2"), as(viaIntermediate))).status).toBe(401);
    hub.model.registerCertificate("fleet2-intermediate", viaIntermediate.intermediateCertPem!, true);
    expect((await call("GET", twinOf("ca-dev-2"), as(viaIntermediate))).status).toBe(200);
    hub.model.certificates.delete("fleet2-intermediate");
    hub.model.registerCertificate("fleet2-root", viaIntermediate.rootCertPem, true);
    expect((await call("GET", twinOf("ca-dev-2"), as(viaIntermediate))).status).toBe(200);
    // Without the intermediate in what the device sends, the chain breaks.
    const leafOnly = viaIntermediate.identityCertPem.slice(0, viaIntermediate.identityCertPem.indexOf("-----END CERTIFICATE-----") + 26);
    expect((await call("GET", twinOf("ca-dev-2"), { cert: leafOnly, key: viaIntermediate.identityKeyPem })).status).toBe(401);
  });

  test("a certificate from a verified CA whose CN is another device's id is refused", async () => {
    hub.model.registerCertificate("fleet3-root", wrongCn.rootCertPem, true);
    expect((await call("GET", twinOf("ca-dev-3"), as(wrongCn))).status).toBe(401);
    expect(hub.deviceApi.refused.at(-1)!.reason).toBe("certificate CN someone-else is not the device id");
  });
});
