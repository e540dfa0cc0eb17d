// IotHubDeviceProvider against the IoT Hub stand-in, through the real azure-iothub client.
import { IotHubDeviceProvider, type IotHubDeviceInputs, type IotHubDeviceOutputs } from "../../components/iotHub/iotHubDevice.provider";
import type { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { FAST_RETRY, startHub, THUMB_A, THUMB_A_HUB, THUMB_B, THUMB_C } from "./hubFixture";
import { type HubAccess, withRegistry } from "../../components/iotHub/hubAccess";

let hub: IotHubStandin;
let access: HubAccess;
const provider = new IotHubDeviceProvider(FAST_RETRY);

beforeAll(async () => ({ hub, access } = await startHub("127.0.4.1")));
afterAll(() => hub.stop());
beforeEach(() => hub.clearLog());

function inputs(deviceId: string, extra: Partial<IotHubDeviceInputs> = {}): IotHubDeviceInputs {
  return {
    ...access,
    deviceId,
    authType: "selfSigned",
    primaryThumbprint: THUMB_A,
    secondaryThumbprint: THUMB_B,
    status: "enabled",
    adoptExisting: false,
    ...extra,
  };
}

/** An identity someone else registered (through the real client, as `az iot hub device-identity create` would). */
async function registeredElsewhere(device: Record<string, unknown>): Promise<void> {
  await withRegistry(access, (registry) => registry.create(device as never));
  hub.clearLog();
}

/** The hub's connection string with another key: the hub answers 401. */
function wrongKey(): string {
  return access.connectionString!.replace(/SharedAccessKey=.*/, `SharedAccessKey=${Buffer.alloc(32, 7).toString("base64")}`);
}

function stored(deviceId: string): Record<string, any> {
  return hub.model.get(deviceId).device;
}

test("create registers an edge-enabled self-signed identity with both thumbprints, upper case", async () => {
  const { id, outs } = await provider.create(inputs("create-1"));
  expect(id).toBe("create-1");
  expect(stored("create-1")).toMatchObject({
    status: "enabled",
    capabilities: { iotEdge: true },
    authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: THUMB_A_HUB, secondaryThumbprint: THUMB_B } },
  });
  expect(outs).toMatchObject({
    deviceId: "create-1",
    primaryThumbprint: THUMB_A_HUB,
    secondaryThumbprint: THUMB_B,
    adopted: false,
    etag: stored("create-1").etag,
  });
  expect(hub.requests.map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual(["PUT /devices/create-1?api-version=2021-04-12 200"]);
  expect(hub.requests[0].headers["if-match"]).toBeUndefined();
});

test("a CA-signed identity carries no thumbprints", async () => {
  const { outs } = await provider.create(
    inputs("ca-1", { authType: "certificateAuthority", primaryThumbprint: undefined, secondaryThumbprint: undefined }),
  );
  expect(stored("ca-1").authentication).toMatchObject({
    type: "certificateAuthority",
    x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
  });
  expect(outs!.authType).toBe("certificateAuthority");
  expect(outs!.primaryThumbprint).toBeUndefined();
});

test("diff: thumbprints and status update in place, a new id or hub replaces, case and colons are no change", async () => {
  const { outs } = await provider.create(inputs("diff-1"));
  const d = (news: Partial<IotHubDeviceInputs>) => provider.diff("diff-1", outs!, inputs("diff-1", news));
  expect(await d({ primaryThumbprint: THUMB_A_HUB.toLowerCase() })).toEqual({ changes: false, replaces: [] });
  expect(await d({ secondaryThumbprint: THUMB_C })).toEqual({ changes: true, replaces: [] });
  expect(await d({ status: "disabled" })).toEqual({ changes: true, replaces: [] });
  expect(await d({ authType: "certificateAuthority", primaryThumbprint: undefined, secondaryThumbprint: undefined })).toEqual({
    changes: true,
    replaces: [],
  });
  expect(await d({ deviceId: "diff-2" })).toEqual({ changes: true, replaces: ["deviceId"] });
  expect(await d({ hubHostName: "other.azure-devices.net" })).toEqual({ changes: true, replaces: ["hubHostName"] });
  expect(await d({ hubHostName: access.hubHostName.toUpperCase() })).toEqual({ changes: false, replaces: [] });
  expect(hub.requests.length).toBe(1); // diff never calls the hub
});

