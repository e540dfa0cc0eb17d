// The lab's config handling (pure): what Pulumi.lab.yaml makes the lab start, the values it sets in
// its copy, the settings that exist for it, and the per-device results read from engine events.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { labConfigValues, labPlanOf, labStackYaml } from "../../lab/drivers/labConfig";
import { labDevices, type LabEndpoints } from "../../lab/drivers/labServices";
import { changedUrns, deviceResults, readEvents } from "../../lab/drivers/upEvents";
import { settingsFromStackFiles } from "../../components/config/readSettings";
import { validateFleet } from "../../components/config/validateFleet";

const root = join(__dirname, "..", "..");
const read = (f: string) => readFileSync(join(root, f), "utf8");

test("Pulumi.lab.yaml: two existing hosts on 127.0.7.x, hub and vault stand-ins, Key Vault certificates, nothing secret", () => {
  const text = read("Pulumi.lab.yaml");
  expect(text).not.toMatch(/secure:|PRIVATE KEY|SharedAccessKey/);
  expect(labPlanOf(text)).toEqual({
    hubAddress: "127.0.7.1",
    vaultAddress: "127.0.7.2",
    devices: [
      {
        id: "lab-edge-01",
        address: "127.0.7.10",
        port: 2222,
        certificateName: "lab-edge-01-identity",
        edgeCaCertificateName: "lab-edge-01-edge-ca",
      },
      {
        id: "lab-edge-02",
        address: "127.0.7.11",
        port: 2222,
        certificateName: "lab-edge-02-identity",
        edgeCaCertificateName: "lab-edge-02-edge-ca",
      },
    ],
  });
});

/** The lab stack's settings with the secrets `npm start` sets, changed by `edit`; the settings errors. */
function labStackErrors(edit: (raw: Record<string, any>) => void = () => undefined): string[] {
  const raw: Record<string, any> = settingsFromStackFiles(read("Pulumi.yaml"), read("Pulumi.lab.yaml"));
  raw.iotHub.connectionString = "HostName=127.0.7.1;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5";
  for (const d of raw.devices) d.host.privateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n";
  edit(raw);
  const result = validateFleet(raw, (f) => read(f));
  return result.ok ? [] : result.errors.map((e) => `${e.setting}: ${e.message}`);
}

test("with its secrets set, the lab stack passes every settings check", () => {
  expect(labStackErrors()).toEqual([]);
});

test("challengeResourceVerification false is refused unless the vault URL is a loopback address", () => {
  expect(labStackErrors((raw) => (raw.keyVault.url = "https://kv-edge.vault.azure.net"))).toEqual([
    expect.stringMatching(/^keyVault\.challengeResourceVerification: may be false only for a local stand-in/),
  ]);
  expect(labStackErrors((raw) => (raw.keyVault.challengeResourceVerification = true))).toEqual([]);
});

test("iotHub.hostName must be a host name or an address", () => {
  expect(labStackErrors((raw) => (raw.iotHub.hostName = "hub/with a path"))).toEqual([
    expect.stringMatching(/^iotHub\.hostName: must be a host name or IPv4 address/),
  ]);
});

test("a stack file the lab cannot run is refused with every reason", () => {
  const bad = labStackYaml({ hubAddress: "10.0.0.1", vaultAddress: "127.0.7.2", devices: labDevices(["a"], "127.0.7.10") }).replace(
    "source: keyVault",
    "source: generate",
  );
  expect(() => labPlanOf(bad)).toThrow(/must be source keyVault[\s\S]*10\.0\.0\.1 is not a loopback address/);
});

test("the copy gets the vault URL and host keys in plain text, the connection string and private keys as secrets", () => {
  const plan = labPlanOf(read("Pulumi.lab.yaml"));
  const host = (n: number) => ({
    address: `127.0.7.1${n}`,
    port: 2222,
    user: "root",
    privateKeyFile: `key-${n}`,
    hostKey: `ssh-ed25519 HOST${n}`,
  });
  const endpoints = {
    vaultUrl: "https://127.0.7.2:41234",
    connectionStringFile: "cs",
    hosts: { "lab-edge-01": host(0), "lab-edge-02": host(1) },
  } as unknown as LabEndpoints;
  const values = labConfigValues(plan, endpoints, (f) => `<${f}>`);
  expect(values.plain).toEqual({
    "edge:keyVault.url": "https://127.0.7.2:41234",
    "edge:devices[0].host.hostKey": "ssh-ed25519 HOST0",
    "edge:devices[1].host.hostKey": "ssh-ed25519 HOST1",
  });
  expect(values.secrets).toEqual({
    "edge:iotHub.connectionString": "<cs>",
    "edge:devices[0].host.privateKey": "<key-0>",
    "edge:devices[1].host.privateKey": "<key-1>",
  });
});

test("Pulumi.lab-dps.yaml: a DPS stand-in on 127.0.7.3 with the stack's id scope, two certificateAuthority devices, nothing secret", () => {
  const text = read("Pulumi.lab-dps.yaml");
  expect(text).not.toMatch(/secure:|PRIVATE KEY|SharedAccessKey/);
  const plan = labPlanOf(text);
  expect(plan).toMatchObject({ hubAddress: "127.0.7.1", vaultAddress: "127.0.7.2", dps: { address: "127.0.7.3", idScope: "0ne0000a001" } });
  expect(plan.devices.map((d) => [d.id, d.address, d.authentication])).toEqual([
    ["lab-dps-01", "127.0.7.20", "certificateAuthority"],
    ["lab-dps-02", "127.0.7.21", "certificateAuthority"],
  ]);
  // The hub-mode lab starts no DPS.
  expect(labPlanOf(read("Pulumi.lab.yaml")).dps).toBeUndefined();
});

