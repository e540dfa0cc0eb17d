// The lab's DPS side on a real SSH test host, as `npm start -- --dps` runs it (LabServices with a
// DPS stand-in linked to the hub stand-in, identities signed by the lab's fleet CA in the vault):
// `iotedge config apply` with the program's own config.toml (renderConfigToml, `source = "dps"`),
// then the edge-runtime simulator registers through the DPS stand-in with the real
// azure-iot-provisioning-device-http client and its X.509 identity, and connects to the hub DPS
// assigned. The enrollment group is made with the real service client, as the stack's provider
// would. Needs root (mount namespaces, port 443), openssh-server, openssl.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderConfigToml, type DpsX509Provisioning } from "../../components/bootstrap/configToml";
import { DEVICE_FILES } from "../../components/bootstrap/devicePaths";
import { withProvisioningService } from "../../components/dps/provisioningAccess";
import { LabServices, labDevices } from "../../lab/drivers/labServices";
import { runRemoteCommand } from "../../lab/hosts/sshRunner";
import type { TestHost } from "../../lab/hosts/testHost";
import type { DpsStandin } from "../../lab/standins/dpsStandin";
import type { IotHubStandin } from "../../lab/standins/iotHubStandin";

jest.setTimeout(120_000);

const DEVICE = "dps-sim-01";
const AGENT_IMAGE = "mcr.microsoft.com/azureiotedge-agent:1.6";
const dir = mkdtempSync(join(tmpdir(), "edge-sim-dps-"));
const labDevice = { ...labDevices([DEVICE], "127.0.10.30")[0], authentication: "certificateAuthority" as const };
let lab: LabServices;
let hub: IotHubStandin;
let dps: DpsStandin;
let host: TestHost;
/** The identity the lab put into the vault for the device: its chain (leaf, fleet CA) and key. */
let device: { identityCertPem: string; identityKeyPem: string };

beforeAll(async () => {
  lab = await LabServices.start({
    dir,
    hubAddress: "127.0.10.21",
    vaultAddress: "127.0.10.22",
    devices: [labDevice],
    dps: { address: "127.0.10.20", idScope: "0ne0000b002" },
  });
  [hub, dps, host] = [lab.hub, lab.dps!, lab.hosts.get(DEVICE)!];
  const seeded = lab.vault.latest(labDevice.certificateName)!.secretValue;
  const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----\n?/.exec(seeded)![0];
  device = { identityCertPem: seeded.replace(key, ""), identityKeyPem: key };
  const fleetCaPem = readFileSync(lab.endpoints.dps!.fleetCaFile, "utf8");
  const access = { dpsHostName: dps.hostName, dpsConnectionString: readFileSync(lab.endpoints.dps!.connectionStringFile, "utf8") };
  // The CA bundle the lab gives the engine trusts the DPS stand-in (the provider reads NODE_EXTRA_CA_CERTS; here, its own option).
  await withProvisioningService({ ...access, dpsTrustedCaPem: readFileSync(lab.endpoints.caBundleFile, "utf8") }, (client) =>
    client.createOrUpdateEnrollmentGroup({
      enrollmentGroupId: "lab-fleet",
      attestation: { type: "x509", x509: { signingCertificates: { primary: { certificate: fleetCaPem } } } },
      capabilities: { iotEdge: true },
      initialTwin: { tags: { fleet: "lab" }, properties: { desired: {} } },
      provisioningStatus: "enabled",
      allocationPolicy: "static",
      iotHubs: [hub.hostName],
    } as never),
  );
});

afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the lab's DPS side: the stand-in with the stack's id scope, its connection string a 0600 file, identities signed by the fleet CA, no CA on the hub", () => {
  expect(lab.endpoints.dps).toMatchObject({ hostName: "127.0.10.20", idScope: "0ne0000b002" });
  expect(statSync(lab.endpoints.dps!.connectionStringFile).mode & 0o777).toBe(0o600);
  const [leaf, ca] = device.identityCertPem.split(/(?<=-----END CERTIFICATE-----\n)/).map((pem) => new X509Certificate(pem));
  const fleetCa = new X509Certificate(readFileSync(lab.endpoints.dps!.fleetCaFile, "utf8"));
  expect([leaf.subject, leaf.checkIssued(fleetCa), ca.fingerprint256]).toEqual([`CN=${DEVICE}`, true, fleetCa.fingerprint256]);
  expect(lab.caFiles.size).toBe(0);
  expect(hub.model.certificates.size).toBe(0);
});

/** Puts the identity files where the bootstrap puts them, with aziot's owners and modes, and config.toml. */
function placeDevice(
  provisioning: Partial<DpsX509Provisioning>,
  identity: { cert?: string; key: string } = { cert: device.identityCertPem, key: device.identityKeyPem },
): void {
  const put = (file: { path: string; owner: string; mode: string }, text: string | undefined, dirMode: number) => {
    const [user] = file.owner.split(":");
    const ids = { uid: Number(runId("-u", user)), gid: Number(runId("-g", user)) };
    const path = host.path(file.path);
    mkdirSync(join(path, ".."), { recursive: true });
    chownSync(join(path, ".."), ids.uid, ids.gid);
    chmodSync(join(path, ".."), dirMode);
    rmSync(path, { force: true });
    if (text === undefined) return;
    writeFileSync(path, text);
    chownSync(path, ids.uid, ids.gid);
    chmodSync(path, parseInt(file.mode, 8));
  };
  put(DEVICE_FILES["identity-cert"], identity.cert, 0o755);
  put(DEVICE_FILES["identity-key"], identity.key, 0o700);
  const config = renderConfigToml({
    hostname: host.hostname,
    provisioning: { source: "dps", globalEndpoint: `https://${dps.hostName}/`, idScope: dps.idScope, ...provisioning },
    edgeCa: false,
    trustBundle: false,
    agentImage: AGENT_IMAGE,
  });
  mkdirSync(host.path("/etc/aziot"), { recursive: true });
  writeFileSync(host.path("/etc/aziot/config.toml"), config, { mode: 0o600 });
}