test("update applies new thumbprints and status in place; a rotated connection string alone sends nothing", async () => {
  const { outs } = await provider.create(inputs("upd-1"));
  const before = stored("upd-1").etag;
  const { outs: updated } = await provider.update("upd-1", outs!, inputs("upd-1", { secondaryThumbprint: THUMB_C, status: "disabled" }));
  expect(stored("upd-1")).toMatchObject({
    status: "disabled",
    authentication: { x509Thumbprint: { secondaryThumbprint: THUMB_C.toUpperCase() } },
  });
  expect(stored("upd-1").etag).not.toBe(before);
  expect(updated).toMatchObject({ status: "disabled", secondaryThumbprint: THUMB_C.toUpperCase(), etag: stored("upd-1").etag });
  expect(hub.requests[1]).toMatchObject({ method: "PUT", status: 200, headers: { "if-match": '"*"' } });

  hub.clearLog();
  const rotated = `${access.connectionString};` as string;
  const { outs: same } = await provider.update(
    "upd-1",
    updated as IotHubDeviceOutputs,
    inputs("upd-1", { secondaryThumbprint: THUMB_C, status: "disabled", connectionString: rotated }),
  );
  expect(hub.requests).toEqual([]);
  expect(same).toMatchObject({ connectionString: rotated, etag: updated!.etag });
});

test("update recreates an identity deleted behind the stack's back", async () => {
  const { outs } = await provider.create(inputs("upd-2"));
  hub.model.delete("upd-2", undefined);
  await provider.update("upd-2", outs!, inputs("upd-2", { status: "disabled" }));
  expect(stored("upd-2").status).toBe("disabled");
});

test("delete removes the identity; deleting one already gone is not an error", async () => {
  const { id, outs } = await provider.create(inputs("del-1"));
  await provider.delete(id, outs!);
  expect(hub.model.identities.has("del-1")).toBe(false);
  await expect(provider.delete(id, outs!)).resolves.toBeUndefined();
  expect(hub.requests.slice(-2).map((r) => `${r.method} ${r.status}`)).toEqual(["DELETE 204", "DELETE 404"]);
});

test("delete fails on a refusal other than 404, naming the device, and the identity stays", async () => {
  const { id, outs } = await provider.create(inputs("del-2"));
  await expect(provider.delete(id, { ...outs!, connectionString: wrongKey() })).rejects.toThrow(
    /^IoT Hub refused deleting device 'del-2' on \S+: 401 IotHubUnauthorizedAccess: Unauthorized: the token signature does not match$/,
  );
  expect(hub.model.identities.has("del-2")).toBe(true);
});

test("an identity that already exists is refused with how to adopt it, and left untouched", async () => {
  await registeredElsewhere({
    deviceId: "taken-1",
    authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: THUMB_C } },
    capabilities: { iotEdge: true },
  });
  const etag = stored("taken-1").etag;
  const error = await provider.create(inputs("taken-1")).catch((e: Error) => e);
  expect((error as Error).message).toContain("already has a device identity 'taken-1' (409 DeviceAlreadyExists)");
  expect((error as Error).message).toContain("pulumi config set --path 'edge:iotHub.adoptExistingIdentities' true");
  expect(stored("taken-1").etag).toBe(etag);
  expect(hub.requests.map((r) => r.status)).toEqual([409]);
});

test("with adoption on, an existing identity is taken over and marked adopted", async () => {
  await registeredElsewhere({
    deviceId: "taken-2",
    authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: THUMB_C } },
    capabilities: { iotEdge: false },
  });
  const { outs } = await provider.create(inputs("taken-2", { adoptExisting: true }));
  expect(outs!.adopted).toBe(true);
  expect(stored("taken-2")).toMatchObject({
    capabilities: { iotEdge: true },
    authentication: { x509Thumbprint: { primaryThumbprint: THUMB_A_HUB } },
  });
  expect(hub.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["PUT 409", "PUT 200"]);
});

test("a burst of 429s and 5xx is survived with backoff", async () => {
  hub.failNext(429, 429, 503, 429, 500);
  const { outs } = await provider.create(inputs("burst-1"));
  expect(outs!.deviceId).toBe("burst-1");
  expect(hub.requests.map((r) => r.status)).toEqual([429, 429, 503, 429, 500, 200]);
});

test("a create whose answer was lost is not mistaken for someone else's identity on the retry", async () => {
  hub.loseNextAnswers(503);
  const { outs } = await provider.create(inputs("lost-1"));
  expect(outs).toMatchObject({ deviceId: "lost-1", adopted: false, primaryThumbprint: THUMB_A_HUB });
  expect(hub.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["PUT 503", "PUT 409", "GET 200"]);
});

test("retries are bounded and the final error quotes the hub's code", async () => {
  hub.failNext(...Array(FAST_RETRY.maxAttempts).fill(429));
  await expect(provider.create(inputs("burst-2"))).rejects.toThrow(
    `IoT Hub refused creating device 'burst-2' on 127.0.4.1: 429 ThrottlingException: Throttling: the request rate exceeds the hub's limit (gave up after ${FAST_RETRY.maxAttempts} attempts)`,
  );
  expect(hub.model.identities.has("burst-2")).toBe(false);
});

test("a refusal that is not transient is not retried: a wrong key is 401 at once", async () => {
  await expect(provider.create(inputs("auth-1", { connectionString: wrongKey() }))).rejects.toThrow(
    /401 IotHubUnauthorizedAccess: Unauthorized: the token signature does not match$/,
  );
  expect(hub.requests.length).toBe(1);
});

