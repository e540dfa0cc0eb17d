// End to end with the real engine: the lab's Pulumi CLI (lab/tools/install-pulumi), the command provider
// and the program's dynamic providers run for real against a lab of three devices — SSH test hosts
// with the edge-runtime simulator — and the IoT Hub and Key Vault stand-ins, all on 127.0.8.x. The
// third authenticates with certificateAuthority: its CA is put on the hub as an operator would.
// One lab is shared by the cases, in order: each starts from the state the previous one left.
// Needs root (mount namespaces, port 443), openssh-server, openssl; the first CLI build takes ~7 min.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { labConfigValues, labStackYaml } from "../../lab/drivers/labConfig";
import { labPulumi } from "../../lab/drivers/labMachine";
import { LabServices, labDevices } from "../../lab/drivers/labServices";
import { type LabPulumi, LabStack, PROJECT_DIR } from "../../lab/drivers/labStack";
import { changedUrns, changeSummary } from "../../lab/drivers/upEvents";
import { deviceStateBytes } from "../../lab/drivers/stateSize";
import { scriptBundle, STAGING_ROOT } from "../../components/bootstrap/deviceScripts";
import { expectPackagedProvider } from "../support/packagedProviders";
import { treeListing } from "../support/treeListing";

jest.setTimeout(40 * 60_000);

const HUB = "127.0.8.1";
const VAULT = "127.0.8.2";
const caDevice = { ...labDevices(["e2e-ca"], "127.0.8.12")[0], authentication: "certificateAuthority" as const };
const devices = [...labDevices(["e2e-01", "e2e-02"], "127.0.8.10"), caDevice];
const [first, second] = devices;
const HUB_CA_NAME = "lab-e2e-ca-root";
const dir = mkdtempSync(join(tmpdir(), "edge-e2e-"));
const manifestOf = (id: string) => join(dir, `${id}.manifest.json`);
const baseManifest = JSON.parse(readFileSync(join(PROJECT_DIR, "manifests", "simulated-temperature.json"), "utf8"));
let lab: LabServices;
let stack: LabStack;
let pulumi: LabPulumi;
// The user's own plugin cache, as it was before the lab's Pulumi was installed and run.
const userPlugins = join(process.env.PULUMI_HOME || join(homedir(), ".pulumi"), "plugins");
let userPluginsBefore: string[];

