// End to end in DPS mode with the real engine: the lab's Pulumi CLI (lab/tools/install-pulumi), the
// command provider and the program's dynamic providers run for real against two SSH test hosts with
// the edge-runtime simulator, the IoT Hub and Key Vault stand-ins and the DPS stand-in linked to the
// hub, all on 127.0.11.x. The stack makes the enrollment group and one at-scale deployment and no hub
// identity: each simulator registers its device through DPS with the real device client, then
// connects to the hub DPS assigned. One lab is shared by the cases, in order.
// Needs root (mount namespaces, port 443), openssh-server, openssl; the first CLI build takes ~7 min.
import { execFileSync } from "node:child_process";
import { Agent } from "node:https";
import { Registry } from "azure-iothub";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labConfigValues, type LabPlan, labStackYaml } from "../../lab/drivers/labConfig";
import { labPulumi } from "../../lab/drivers/labMachine";
import { LabServices, labDevices } from "../../lab/drivers/labServices";
import { LabStack, PROJECT_DIR } from "../../lab/drivers/labStack";
import { changedUrns, changeSummary } from "../../lab/drivers/upEvents";

jest.setTimeout(40 * 60_000);

const HUB = "127.0.11.1";
const VAULT = "127.0.11.2";
const DPS = { address: "127.0.11.3", idScope: "0ne0000e2e1" };
const devices = labDevices(["e2e-dps-01", "e2e-dps-02"], "127.0.11.10").map((d) => ({
  ...d,
  authentication: "certificateAuthority" as const,
}));
const plan: LabPlan = { hubAddress: HUB, vaultAddress: VAULT, devices, dps: DPS };
const dir = mkdtempSync(join(tmpdir(), "edge-e2e-dps-"));
const manifestFile = join(dir, "fleet.manifest.json");
const baseManifest = JSON.parse(readFileSync(join(PROJECT_DIR, "manifests", "simulated-temperature.json"), "utf8"));
let lab: LabServices;
let stack: LabStack;

