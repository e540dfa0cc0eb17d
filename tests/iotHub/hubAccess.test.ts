// Hub access: checks of the access fields, the settings → access choice, and Entra ID tokens
// reaching the stand-in through Registry.fromTokenCredential.
import * as pulumi from "@pulumi/pulumi";
import type { TokenCredential } from "@azure/identity";
import { hostNameInConnectionString, hubAccessProblems, withRegistry } from "../../components/iotHub/hubAccess";
import { hubAccessInputs } from "../../components/iotHub/hubAccessArgs";
import { useAgent } from "../../components/iotHub/registryAgent";
import { iotHubSchema } from "../../components/config/settings";
import { IotHubStandin } from "../../lab/standins/iotHubStandin";

let hub: IotHubStandin;
beforeAll(async () => (hub = await IotHubStandin.start({ address: "127.0.4.5", bearerTokens: ["entra-token-1"] })));
afterAll(() => hub.stop());

const CS = "HostName=h.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5";

test("access problems name the field and never quote the connection string", () => {
  expect(hostNameInConnectionString(CS)).toBe("h.azure-devices.net");
  expect(hubAccessProblems({ hubHostName: "h.azure-devices.net", hubAuth: "connectionString", connectionString: CS })).toEqual([]);
  expect(hubAccessProblems({ hubHostName: "h.azure-devices.net", hubAuth: "entraId" })).toEqual([]);
  expect(hubAccessProblems({ hubHostName: "h.azure-devices.net", hubAuth: "connectionString" })).toEqual([
    "a connection string is required when hubAuth is connectionString (iotHub.connectionString)",
  ]);
  const other = hubAccessProblems({ hubHostName: "other.azure-devices.net", hubAuth: "connectionString", connectionString: CS });
  expect(other).toEqual(["the connection string is for h.azure-devices.net, not for the hub other.azure-devices.net"]);
  const broken = hubAccessProblems({
    hubHostName: "h.azure-devices.net",
    hubAuth: "connectionString",
    connectionString: "HostName=h.azure-devices.net;Key=a2V5",
  });
  expect(broken).toEqual(["the connection string must have HostName, SharedAccessKeyName and SharedAccessKey"]);
  expect(broken.join()).not.toContain("a2V5");
});

test("the connection string becomes a secret input; the other access fields stay plain", async () => {
  const inputs = hubAccessInputs({ hostName: "myhub.azure-devices.net", auth: "connectionString", connectionString: CS });
  expect(await pulumi.isSecret(inputs.connectionString as pulumi.Output<string>)).toBe(true);
  expect(inputs).toMatchObject({ hubHostName: "myhub.azure-devices.net", hubAuth: "connectionString", trustedCaPem: undefined });
  expect(hubAccessInputs({ hostName: "myhub.azure-devices.net", auth: "entraId" }).connectionString).toBeUndefined();
});

test("iotHub.readinessTimeoutSeconds defaults to 600 and is bounded", () => {
  expect(iotHubSchema.parse({ name: "hub" }).readinessTimeoutSeconds).toBe(600);
  expect(
    iotHubSchema.safeParse({ name: "hub", readinessTimeoutSeconds: 5 }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
  ).toEqual(["readinessTimeoutSeconds: must be at least 30 seconds"]);
});

test("Entra ID: the registry sends the credential's token for the IoT Hub scope", async () => {
  const scopes: unknown[] = [];
  const credential = (token: string): TokenCredential => ({
    getToken: async (scope) => (scopes.push(scope), { token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  });
  const access = { hubHostName: hub.hostName, hubAuth: "entraId" as const, trustedCaPem: hub.caCertPem };
  const created = await withRegistry(
    access,
    (r) => r.create({ deviceId: "entra-1", capabilities: { iotEdge: true }, authentication: { type: "certificateAuthority" } } as never),
    credential("entra-token-1"),
  );
  expect((created.responseBody as { deviceId: string }).deviceId).toBe("entra-1");
  expect(scopes).toEqual(["https://iothubs.azure.net/.default"]);
  expect(hub.requests[0].headers.authorization).toBe("Bearer entra-token-1");
  await expect(withRegistry(access, (r) => r.get("entra-1"), credential("stolen"))).rejects.toThrow(
    "Unauthorized: bearer token not accepted",
  );
});

test("an expired SAS token is refused", async () => {
  const { SharedAccessSignature } = require("azure-iothub/dist/common-core/shared_access_signature");
  const key = hub.connectionString.split("SharedAccessKey=")[1];
  const expired = SharedAccessSignature.create(hub.hostName, "iothubowner", key, Math.floor(Date.now() / 1000) - 10).toString();
  const { Registry } = require("azure-iothub");
  const registry = Registry.fromSharedAccessSignature(`HostName=${hub.hostName};SharedAccessSignature=${expired}`);
  const https = require("node:https");
  useAgent(registry, new https.Agent({ ca: hub.caCertPem }));
  await expect(registry.get("entra-1")).rejects.toThrow("Unauthorized: the token has expired");
});