/** [id, status] of each device, by id (the engine's event order varies). */
const statuses = (up: { devices: { id: string; status: string }[] }) => up.devices.map((d) => [d.id, d.status]).sort();
const agentTwin = (id: string) => lab.hub.model.get(id).modules.get("$edgeAgent")!;
const onDevice = (id: string, command: string) => {
  const host = lab.endpoints.hosts[id];
  try {
    return execFileSync(
      "ssh",
      [
        "-i",
        host.privateKeyFile,
        "-p",
        String(host.port),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        `root@${host.address}`,
        command,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (e) {
    return `${(e as { stdout?: string }).stdout ?? ""}${(e as { stderr?: string }).stderr ?? ""}`;
  }
};
const identityThumbprint = (id: string) => {
  const cert = lab.vault.latest(`lab-${id}-identity`)!.cer;
  return new X509Certificate(cert).fingerprint256.replace(/:/g, "");
};

beforeAll(async () => {
  userPluginsBefore = treeListing(userPlugins);
  // The lab's Pulumi the way `npm start` gets it (the CLI built once into ~/.cache; cached afterwards).
  pulumi = labPulumi();
  for (const d of devices) writeFileSync(manifestOf(d.id), JSON.stringify(baseManifest, null, 2));
  lab = await LabServices.start({ dir: join(dir, "services"), hubAddress: HUB, vaultAddress: VAULT, devices });
  stack = new LabStack({ stateDir: join(dir, "state"), stack: "lab", pulumi, endpoints: lab.endpoints });
  const yaml = labStackYaml({
    hubAddress: HUB,
    vaultAddress: VAULT,
    devices,
    readinessTimeoutSeconds: 30,
    manifests: Object.fromEntries(devices.map((d) => [d.id, manifestOf(d.id)])),
  });
  const values = labConfigValues({ hubAddress: HUB, vaultAddress: VAULT, devices }, lab.endpoints, (f) => readFileSync(f, "utf8"));
  await stack.prepare(yaml, values.plain, values.secrets);
  process.stderr.write(`e2e: the lab's Pulumi: ${await stack.engine()}\n`);
  // The operator uploads the CA that signed the CA device's identity and marks it verified.
  lab.registerHubCertificate(HUB_CA_NAME, lab.caFiles.get(caDevice.id)!);
});

afterAll(async () => {
  if (stack && existsSync(stack.configFile) && lab?.hub.model.identities.size) await stack.destroy();
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("up converges: every device passes its readiness gate, one of them after its sshd refused connections for 20 s", async () => {
  const refusing = await lab.hosts.get(second.id)!.refuseFor(20_000);
  const startedAt = Date.now();
  const up = await stack.up();
  await refusing.restarted;
  expect(up.stderr + up.stdout).not.toMatch(/error:/);
  expect(up.code).toBe(0);
  expect(statuses(up)).toEqual(devices.map((d) => [d.id, "ready"]));
  // The refusing host could only be bootstrapped once its sshd was back (the others take ~10 s).
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(20_000);
  expect(up.devices.find((d) => d.id === second.id)!.ms).toBeGreaterThan(up.devices.find((d) => d.id === first.id)!.ms);
  for (const d of devices) {
    const identity = lab.hub.model.get(d.id).device as {
      connectionState: string;
      authentication: { type: string; x509Thumbprint: { primaryThumbprint: string | null } };
    };
    if (d.authentication === "certificateAuthority") {
      expect(identity.authentication).toMatchObject({ type: "certificateAuthority", x509Thumbprint: { primaryThumbprint: null } });
    } else {
      expect(identity.authentication.x509Thumbprint.primaryThumbprint).toBe(identityThumbprint(d.id));
    }
    // An edge device's own twin stays Disconnected; its runtime shows as the $edgeHub module (Azure/iotedge #80).
    expect(identity.connectionState).toBe("Disconnected");
    expect(lab.hub.model.moduleTwin(d.id, "$edgeHub").connectionState).toBe("Connected");
    const twin = agentTwin(d.id);
    expect(twin.reported.lastDesiredStatus).toMatchObject({ code: 200 });
    expect(twin.reported.lastDesiredVersion).toBe(twin.desired.$version);
    for (const file of ["/etc/aziot/config.toml", "/var/aziot/secrets/device-identity.key.pem"])
      expect(existsSync(lab.hosts.get(d.id)!.path(file))).toBe(true);
    expect(onDevice(d.id, "iotedge list")).toMatch(/SimulatedTemperatureSensor\s+running/);
    // config.toml's hostname is the host's own name, read over SSH: iotedge check's hostname check passes.
    expect(onDevice(d.id, "iotedge check")).toContain("\u221a identityd config toml file specifies a valid hostname - OK");
  }
});

test("a second up changes nothing", async () => {
  const up = await stack.up();
  expect(up.code).toBe(0);
  const summary = changeSummary(up.events)!;
  expect(Object.keys(summary)).toEqual(["same"]);
  expect(changedUrns(up.events)).toEqual([]);
  expect(statuses(up)).toEqual(devices.map((d) => [d.id, "unchanged"]));
});

/**
 * The state a device takes in the real state file (compact JSON of its resources), at most: issue
 * 16's goal. With the scripts staged on the host, the providers required from the provider package
 * and the bootstrap as one converge step (plus the copy and, on an existing host, the cleanup step)
 * a lab device takes ~29 KB (docs/benchmarks.md says what it is made of); with six steps ~49 KB,
 * with the providers serialized and longer commands ~85 KB, with the scripts in every step's
 * command too ~200 KB.
 */
const STATE_BYTES_PER_DEVICE_BOUND = 30 * 1024;

test("each device's share of the state file: the bootstrap steps carry the scripts' hash, not the scripts", () => {
  const state = JSON.parse(readFileSync(stack.stateFile, "utf8"));
  const resources = state.checkpoint.latest.resources as Array<{ urn: string; type: string }>;
  const bytes = deviceStateBytes(
    resources,
    devices.map((d) => d.id),
  );
  process.stderr.write(`e2e: state per device (bytes): ${JSON.stringify(bytes)}\n`);
  for (const d of devices) {
    expect({ device: d.id, within: bytes[d.id] <= STATE_BYTES_PER_DEVICE_BOUND }).toEqual({ device: d.id, within: true });
  }
  const steps = resources.filter((r) => r.type === "command:remote:Command");
  // Existing hosts: the cleanup and converge steps of each device, and nothing else.
  expect(steps.map((r) => (r as { urn: string }).urn.replace(/^.*-bootstrap-/, "")).sort()).toEqual(
    devices.flatMap(() => ["cleanup", "converge"]).sort(),
  );
  for (const step of steps) expect(JSON.stringify(step)).not.toContain("wait_for_cloud_init");
  // Components nobody reads the outputs of keep none (the certificates' would repeat the PEMs and keys).
  const components = resources.filter((r) => ["edge:bootstrap:DeviceBootstrap", "edge:certificates:DeviceCertificates"].includes(r.type));
  expect(components).toHaveLength(2 * devices.length);
  for (const c of components)
    expect({ urn: c.urn, outputs: (c as { outputs?: object }).outputs ?? {} }).toEqual({ urn: c.urn, outputs: {} });
});

test("the state holds each dynamic resource's provider as a require of the provider package, not its code", () => {
  const state = JSON.parse(readFileSync(stack.stateFile, "utf8"));
  const dynamicResources = (
    state.checkpoint.latest.resources as Array<{ type: string; inputs: Record<string, string>; outputs: Record<string, string> }>
  ).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
  expect(dynamicResources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/iotHub:"))).toHaveLength(3 * devices.length);
  for (const r of dynamicResources) for (const provider of [r.inputs.__provider, r.outputs.__provider]) expectPackagedProvider(provider);
});

test("a changed manifest: preview shows only that device's deployment changing, and up applies it", async () => {
  const before = { first: agentTwin(first.id).desired.$version, second: agentTwin(second.id).desired.$version };
  const changed = structuredClone(baseManifest);
  changed.modulesContent.SimulatedTemperatureSensor["properties.desired"].SendInterval = 11;
  changed.modulesContent.$edgeAgent["properties.desired"].modules.SimulatedTemperatureSensor.settings.image =
    "mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.6";
  writeFileSync(manifestOf(first.id), JSON.stringify(changed, null, 2));

  const preview = await stack.preview();
  expect(preview.code).toBe(0);
  const steps = changedUrns(preview.events).map((s) => `${s.op} ${s.urn.slice(s.urn.lastIndexOf("::") + 2)}`);
  expect(steps).toContain(`update fleet-${first.id}-iothub-deployment`);
  // Only the first device's deployment, and its gate (which waits on the new version), change.
  expect(steps.filter((s) => !s.endsWith("-iothub-ready"))).toEqual([`update fleet-${first.id}-iothub-deployment`]);
  expect(steps.every((s) => s.includes(`fleet-${first.id}-`))).toBe(true);

  const up = await stack.up();
  expect(up.code).toBe(0);
  expect(statuses(up)).toEqual([
    [first.id, "ready"],
    [second.id, "unchanged"],
    [caDevice.id, "unchanged"],
  ]);
  expect(Number(agentTwin(first.id).desired.$version)).toBeGreaterThan(Number(before.first));
  expect(agentTwin(second.id).desired.$version).toBe(before.second);
  expect(lab.hub.model.get(first.id).modules.get("SimulatedTemperatureSensor")!.desired.SendInterval).toBe(11);
  expect(agentTwin(first.id).reported.lastDesiredVersion).toBe(agentTwin(first.id).desired.$version);
  expect(onDevice(first.id, "iotedge list")).toContain("azureiotedge-simulated-temperature-sensor:1.6");
});

test("a wrong certificate registered on the hub: the hub refuses the device (401) and the readiness gate fails naming it", async () => {
  // Someone registers another certificate's thumbprint for the second device, by hand.
  const auth = (lab.hub.model.get(second.id).device as { authentication: { x509Thumbprint: Record<string, string> } }).authentication;
  auth.x509Thumbprint = { primaryThumbprint: "AB".repeat(32), secondaryThumbprint: "CD".repeat(32) };
  const changed = structuredClone(baseManifest);
  changed.modulesContent.SimulatedTemperatureSensor["properties.desired"].SendInterval = 12;
  writeFileSync(manifestOf(second.id), JSON.stringify(changed, null, 2));

  const up = await stack.up();
  expect(up.code).not.toBe(0);
  const result = up.devices.find((d) => d.id === second.id)!;
  expect(result.status).toBe("failed");
  const gateError = result.errors.join("\n");
  expect(gateError).toContain(`device '${second.id}'`);
  expect(gateError).toMatch(/did not become ready within 30 s/);
  expect(gateError).toMatch(/has not reported|last answered desired version/);
  // The gate's message names the 401 the hub gives an unregistered certificate.
  expect(gateError).toContain("401 (ErrorCode:IotHubUnauthorizedAccess)");
  expect(up.devices.find((d) => d.id === first.id)!.status).not.toBe("failed");
  // The hub refused the device's certificate with 401, and the device says so.
  expect(lab.hub.deviceApi.refused.some((r) => r.deviceId === second.id && /not registered/.test(r.reason))).toBe(true);
  expect(onDevice(second.id, "iotedge list")).toMatch(
    /edgeAgent\s+backoff\s+IoT Hub 127\.0\.8\.1 refused the connection: 401 ErrorCode:IotHubUnauthorizedAccess/,
  );
  expect(onDevice(second.id, "iotedge check")).toContain("401");
});

test("a certificateAuthority device whose CA is not on the hub: the hub refuses it (401) and the gate fails naming it", async () => {
  // The operator removes the CA (`az iot hub certificate delete`); a new deployment makes the gate wait again.
  lab.deleteHubCertificate(HUB_CA_NAME);
  const changed = structuredClone(baseManifest);
  changed.modulesContent.SimulatedTemperatureSensor["properties.desired"].SendInterval = 13;
  writeFileSync(manifestOf(caDevice.id), JSON.stringify(changed, null, 2));

  const up = await stack.up();
  expect(up.code).not.toBe(0);
  const result = up.devices.find((d) => d.id === caDevice.id)!;
  expect(result.status).toBe("failed");
  const gateError = result.errors.join("\n");
  expect(gateError).toContain(`device '${caDevice.id}'`);
  expect(gateError).toMatch(/did not become ready within 30 s/);
  expect(gateError).toContain("401 (ErrorCode:IotHubUnauthorizedAccess)");
  expect(gateError).toContain("one whose chain does not end at a CA certificate registered and verified on the hub");
  expect(
    lab.hub.deviceApi.refused.some(
      (r) => r.deviceId === caDevice.id && /does not end at a CA certificate registered and verified/.test(r.reason),
    ),
  ).toBe(true);
  expect(onDevice(caDevice.id, "iotedge list")).toMatch(/edgeAgent\s+backoff\s+IoT Hub 127\.0\.8\.1 refused the connection: 401/);
  // Put back, the device reaches readiness again on the next run.
  lab.registerHubCertificate(HUB_CA_NAME, lab.caFiles.get(caDevice.id)!);
});

test("a device gone for good (its sshd never comes back): decommissioned, the next up drops its device-side steps without running them", async () => {
  await lab.hosts.get(second.id)!.stopSshd();
  await stack.runOk(["config", "set", "--path", "edge:devices[1].decommissioned", "true"]);
  const startedAt = Date.now();
  const up = await stack.up();
  expect(up.stderr + up.stdout).not.toMatch(/error:/);
  expect(up.code).toBe(0);
  expect(up.stderr + up.stdout).toContain(`device ${second.id} is decommissioned: no bootstrap step runs on its host`);
  const steps = changedUrns(up.events).map((s) => `${s.op} ${s.urn.slice(s.urn.lastIndexOf("::") + 2)}`);
  const onSecond = steps.filter((s) => s.includes(`fleet-${second.id}-bootstrap`));
  // The converge step (no delete command) and the copy of the scripts go (removing them runs nothing); the cleanup step stays, unchanged.
  expect(onSecond.sort()).toEqual(["converge", "scripts"].map((st) => `delete fleet-${second.id}-bootstrap-${st}`));
  // Far below one dial budget of a dead host (60 dials with back-off: minutes).
  expect(Date.now() - startedAt).toBeLessThan(90_000);
});

test("destroy removes the hub identities and the device files (a decommissioned device's host is not dialled); the vault's certificates (the operator's) stay", async () => {
  const seeded = lab.vault.names().live;
  const destroyed = await stack.destroy();
  expect(destroyed.code).toBe(0);
  expect([...lab.hub.model.identities.keys()]).toEqual([]);
  const files = [
    "/etc/aziot/config.toml",
    "/var/aziot/certs/device-identity.cert.pem",
    "/var/aziot/secrets/device-identity.key.pem",
    "/var/aziot/secrets/edge-ca.key.pem",
    "/var/lib/edge-bootstrap/applied.sha256",
  ];
  // With the device scripts the steps ran, staged in the SSH user's home.
  const staged = (id: string) => lab.hosts.get(id)!.path(join(lab.hosts.get(id)!.home, STAGING_ROOT));
  for (const file of files) expect(existsSync(lab.hosts.get(first.id)!.path(file))).toBe(false);
  expect(existsSync(staged(first.id))).toBe(false);
  expect(onDevice(first.id, "iotedge list").trim().split("\n")).toHaveLength(1);
  // The decommissioned device's cleanup step left the state without running: its files are what the warning said may be left.
  for (const file of files) expect(existsSync(lab.hosts.get(second.id)!.path(file))).toBe(true);
  expect(readdirSync(staged(second.id))).toEqual([scriptBundle().sha256]);
  // Key Vault source: the stack reads these certificates and creates no Key Vault entries of its own.
  expect(lab.vault.names()).toEqual({ live: seeded, deleted: [] });
});

test("the lab's Pulumi home holds the command plugin the lab ran with; the user's plugin cache is as it was", async () => {
  // The lab's environment sets PULUMI_HOME and puts no plugin binary on PATH: this cache is the only place the engine looked.
  expect(stack.env().PULUMI_HOME).toBe(pulumi.home);
  const listed = await stack.runOk(["plugin", "ls", "--json"], { withConfig: false, cwd: dir });
  const plugins = JSON.parse(listed.stdout) as Array<{ name: string; kind: string; version: string }>;
  const commandVersion = JSON.parse(readFileSync(join(PROJECT_DIR, "node_modules", "@pulumi", "command", "package.json"), "utf8")).version;
  expect(plugins.filter((p) => p.kind === "resource").map((p) => `${p.name} ${p.version}`)).toEqual([`command ${commandVersion}`]);
  expect(treeListing(userPlugins)).toEqual(userPluginsBefore);
});
