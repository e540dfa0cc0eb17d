// Names Azure refuses are refused before anything is created, each with its rule and source (issue 12, item 9).
import { RESERVED_ADMIN_USERS } from "../../components/config/azureNames";
import { formatSettingError, validateFleet } from "../../components/config/validateFleet";
import { existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";
import { exampleManifest } from "../iotHub/manifestFixture";

// A manifest validateFleet accepts in full (these tests are about other settings).
const manifest = JSON.stringify(exampleManifest());
const errorsOf = (settings: Record<string, unknown>) => {
  const result = validateFleet(settings, () => manifest);
  return result.ok ? [] : result.errors.map(formatSettingError);
};
const HUB_RULE =
  "must be 3-50 letters, digits or hyphens, not ending with a hyphen (Azure's IoT Hub name rule: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftdevices)";
const VAULT_RULE =
  "must be 3-24 letters, digits or hyphens, start with a letter, end with a letter or digit, without two hyphens in a row (Azure's Key Vault name rule: learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault)";

describe("IoT Hub name", () => {
  test.each(["ab", "h".repeat(51), "hub_01", "hub.01", "hub-"])("%j is refused with Azure's rule", (name) => {
    expect(errorsOf(stackSettings([existingDevice("gw")], { iotHub: { name, auth: "entraId" } }))).toEqual([`iotHub.name: ${HUB_RULE}`]);
  });
  test.each(["abc", "h".repeat(50), "Contoso-Hub-01", "1hub"])("%j is accepted", (name) => {
    expect(errorsOf(stackSettings([existingDevice("gw")], { iotHub: { name, auth: "entraId" } }))).toEqual([]);
  });
  test("an empty name is reported once, as empty", () => {
    expect(errorsOf(stackSettings([existingDevice("gw")], { iotHub: { name: "", auth: "entraId" } }))).toEqual([
      "iotHub.name: iotHub.name must not be empty",
    ]);
  });
});

describe("Key Vault name", () => {
  const withVault = (name: string) => stackSettings([existingDevice("gw")], { keyVault: { name } });
  test.each(["kv", "k".repeat(25), "1vault", "my--vault", "vault-", "my_vault"])("%j is refused with Azure's rule", (name) => {
    expect(errorsOf(withVault(name))).toEqual([`keyVault.name: ${VAULT_RULE}`]);
  });
  test.each(["kv1", "k".repeat(24), "My-Vault-01"])("%j is accepted", (name) => {
    expect(errorsOf(withVault(name))).toEqual([]);
  });
});

describe("VM admin user", () => {
  test("Azure's whole list of disallowed admin names (32, from the Compute REST API)", () => {
    expect(RESERVED_ADMIN_USERS).toHaveLength(32);
    expect(RESERVED_ADMIN_USERS).toEqual(
      expect.arrayContaining(["admin1", "support", "sys", "aspnet", "support_388945a0", "user5", "1", "a"]),
    );
  });

  test.each([
    "admin1",
    "support",
    "sys",
    "backup",
    "console",
    "owner",
    "sql",
    "actuser",
    "adm",
    "david",
    "john",
    "server",
    "test3",
    "user4",
    "support_388945a0",
  ])("%j is refused, naming the rule", (adminUser) => {
    const errors = errorsOf(stackSettings([vmDevice("edge-01", { adminUser })]));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^devices\[0\]\.host\.adminUser \(device "edge-01"\): is a name Azure refuses for a VM's admin user \(osProfile\.adminUsername "Disallowed values": administrator, admin, user, /,
    );
  });

  test.each(["azureuser", "edgeadmin", "support2"])("%j is accepted", (adminUser) => {
    expect(errorsOf(stackSettings([vmDevice("edge-01", { adminUser })]))).toEqual([]);
  });
});
