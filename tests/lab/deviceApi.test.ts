// The IoT Hub stand-in's device side (our own HTTPS + mTLS stand-in API, iotHubDeviceApi.ts): a
// device is let in by the thumbprint of the certificate it presents in the TLS handshake, as the
// hub authenticates X.509 devices; anything else gets the hub's 401. Identities are registered
// through the real azure-iothub client.
import { X509Certificate } from "node:crypto";
import { Agent, request } from "node:https";
import { Registry } from "azure-iothub";
import { IotHubStandin } from "../standins/iotHubStandin";
import { makeDeviceCertificates } from "../hosts/testCertificates";

let hub: IotHubStandin;
const device = makeDeviceCertificates("api-dev-1");
const other = makeDeviceCertificates("api-dev-1");
const thumbprint = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, "");

beforeAll(async () => {
  hub = await IotHubStandin.start({ address: "127.0.8.100" });
  const registry = Registry.fromConnectionString(hub.connectionString);
  (registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({ http: { agent: new Agent({ ca: hub.caCertPem }) } });
  await registry.create({
    deviceId: "api-dev-1",
    status: "enabled",
    capabilities: { iotEdge: true },
    authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: thumbprint(device.identityCertPem) } },
  } as never);
});
afterAll(() => hub.stop());

function call(method: string, path: string, client?: { cert: string; key: string }, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hub.hostName, port: 443, method, path: `${path}?api-version=2021-04-12`, ca: hub.caCertPem, ...(client ?? {}), agent: false, headers: { "Content-Type": "application/json" } },
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

test("the registered certificate reads the twin, reports, and shows the device Connected until it disconnects", async () => {
  const got = await call("GET", twin, own);
  expect(got.status).toBe(200);
  expect(got.json.desired.$version).toBe(1);
  expect(hub.model.get("api-dev-1").device.connectionState).toBe("Connected");
  expect((await call("PATCH", `${twin}/reported`, own, { lastDesiredStatus: { code: 200 } })).status).toBe(204);
  expect(hub.model.moduleTwin("api-dev-1", "$edgeAgent")).toMatchObject({ properties: { reported: { lastDesiredStatus: { code: 200 } } } });
  expect((await call("POST", "/devices/api-dev-1/disconnect", own)).status).toBe(204);
  expect(hub.model.get("api-dev-1").device.connectionState).toBe("Disconnected");
});

test.each([
  ["another certificate with the same CN", { cert: other.identityCertPem, key: other.identityKeyPem }, "not registered"],
  ["no client certificate", undefined, "no client certificate"],
])("%s: 401 with the hub's error body", async (_, client, reason) => {
  const got = await call("GET", twin, client);
  expect(got.status).toBe(401);
  expect(got.json.Message).toBe("ErrorCode:IotHubUnauthorizedAccess;Unauthorized");
  expect(hub.deviceApi.refused.at(-1)).toMatchObject({ deviceId: "api-dev-1", reason: expect.stringContaining(reason) });
  expect(hub.model.get("api-dev-1").device.connectionState).toBe("Disconnected");
});

test("the service API still wants its SAS token: the device paths are the only ones a certificate opens", async () => {
  const got = await call("GET", "/devices/api-dev-1", own);
  expect(got.status).toBe(401);
  expect(got.json.Message).toMatch(/^ErrorCode:IotHubUnauthorizedAccess;Unauthorized: no Authorization header/);
});
