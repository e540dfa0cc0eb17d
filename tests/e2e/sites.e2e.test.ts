// End to end, a fleet split over stacks (README "A fleet in several stacks"), with the real engine on
// the file backend, as the lab runs it: a fleet-core stack (stackRole core: the hub and vault
// stand-ins, nothing in Azure) and two site stacks (stackRole site) of two devices each, which read
// the core through a StackReference (organization/edge/<core>). Core first, then both sites at once;
// then the sites are destroyed (at once), then the core, and no stack and no identity is left.
// On 127.0.10.x, beside the single-stack e2e (127.0.8.x). Needs root, as tests/e2e/lab.e2e.test.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labConfigValues, labCoreStackYaml, labSiteStackYaml, splitLabConfigValues } from "../../lab/drivers/labConfig";
import { labPulumi } from "../../lab/drivers/labMachine";
import { LabServices, labDevices } from "../../lab/drivers/labServices";
import { LabStack } from "../../lab/drivers/labStack";

jest.setTimeout(40 * 60_000);

const HUB = "127.0.10.1";
const VAULT = "127.0.10.2";
const CORE = "sites-core";
// The file backend's fully qualified name: organization/<project>/<stack>.
const CORE_REFERENCE = `organization/edge/${CORE}`;
const sites = {
  "site-a": labDevices(["site-a-01", "site-a-02"], "127.0.10.10"),
  "site-b": labDevices(["site-b-01", "site-b-02"], "127.0.10.20"),
};
const allDevices = Object.values(sites).flat();
const dir = mkdtempSync(join(tmpdir(), "edge-sites-e2e-"));
let lab: LabServices;
let core: LabStack;
let siteStacks: Record<string, LabStack>;

const statuses = (up: { devices: { id: string; status: string }[] }) => up.devices.map((d) => [d.id, d.status]).sort();

beforeAll(async () => {
  const pulumi = labPulumi();
  lab = await LabServices.start({ dir: join(dir, "services"), hubAddress: HUB, vaultAddress: VAULT, devices: allDevices });
  const stack = (name: string) => new LabStack({ stateDir: join(dir, "state"), stack: name, pulumi, endpoints: lab.endpoints });
  core = stack(CORE);
  siteStacks = Object.fromEntries(Object.keys(sites).map((name) => [name, stack(name)]));
  const read = (f: string) => readFileSync(f, "utf8");
  const coreValues = splitLabConfigValues(
    labConfigValues({ hubAddress: HUB, vaultAddress: VAULT, devices: allDevices }, lab.endpoints, read),
  ).core;
  await core.prepare(
    labCoreStackYaml({ hubAddress: HUB, vaultAddress: VAULT, readinessTimeoutSeconds: 60 }),
    coreValues.plain,
    coreValues.secrets,
  );
  // One after another: the stacks share the lab's config folder, where `stack init` writes.
  for (const [name, devices] of Object.entries(sites)) {
    const values = splitLabConfigValues(labConfigValues({ hubAddress: HUB, vaultAddress: VAULT, devices }, lab.endpoints, read)).site;
    await siteStacks[name].prepare(labSiteStackYaml({ coreStack: CORE_REFERENCE, devices }), values.plain, values.secrets);
  }
});

