// `npm run test:azure`: it cannot reach Azure here, so everything around the calls is checked:
// when it skips (and that it exits 0 with one line), the stack it writes (valid, one VM, a hub it
// creates with Entra ID), and the leftover check against fake answers.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import * as YAML from "yaml";
import { validateFleet, formatSettingError } from "../../components/config/validateFleet";
import { settingsFromStackFiles } from "../../components/config/readSettings";
import { type AzureProbe, leftovers, liveStackNames, liveStackYaml, skipReason } from "../../scripts/azure/liveStack";
import * as fs from "node:fs";
import { wholeFleet } from "../../lab/mocks/stacks";

const ROOT = join(__dirname, "..", "..");

describe("skipReason", () => {
  const noAz = (): boolean => false;
  test("no subscription: skipped, saying what to set", () => {
    expect(skipReason({}, () => true)).toMatch(/^no Azure subscription: set AZURE_SUBSCRIPTION_ID/);
  });
  test("a subscription but no way to log in: skipped", () => {
    expect(skipReason({ AZURE_SUBSCRIPTION_ID: "s" }, noAz)).toMatch(/^no Azure credentials for subscription s: run `az login`/);
    expect(skipReason({ AZURE_SUBSCRIPTION_ID: "s", AZURE_CLIENT_ID: "c" }, noAz)).toMatch(/^no Azure credentials/);
  });
  const runs: [string, Record<string, string>, boolean][] = [
    ["an az login session", { AZURE_SUBSCRIPTION_ID: "s" }, true],
    ["a client secret", { ARM_SUBSCRIPTION_ID: "s", AZURE_CLIENT_ID: "c", AZURE_CLIENT_SECRET: "x" }, false],
    ["OIDC in GitHub Actions", { AZURE_SUBSCRIPTION_ID: "s", ARM_CLIENT_ID: "c", ACTIONS_ID_TOKEN_REQUEST_URL: "https://token" }, false],
  ];
  test.each(runs)("runs with %s", (_, env, loggedIn) => {
    expect(skipReason(env, () => loggedIn)).toBeUndefined();
  });
});

test("without Azure credentials `npm run test:azure` prints one line saying it skipped and why, and exits 0", () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AZURE_|ARM_|ACTIONS_ID_TOKEN)/.test(k)));
  const r = spawnSync("npm", ["run", "--silent", "test:azure", "--", "--stack", "never-created"], { cwd: ROOT, env, encoding: "utf8" });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
  expect(r.stdout.trim().split("\n")).toEqual([expect.stringMatching(/^test:azure: skipped: no Azure subscription/)]);
  expect(fs.existsSync(join(ROOT, "Pulumi.never-created.yaml"))).toBe(false);
});

describe("the stack it writes", () => {
  const yaml = liveStackYaml({ suffix: "a1b2c3d4", location: "westeurope", sshFrom: "203.0.113.7/32", keyVault: "kv-live" });
  const result = validateFleet(settingsFromStackFiles(fs.readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"), yaml), (f) =>
    fs.readFileSync(join(ROOT, f), "utf8"),
  );

  test("passes preflight: one Azure VM reachable from where it runs, a hub it creates with Entra ID, generated certificates", () => {
    if (!result.ok) throw new Error(result.errors.map(formatSettingError).join("\n"));
    const settings = wholeFleet(result.settings);
    expect(settings.devices).toHaveLength(1);
    expect(settings.devices[0]).toMatchObject({
      id: "live-a1b2c3d4-01",
      host: { type: "azureVm", sshSourceRanges: ["203.0.113.7/32"] },
      certificate: { source: "generate" },
    });
    expect(settings.iotHub).toMatchObject({ name: "edge-live-a1b2c3d4", create: true, auth: "entraId" });
    expect(settings.resourceGroup).toEqual({ name: "rg-edge-live-a1b2c3d4", create: true });
    expect(settings.keyVault).toMatchObject({ name: "kv-live", purgeOnDelete: false });
  });

  test("names come from the run's suffix only", () => {
    expect(liveStackNames("a1b2c3d4")).toEqual({
      resourceGroup: "rg-edge-live-a1b2c3d4",
      hub: "edge-live-a1b2c3d4",
      deviceId: "live-a1b2c3d4-01",
    });
    expect(() => liveStackNames("Bad_Suffix")).toThrow(/3-12 lower-case letters or digits/);
    expect(YAML.parse(liveStackYaml({ suffix: "abc", location: "x", sshFrom: "1.2.3.4" })).config["edge:keyVault"]).toBeUndefined();
  });
});

describe("leftovers", () => {
  const names = liveStackNames("a1b2c3d4");
  const fake = (state: { groups?: string[]; hubs?: string[]; certs?: Record<string, "live" | "deleted" | "absent"> }): AzureProbe => ({
    resourceGroupExists: async (n) => (state.groups ?? []).includes(n),
    iotHubExists: async (n) => (state.hubs ?? []).includes(n),
    vaultCertificateState: async (_v, n) => state.certs?.[n] ?? "absent",
  });
  const vault = { name: "kv-live", certificates: ["edge-live-a1b2c3d4-01"] };

  test("nothing left: group and hub gone, the imported certificate soft-deleted", async () => {
    expect(await leftovers(fake({ certs: { "edge-live-a1b2c3d4-01": "deleted" } }), names, vault)).toEqual([]);
  });

  test("each thing left behind is named", async () => {
    expect(
      await leftovers(fake({ groups: [names.resourceGroup], hubs: [names.hub], certs: { "edge-live-a1b2c3d4-01": "live" } }), names, vault),
    ).toEqual([
      "resource group rg-edge-live-a1b2c3d4 still exists",
      "IoT Hub edge-live-a1b2c3d4 still exists",
      "Key Vault kv-live certificate edge-live-a1b2c3d4-01 is live, not soft-deleted",
    ]);
    // A certificate never imported (or purged) is not what destroy should leave either.
    expect(await leftovers(fake({}), names, vault)).toEqual([
      "Key Vault kv-live certificate edge-live-a1b2c3d4-01 is absent, not soft-deleted",
    ]);
  });
});