test("a DPS stack the lab cannot run: devices register where the service is, with its id scope, signed by the fleet CA", () => {
  const devices = labDevices(["a"], "127.0.7.10");
  const yaml = labStackYaml({
    hubAddress: "127.0.7.1",
    vaultAddress: "127.0.7.2",
    devices,
    dps: { address: "127.0.7.3", idScope: "0ne0000a001" },
  });
  expect(() =>
    labPlanOf(yaml.replace("globalEndpoint: https://127.0.7.3/", "globalEndpoint: https://global.azure-devices-provisioning.net")),
  ).toThrow(/globalEndpoint must be https:\/\/127\.0\.7\.3\/[\s\S]*devices\[0\]\.certificate\.authentication must be certificateAuthority/);
  expect(() => labPlanOf(yaml.replace(/idScope: .*/, "").replace("hostName: 127.0.7.3", "hostName: 10.1.1.1"))).toThrow(
    /globalEndpoint must be https:\/\/10\.1\.1\.1\/[\s\S]*idScope must be set[\s\S]*10\.1\.1\.1 is not a loopback address/,
  );
});

test("in DPS mode the copy also gets the DPS's service connection string, as a secret", () => {
  const plan = labPlanOf(read("Pulumi.lab-dps.yaml"));
  const host = { address: "127.0.7.20", port: 2222, user: "root", privateKeyFile: "key", hostKey: "ssh-ed25519 HOST" };
  const endpoints = {
    vaultUrl: "https://127.0.7.2:41234",
    connectionStringFile: "cs",
    hosts: { "lab-dps-01": host, "lab-dps-02": host },
    dps: { hostName: "127.0.7.3", idScope: "0ne0000a001", connectionStringFile: "dps-cs", fleetCaFile: "fleet-ca.pem" },
  } as unknown as LabEndpoints;
  const values = labConfigValues(plan, endpoints, (f) => `<${f}>`);
  expect(values.secrets).toMatchObject({ "edge:iotHub.connectionString": "<cs>", "edge:provisioning.dps.connectionString": "<dps-cs>" });
  expect(Object.values(values.plain).join()).not.toContain("dps-cs");
  expect(() => labConfigValues(plan, { ...endpoints, dps: undefined }, (f) => f)).toThrow(/no DPS stand-in; run `npm run lab:down` first/);
});

describe("device results from the engine's events", () => {
  const urn = (type: string, name: string) => `urn:pulumi:lab::edge::edge:fleet:EdgeFleet$edge:device:EdgeDevice$${type}::${name}`;
  const component = (id: string) => `urn:pulumi:lab::edge::edge:fleet:EdgeFleet$edge:device:EdgeDevice::fleet-${id}`;
  const ev = (seenAt: number, event: Record<string, unknown>) => ({ seenAt, event });
  const pre = (u: string, op: string) => ({ resourcePreEvent: { metadata: { op, urn: u } } });
  const out = (u: string, op: string) => ({ resOutputsEvent: { metadata: { op, urn: u } } });
  const gate = (id: string) => urn("pulumi-nodejs:dynamic/iotHub:EdgeReadiness", `fleet-${id}-iothub-ready`);
  const step = (id: string) => urn("command:remote:Command", `fleet-${id}-bootstrap-converge`);

  test("ready, unchanged and failed devices, each with its own time; ids that prefix others are told apart", () => {
    const events = [
      ev(0, pre(component("a"), "create")),
      ev(0, pre(component("a-1"), "same")),
      ev(0, pre(component("b"), "create")),
      ev(1000, pre(step("a"), "create")),
      ev(4000, out(step("a"), "create")),
      ev(4000, pre(gate("a"), "create")),
      ev(9000, out(gate("a"), "create")),
      ev(1000, pre(gate("a-1"), "same")),
      ev(1000, out(gate("a-1"), "same")),
      ev(2000, pre(gate("b"), "update")),
      ev(7000, { resOpFailedEvent: { metadata: { op: "update", urn: gate("b") } } }),
      ev(7000, { diagnosticEvent: { urn: gate("b"), severity: "error", message: "device 'b': not Connected\n" } }),
    ];
    expect(deviceResults(events)).toEqual([
      { id: "a", status: "ready", ms: 9000, changed: 2, errors: [] },
      { id: "a-1", status: "unchanged", ms: 0, changed: 0, errors: [] },
      { id: "b", status: "failed", ms: 7000, changed: 0, errors: ["device 'b': not Connected"] },
    ]);
    expect(changedUrns(events).map((s) => s.op)).toEqual(["create", "create", "create", "create", "update"]);
  });

  test("event log lines: blank and cut lines are skipped", () => {
    expect(readEvents(['{"sequence":1}', "", '{"seq'], 5).map((e) => e.event)).toEqual([{ sequence: 1 }]);
  });
});