afterAll(async () => {
  const stacks: [string, LabStack | undefined][] = [...Object.entries(siteStacks ?? {}), [CORE, core]];
  for (const [, s] of stacks) if (s && existsSync(s.stateFile)) await s.destroy();
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("a site before its core is up: its preview fails naming the core stack, and nothing is made", async () => {
  const preview = await siteStacks["site-a"].preview();
  expect(preview.code).not.toBe(0);
  expect(preview.stderr + preview.stdout).toContain(CORE_REFERENCE);
  expect(lab.hub.model.identities.size).toBe(0);
});

test("the core comes up first: nothing made in the lab, fleetCore exported in plain text, its secrets encrypted", async () => {
  const up = await core.up();
  expect(up.stderr + up.stdout).not.toMatch(/error:/);
  expect(up.code).toBe(0);
  const fleetCore = JSON.parse(
    (await core.runOk(["stack", "output", "fleetCore", "--json", "--stack", CORE], { withConfig: false })).stdout,
  );
  expect(fleetCore).toMatchObject({
    version: 1,
    resourceGroupName: "",
    iotHub: { name: "lab-hub", hostName: HUB, auth: "connectionString", readinessTimeoutSeconds: 60 },
    keyVault: { name: "lab-vault", url: lab.endpoints.vaultUrl, challengeResourceVerification: false },
    siteCertificateAuthorities: {},
  });
  expect((await core.runOk(["stack", "output", "fleetCoreSecrets", "--stack", CORE], { withConfig: false })).stdout.trim()).toBe(
    "[secret]",
  );
  // The hub's key is in the core's state only encrypted.
  const key = /SharedAccessKey=([^;\s]+)/.exec(readFileSync(lab.endpoints.connectionStringFile, "utf8"))![1];
  expect(readFileSync(core.stateFile, "utf8")).not.toContain(key);
  expect(lab.hub.model.identities.size).toBe(0);
});

test("both sites come up at once, each on the core's hub: every device of each passes its readiness gate", async () => {
  const [upA, upB] = await Promise.all([siteStacks["site-a"].up(), siteStacks["site-b"].up()]);
  for (const [up, devices] of [
    [upA, sites["site-a"]],
    [upB, sites["site-b"]],
  ] as const) {
    expect(up.stderr + up.stdout).not.toMatch(/error:/);
    expect(up.code).toBe(0);
    expect(statuses(up)).toEqual(devices.map((d) => [d.id, "ready"]));
  }
  expect([...lab.hub.model.identities.keys()].sort()).toEqual(allDevices.map((d) => d.id).sort());
  for (const d of allDevices) expect(lab.hub.model.moduleTwin(d.id, "$edgeHub").connectionState).toBe("Connected");
  // Each site's state holds its own devices and the reference to the core, not the other site's devices.
  const key = /SharedAccessKey=([^;\s]+)/.exec(readFileSync(lab.endpoints.connectionStringFile, "utf8"))![1];
  for (const [name, devices] of Object.entries(sites)) {
    const text = readFileSync(siteStacks[name].stateFile, "utf8");
    const resources = JSON.parse(text).checkpoint.latest.resources as Array<{ type: string; urn: string; inputs: { name?: string } }>;
    const deviceUrns = resources.filter((r) => r.type === "edge:device:EdgeDevice").map((r) => r.urn.slice(r.urn.lastIndexOf("::") + 2));
    expect(deviceUrns.sort()).toEqual(devices.map((d) => `fleet-${d.id}`).sort());
    expect(resources.filter((r) => r.type === "pulumi:pulumi:StackReference").map((r) => r.inputs.name)).toEqual([CORE_REFERENCE]);
    expect(text).not.toContain(key);
  }
});

test("a second up of a site changes nothing", async () => {
  const up = await siteStacks["site-b"].up();
  expect(up.code).toBe(0);
  expect(statuses(up)).toEqual(sites["site-b"].map((d) => [d.id, "unchanged"]));
});

test("the sites are destroyed (at once), then the core: no identity, no device file, no stack is left", async () => {
  const destroyed = await Promise.all(Object.values(siteStacks).map((s) => s.destroy()));
  expect(destroyed.map((d) => d.code)).toEqual([0, 0]);
  expect([...lab.hub.model.identities.keys()]).toEqual([]);
  for (const d of allDevices) {
    for (const file of ["/etc/aziot/config.toml", "/var/aziot/secrets/device-identity.key.pem", "/var/lib/edge-bootstrap/applied.sha256"]) {
      expect(existsSync(lab.hosts.get(d.id)!.path(file))).toBe(false);
    }
  }
  expect((await core.destroy()).code).toBe(0);
  for (const s of [...Object.values(siteStacks), core]) await s.remove();
  const left = await core.run(["stack", "ls", "--all", "--json"], { withConfig: false, cwd: join(dir, "state") });
  expect(left.code).toBe(0);
  expect(JSON.parse(left.stdout)).toEqual([]);
});
