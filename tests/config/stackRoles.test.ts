// What each part of a split fleet may set (stackRoleRules.ts): refused before anything is created,
// each problem naming the setting, by the same validateFleet preflight and `pulumi up` run.
import * as fs from "fs";
import { type StackSettings } from "../../components/config/settings";
import { formatSettingError, validateFleet } from "../../components/config/validateFleet";
import { existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";

const read = (file: string) => fs.readFileSync(file, "utf8");
const errorsOf = (raw: Record<string, unknown>) => {
  const result = validateFleet(raw, read);
  return result.ok ? [] : result.errors.map(formatSettingError);
};
const settingsOf = (raw: Record<string, unknown>): StackSettings => {
  const result = validateFleet(raw, read);
  if (!result.ok) throw new Error(result.errors.map(formatSettingError).join("\n"));
  return result.settings;
};

const core = (extra: Record<string, unknown> = {}) => ({
  stackRole: "core",
  resourceGroup: { name: "rg-edge-core" },
  iotHub: { name: "hub-core", create: true, auth: "entraId" },
  core: { sites: ["plant-a", "plant-b"] },
  ...extra,
});
const site = (extra: Record<string, unknown> = {}, devices: unknown[] = [existingDevice("plant-a-gw")]) => ({
  stackRole: "site",
  site: { coreStack: "organization/edge/core-weu" },
  defaults: { deploymentManifest: "manifests/simulated-temperature.json" },
  devices,
  ...extra,
});

test("a stack without stackRole is the whole fleet, as before", () => {
  expect(settingsOf(stackSettings([existingDevice("gw")])).stackRole).toBe("fleet");
});

test("a valid core (no devices) and a valid site pass, with their role's settings", () => {
  expect(settingsOf(core())).toMatchObject({ stackRole: "core", core: { sites: ["plant-a", "plant-b"], network: true }, devices: [] });
  expect(settingsOf(site())).toMatchObject({
    stackRole: "site",
    site: { coreStack: "organization/edge/core-weu" },
    devices: [{ id: "plant-a-gw" }],
  });
  // A site's devices may use Key Vault sources: the vault is the core's, checked against its outputs at `pulumi up`.
  const kv = { ...existingDevice("kv-gw"), certificate: { source: "keyVault", certificateName: "kv-gw-identity" } };
  expect(errorsOf(site({}, [kv]))).toEqual([]);
});

test("a site stack without its core, or with the core's settings, is refused naming each setting", () => {
  expect(errorsOf(site({ site: undefined }))).toEqual([
    "site.coreStack: is required for edge:stackRole site: the core stack the site reads, as organization/project/stack",
  ]);
  const coreSetting = "is the core stack's setting: a site reads it from its core (edge:site.coreStack); set it there";
  expect(
    errorsOf(
      site({
        location: "northeurope",
        resourceGroup: { name: "rg" },
        iotHub: { name: "hub" },
        keyVault: { name: "kv-x" },
        network: { addressSpace: "10.1.0.0/16" },
      }),
    ),
  ).toEqual(["location", "resourceGroup", "iotHub", "keyVault", "network"].map((key) => `${key}: ${coreSetting}`));
  expect(errorsOf(site({ site: { coreStack: "core-weu" } }))).toEqual([
    "site.coreStack: must name the core stack as organization/project/stack (on the file and Azure Blob backends: organization/<project>/<stack>)",
  ]);
});

test("a core stack with devices is refused; core and site only with their role", () => {
  expect(
    errorsOf(core({ devices: [existingDevice("gw")], defaults: { deploymentManifest: "manifests/simulated-temperature.json" } })),
  ).toEqual([
    "devices: a core stack holds no devices: list them in the site stacks that read it (edge:stackRole site, edge:site.coreStack)",
  ]);
  expect(errorsOf(stackSettings([existingDevice("gw")], { core: { sites: [] }, site: { coreStack: "o/p/s" } }))).toEqual([
    "core: is only for edge:stackRole core; this stack's role is fleet",
    "site: is only for edge:stackRole site; this stack's role is fleet",
  ]);
  expect(errorsOf(core({ site: { coreStack: "o/p/s" } }))).toEqual(["site: is only for edge:stackRole site; this stack's role is core"]);
  expect(errorsOf({ ...site(), core: { sites: [] } })).toEqual(["core: is only for edge:stackRole core; this stack's role is site"]);
  expect(errorsOf(core({ stackRole: "plant" }))[0]).toMatch(/^stackRole: /);
});

test("a core needs a resource group for its network, and the hub's group to register the fleet root CA", () => {
  expect(errorsOf(core({ resourceGroup: undefined, iotHub: { name: "hub-core", auth: "entraId", resourceGroup: "rg-hub" } }))).toEqual([
    "core.network: needs edge:resourceGroup, the group of the VNet the sites' Azure VMs share; set it, or set edge:core.network to false when every site has existing hosts only",
  ]);
  expect(errorsOf(core({ iotHub: { name: "hub-core", auth: "entraId" } }))).toEqual([
    "iotHub.resourceGroup: is required: edge:core.sites makes a fleet root CA, which the core registers, verified, on the existing hub; set edge:iotHub.resourceGroup to the hub's resource group",
  ]);
  expect(errorsOf(core({ resourceGroup: undefined, iotHub: { name: "hub-core", auth: "entraId" }, core: { network: false } }))).toEqual([]);
  expect(errorsOf(core({ core: { sites: ["plant-a", "plant-b", "plant-a"] } }))).toEqual(["core.sites[2]: duplicates core.sites[0]"]);
});

test("a site's device certificates: no intermediate of their own, no keyVaultCa CA the site would have to register", () => {
  const generate = {
    ...vmDevice("plant-a-vm", { sshSourceRanges: ["203.0.113.0/24"] }),
    certificate: { source: "generate", intermediate: true },
  };
  const vaultCa = {
    ...existingDevice("plant-a-ca"),
    certificate: { source: "keyVaultCa", caCertificateName: "plant-ca", authentication: "certificateAuthority" },
  };
  expect(errorsOf(site({}, [existingDevice("plant-a-gw"), generate, vaultCa]))).toEqual([
    'devices[1].certificate.intermediate (device "plant-a-vm"): is not for a site: its generated certificates are always signed by the site\'s own intermediate CA, which the core makes (edge:core.sites)',
    'devices[2].certificate.authentication (device "plant-a-ca"): certificateAuthority with a keyVaultCa CA needs that CA registered on the hub, which a site stack does not do: use selfSigned, or source generate (chained to the fleet root CA the core registers)',
  ]);
});