function runId(flag: string, user: string): string {
  return execFileSync("id", [flag, user], { encoding: "utf8" }).trim();
}

async function onHost(command: string): Promise<{ code: number; out: string }> {
  try {
    const r = await runRemoteCommand(host.connection, command);
    return { code: r.code, out: r.stdout + r.stderr };
  } catch (e) {
    const r = (e as { result?: { code: number; stdout: string; stderr: string } }).result;
    return { code: r?.code ?? -1, out: r ? r.stdout + r.stderr : String(e) };
  }
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const agentCode = () =>
  (hub.model.identities.get(DEVICE)?.modules.get("$edgeAgent")?.reported.lastDesiredStatus as { code?: number } | undefined)?.code;

test("config apply refuses what aziot refuses: an identity certificate that is missing, a global_endpoint that is not a URL", async () => {
  placeDevice({}, { key: device.identityKeyPem });
  const missing = await onHost("iotedge config apply");
  expect(missing.code).not.toBe(0);
  expect(missing.out).toContain(`identity_cert: ${DEVICE_FILES["identity-cert"].path} does not exist`);

  placeDevice({});
  const config = host.path("/etc/aziot/config.toml");
  writeFileSync(
    config,
    readFileSync(config, "utf8").replace(/^global_endpoint = .*$/m, 'global_endpoint = "global.azure-devices-provisioning.net"'),
  );
  const notUrl = await onHost("iotedge config apply");
  expect(notUrl.code).not.toBe(0);
  expect(notUrl.out).toContain('provisioning.global_endpoint "global.azure-devices-provisioning.net" is not a URL');
  expect(dps.requests.filter((r) => r.url.includes("/registrations/"))).toEqual([]);
});

test("an id scope DPS does not know: config apply takes it (aziot reads any string), DPS refuses the registration with 401 and the device never reaches the hub", async () => {
  placeDevice({ idScope: "lab-hub.azure-devices.net" });
  expect((await onHost("iotedge config apply")).code).toBe(0);
  const refused = await until("DPS to refuse", () => dps.model.refused.find((r) => r.registrationId === DEVICE));
  expect(refused.reason).toBe("unknown id scope lab-hub.azure-devices.net");
  expect(dps.requests.find((r) => r.url.startsWith("/lab-hub.azure-devices.net/registrations/"))).toMatchObject({
    method: "PUT",
    status: 401,
  });
  const list = await until("iotedge list to name the refusal", async () => {
    const out = (await onHost("iotedge list")).out;
    return out.includes("did not provision") ? out : undefined;
  });
  expect(list).toMatch(
    /edgeAgent\s+backoff\s+DPS https:\/\/127\.0\.10\.20\/ did not provision dps-sim-01: UnauthorizedError 401 \{"errorCode":401002/,
  );
  expect(hub.model.identities.has(DEVICE)).toBe(false);
  expect((await onHost("iotedge check")).code).not.toBe(0);
});

test("the device registers through DPS with its certificate, is created in the assigned hub with the group's tags, and its agent reaches that hub", async () => {
  dps.clearLog();
  placeDevice({});
  expect((await onHost("iotedge config apply")).code).toBe(0);
  // The agent reports 417 (no deployment yet) once it reads its twin over mutual TLS at the hub DPS assigned.
  await until("the agent to report to the hub", () => (agentCode() === 417 ? true : undefined));
  const identity = hub.model.get(DEVICE);
  expect(identity.device).toMatchObject({ capabilities: { iotEdge: true }, authentication: { type: "selfSigned" } });
  expect(hub.model.deviceTwin(DEVICE).tags).toEqual({ fleet: "lab" });
  // register → 202 assigning, one poll still assigning, then 200 assigned (REST "Runtime Registration").
  expect(
    dps.requests.map((r) => `${r.method} ${r.url.replace(/\?.*$/, "").replace(/operations\/[^/]+$/, "operations/<id>")} ${r.status}`),
  ).toEqual([
    `PUT /${dps.idScope}/registrations/${DEVICE}/register 202`,
    `GET /${dps.idScope}/registrations/${DEVICE}/operations/<id> 202`,
    `GET /${dps.idScope}/registrations/${DEVICE}/operations/<id> 200`,
  ]);
  expect((await onHost("iotedge check")).out).toContain(`edge device can connect to IoT Hub ${hub.hostName}`);
});

test("deleted from the hub, the device registers again through DPS and comes back; a restart uses the kept assignment", async () => {
  hub.model.delete(DEVICE, undefined);
  await until("the device to be back in the hub", () => (hub.model.identities.has(DEVICE) && agentCode() === 417 ? true : undefined)).catch(
    (e) => {
      throw new Error(
        `${(e as Error).message}; agent log:\n${readFileSync(host.path("/var/lib/aziot/edge-runtime-simulator/agent.log"), "utf8").slice(-3000)}`,
      );
    },
  );
  expect(dps.requests.filter((r) => r.method === "PUT")).toHaveLength(2);
  dps.clearLog();
  const reportedVersion = () => Number(hub.model.get(DEVICE).modules.get("$edgeAgent")!.reported.$version);
  const before = reportedVersion();
  expect((await onHost("iotedge config apply")).code).toBe(0);
  // The restarted agent reports at once (it starts with nothing reported), from the kept assignment.
  await until("the restarted agent to report", () => (reportedVersion() > before ? true : undefined));
  expect(dps.requests).toEqual([]);
});