test("the shared access key is never sent, logged, returned in an error, or put anywhere in outputs but the connection string", async () => {
  const key = hub.sharedAccessKeyValue;
  const { outs } = await provider.create(inputs("secret-1"));
  await provider.delete("secret-1", outs!);
  const error = await provider.create(inputs("secret-2", { primaryThumbprint: "zz" })).catch((e: Error) => e.message);
  hub.failNext(...Array(FAST_RETRY.maxAttempts).fill(503));
  const error2 = await provider.create(inputs("secret-3")).catch((e: Error) => e.message);
  for (const r of hub.requests) {
    expect(JSON.stringify(r)).not.toContain(key);
    expect(JSON.stringify(r)).not.toContain(encodeURIComponent(key));
  }
  expect(hub.requests[0].headers.authorization).toMatch(/^SharedAccessSignature sr=127\.0\.4\.1&sig=[^&]+&skn=iothubowner&se=\d+$/);
  const { connectionString, ...rest } = outs as IotHubDeviceOutputs;
  expect(connectionString).toBe(access.connectionString);
  expect(JSON.stringify(rest)).not.toContain(key);
  for (const message of [error, error2]) expect(message).not.toContain(key);
});

test("check reports bad thumbprints and thumbprints on a CA-signed identity, and skips values not known yet", async () => {
  const bad = await provider.check(inputs("chk-1"), inputs("chk-1", { primaryThumbprint: "abc" }));
  expect(bad.failures).toEqual([
    {
      property: "primaryThumbprint",
      reason: "primaryThumbprint must be the SHA-1 (40 hex) or SHA-256 (64 hex) of the certificate's DER, got 3 characters",
    },
  ]);
  const ca = await provider.check(inputs("chk-1"), inputs("chk-1", { authType: "certificateAuthority" }));
  expect(ca.failures).toEqual([
    { property: "authType", reason: "certificateAuthority authentication takes no thumbprints; remove them or use selfSigned" },
  ]);
  const unknown = await provider.check(inputs("chk-1"), inputs("chk-1", { primaryThumbprint: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }));
  expect(unknown.failures).toBeUndefined();
  await expect(provider.create(inputs("chk-1", { primaryThumbprint: "abc" }))).rejects.toThrow("primaryThumbprint must be");
  expect(hub.requests).toEqual([]);
});

describe("Entra ID on a hub the stack just created: the granted role takes minutes to apply", () => {
  const token = "entra-token-granted";
  const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const entra = new IotHubDeviceProvider(FAST_RETRY, credential);
  const grant = { role: "IoT Hub Data Contributor", principalId: "11111111-2222-3333-4444-555555555555", pollSeconds: 0.05 };
  const entraInputs = (deviceId: string, waitSeconds: number) =>
    inputs(deviceId, { hubAuth: "entraId", connectionString: undefined, accessGrant: { ...grant, waitSeconds } });

  test("401 is waited out until the role applies, then the identity is created", async () => {
    // The role "applies" once the hub has refused the token three times: driven by what the hub saw, not by the clock.
    hub.clearLog();
    const granted = (async () => {
      while (hub.countOf(401) < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      hub.acceptBearerToken(token);
    })();
    const { outs } = await entra.create(entraInputs("granted-1", 5));
    await granted;
    expect(outs).toMatchObject({ deviceId: "granted-1", adopted: false });
    expect(hub.countOf(401)).toBeGreaterThanOrEqual(3);
    expect(stored("granted-1").deviceId).toBe("granted-1");
  });

  test("after the wait, the error names the role, the principal and the setting", async () => {
    const stranger = new IotHubDeviceProvider(FAST_RETRY, {
      getToken: async () => ({ token: "never-granted", expiresOnTimestamp: Date.now() + 3_600_000 }),
    });
    const started = Date.now();
    const error = (await stranger.create(entraInputs("granted-2", 0.3)).catch((e: Error) => e)) as Error;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.message).toMatch(
      /^IoT Hub refused creating device 'granted-2' on \S+: 401 IotHubUnauthorizedAccess: Unauthorized: bearer token not accepted\. /,
    );
    expect(error.message).toContain(
      'The stack granted "IoT Hub Data Contributor" on this hub to principal 11111111-2222-3333-4444-555555555555 (the identity running pulumi up), ' +
        "and it had not taken effect after 0.3 s (iotHub.roleAssignmentWaitSeconds).",
    );
  });

  test("without a grant, 401 is final at once", async () => {
    const stranger = new IotHubDeviceProvider(FAST_RETRY, {
      getToken: async () => ({ token: "never-granted", expiresOnTimestamp: Date.now() + 3_600_000 }),
    });
    hub.clearLog();
    await expect(stranger.create(inputs("granted-3", { hubAuth: "entraId", connectionString: undefined }))).rejects.toThrow(
      /401 IotHubUnauthorizedAccess/,
    );
    expect(hub.countOf(401)).toBe(1);
  });
});