const statuses = (up: { devices: { id: string; status: string }[] }) => up.devices.map((d) => [d.id, d.status]).sort();
const agentTwin = (id: string) => lab.hub.model.get(id).modules.get("$edgeAgent")!;
const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
const typeOf = (urn: string) => urn.split("::")[2] ?? "";
/** Steps that are not waits: the readiness gates wait on the new deployment, they change nothing in Azure. */
const changes = (steps: { urn: string; op: string }[]) => steps.filter((s) => !/Readiness|Gate/.test(typeOf(s.urn)));
const onDevice = (id: string, command: string) => {
  const host = lab.endpoints.hosts[id];
  try {
    return execFileSync(
      "ssh",
      [
        ...["-i", host.privateKeyFile, "-p", String(host.port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"],
        ...["-o", "LogLevel=ERROR", `root@${host.address}`, command],
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
  } catch (e) {
    return `${(e as { stdout?: string }).stdout ?? ""}${(e as { stderr?: string }).stderr ?? ""}`;
  }
};
/** SHA-1 thumbprint of the identity the lab put into the vault for the device (its leaf, the chain's first). */
const identityThumbprint = (id: string) => new X509Certificate(lab.vault.latest(`lab-${id}-identity`)!.cer).fingerprint.replace(/:/g, "");
/** The hub's at-scale deployments, read with the real azure-iothub client (GET /configurations). */
async function deploymentIds(): Promise<string[]> {
  const registry = Registry.fromConnectionString(readFileSync(lab.endpoints.connectionStringFile, "utf8"));
  const agent = new Agent({ ca: lab.hub.caCertPem });
  (registry as unknown as { _restApiClient: { setOptions(o: unknown): void } })._restApiClient.setOptions({ http: { agent } });
  try {
    return (await registry.getConfigurations()).responseBody.map((c) => c.id);
  } finally {
    agent.destroy();
  }
}
const registrations = () => lab.dps!.requests.filter((r) => r.method === "PUT" && r.url.includes("/registrations/"));

beforeAll(async () => {
  const pulumi = labPulumi();
  writeFileSync(manifestFile, JSON.stringify(baseManifest, null, 2));
  lab = await LabServices.start({ dir: join(dir, "services"), hubAddress: HUB, vaultAddress: VAULT, devices, dps: DPS });
  stack = new LabStack({ stateDir: join(dir, "state"), stack: "lab-dps", pulumi, endpoints: lab.endpoints });
  const yaml = labStackYaml({
    hubAddress: HUB,
    vaultAddress: VAULT,
    devices,
    readinessTimeoutSeconds: 60,
    dps: { ...DPS, tags: { site: "e2e" } },
    manifest: manifestFile,
  });
  const values = labConfigValues(plan, lab.endpoints, (f) => readFileSync(f, "utf8"));
  await stack.prepare(yaml, values.plain, values.secrets);
  process.stderr.write(`e2e (dps): the lab's Pulumi: ${await stack.engine()}\n`);
});

afterAll(async () => {
  if (stack && existsSync(stack.configFile) && (lab?.hub.model.identities.size || lab?.dps?.model.groups.size)) await stack.destroy();
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("up: both devices register through DPS with their certificates, and the one at-scale deployment reaches both", async () => {
  const up = await stack.up();
  expect(up.stderr + up.stdout).not.toMatch(/error:/);
  expect(up.code).toBe(0);
  expect(statuses(up)).toEqual(devices.map((d) => [d.id, "ready"]));
  // One enrollment group, one deployment; no hub CA, no per-device deployment.
  expect(lab.dps!.model.groups.size).toBe(1);
  expect(await deploymentIds()).toHaveLength(1);
  expect(lab.hub.model.certificates.size).toBe(0);
  for (const d of devices) {
    // DPS registered it (the device's own PUT), in the hub by its certificate's thumbprint.
    expect(lab.dps!.model.registrations.get(d.id)).toMatchObject({ assignedHub: HUB });
    const identity = lab.hub.model.get(d.id);
    expect(identity.device).toMatchObject({
      capabilities: { iotEdge: true },
      authentication: { type: "selfSigned", x509Thumbprint: { primaryThumbprint: identityThumbprint(d.id) } },
    });
    expect(lab.hub.model.deviceTwin(d.id).tags).toMatchObject({ site: "e2e" });
    expect(identity.applied).toEqual([]);
    // The deployment reached it, and the agent reports it ($edgeAgent rules: 200 for the desired version).
    expect(agentTwin(d.id).reported.lastDesiredStatus).toMatchObject({ code: 200 });
    expect(agentTwin(d.id).reported.lastDesiredVersion).toBe(agentTwin(d.id).desired.$version);
    expect(lab.hub.model.moduleTwin(d.id, "$edgeHub").connectionState).toBe("Connected");
    const config = readFileSync(lab.hosts.get(d.id)!.path("/etc/aziot/config.toml"), "utf8");
    expect(config).toMatch(/^source = "dps"$/m);
    expect(config).toContain(`global_endpoint = "https://${DPS.address}/"`);
    expect(config).toContain(`id_scope = "${DPS.idScope}"`);
    expect(config).not.toContain("iothub_hostname");
    expect(onDevice(d.id, "iotedge list")).toMatch(/SimulatedTemperatureSensor\s+running/);
  }
  // Each device's registration was accepted (one refused before the group existed would have been retried).
  for (const d of devices)
    expect(registrations().filter((r) => r.url.includes(`/registrations/${d.id}/`) && r.status === 202)).not.toEqual([]);
});

test("a second up changes nothing, and no device registers again", async () => {
  const before = registrations().length;
  const up = await stack.up(["--expect-no-changes"]);
  expect(up.code).toBe(0);
  expect(Object.keys(changeSummary(up.events)!)).toEqual(["same"]);
  expect(changedUrns(up.events)).toEqual([]);
  expect(statuses(up)).toEqual(devices.map((d) => [d.id, "unchanged"]));
  expect(registrations()).toHaveLength(before);
});

test("a changed manifest previews as one change to one deployment, however many devices; up brings it to both", async () => {
  const [deploymentId] = await deploymentIds();
  const before = devices.map((d) => Number(agentTwin(d.id).desired.$version));
  const changed = structuredClone(baseManifest);
  changed.modulesContent.SimulatedTemperatureSensor["properties.desired"].SendInterval = 11;
  changed.modulesContent.$edgeAgent["properties.desired"].modules.SimulatedTemperatureSensor.settings.image =
    "mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.6";
  writeFileSync(manifestFile, JSON.stringify(changed, null, 2));

  const preview = await stack.preview();
  expect(preview.code).toBe(0);
  const changedResources = [...new Set(changes(changedUrns(preview.events)).map((s) => s.urn))];
  expect(changedResources).toHaveLength(1);
  expect(typeOf(changedResources[0])).toMatch(/AtScaleDeployment$/);
  // No device's own resources change: nothing per device but the waits.
  for (const d of devices) expect(changes(changedUrns(preview.events)).some((s) => nameOf(s.urn).includes(d.id))).toBe(false);

  const up = await stack.up();
  expect(up.stderr + up.stdout).not.toMatch(/error:/);
  expect(up.code).toBe(0);
  expect(await deploymentIds()).toHaveLength(1);
  devices.forEach((d, i) => {
    expect(Number(agentTwin(d.id).desired.$version)).toBeGreaterThan(before[i]);
    expect(lab.hub.model.get(d.id).modules.get("SimulatedTemperatureSensor")!.desired.SendInterval).toBe(11);
    expect(agentTwin(d.id).reported.lastDesiredVersion).toBe(agentTwin(d.id).desired.$version);
    expect(agentTwin(d.id).reported.lastDesiredStatus).toMatchObject({ code: 200 });
    expect(onDevice(d.id, "iotedge list")).toContain("azureiotedge-simulated-temperature-sensor:1.6");
  });
  process.stderr.write(`e2e (dps): deployment ${deploymentId} -> ${(await deploymentIds()).join(", ")}\n`);
});

test("destroy leaves no enrollment group, deployment or device in the stand-ins, and no device files", async () => {
  const destroyed = await stack.destroy();
  expect(destroyed.stderr + destroyed.stdout).not.toMatch(/error:/);
  expect(destroyed.code).toBe(0);
  expect([...lab.dps!.model.groups.keys()]).toEqual([]);
  expect(await deploymentIds()).toEqual([]);
  expect([...lab.hub.model.identities.keys()]).toEqual([]);
  for (const d of devices) {
    for (const file of ["/etc/aziot/config.toml", "/var/aziot/secrets/device-identity.key.pem"]) {
      expect(existsSync(lab.hosts.get(d.id)!.path(file))).toBe(false);
    }
  }
  await stack.remove();
});
