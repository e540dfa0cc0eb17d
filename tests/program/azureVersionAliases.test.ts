// The fleet leaves out azure-native's aliases for its versioned modules' types, which no stack of
// this program holds, and keeps every other alias (components/azureVersionAliases.ts).
import * as network from "@pulumi/azure-native/network";
import { isVersionAlias } from "../../components/azureVersionAliases";
import { byName, runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";

type Program = typeof import("../../components/program");

test("a version alias is a lone type of a versioned azure-native module", () => {
  expect(isVersionAlias({ type: "azure-native:network/v20230201:NetworkInterface" })).toBe(true);
  expect(isVersionAlias({ type: "azure-native:network/v20150501preview:NetworkInterface" })).toBe(true);
  // The v2 module name of a v3 type (a stack made with azure-native v2 needs it), and anything else.
  expect(isVersionAlias({ type: "azure-native:devices:IotHubResource" })).toBe(false);
  expect(isVersionAlias({ type: "azure-native:network/v20230201:NetworkInterface", name: "old" })).toBe(false);
  expect(isVersionAlias({ type: "azure-native:network/v20230201:NetworkInterface", parent: undefined })).toBe(false);
  expect(isVersionAlias("urn:pulumi:test::edge::azure-native:network/v20230201:NetworkInterface::nic")).toBe(false);
  expect(isVersionAlias({ name: "old" })).toBe(false);
});

test("azure-native's own constructors add the version aliases (what the fleet leaves out)", async () => {
  const run = await runUnderMocks({}, () => new network.NetworkInterface("bare-nic", { resourceGroupName: "rg" }));
  const aliases = byName(run.resources, "bare-nic").aliases;
  expect(aliases.length).toBeGreaterThan(50);
  expect(aliases.every((a) => a.spec && isVersionAlias({ type: a.spec.type }))).toBe(true);
});

test("the fleet's resources carry no version alias, and keep the others", async () => {
  const settings = stackSettings([vmDevice("edge-vm-01"), existingDevice("line-3-gateway")], {
    iotHub: { name: "hub-new", create: true, auth: "connectionString" },
  });
  const run = await runUnderMocks(asConfigMap(settings), () => {
    const { defineStack } = require("../../components/program") as Program;
    return defineStack({ projectDir: process.cwd() });
  });
  const azure = run.resources.filter((r) => r.type.startsWith("azure-native:"));
  expect(azure.map((r) => r.type)).toEqual(
    expect.arrayContaining([
      "azure-native:network:NetworkSecurityGroup",
      "azure-native:network:PublicIPAddress",
      "azure-native:network:NetworkInterface",
      "azure-native:compute:VirtualMachine",
      "azure-native:iothub:IotHubResource",
    ]),
  );
  for (const r of azure) expect(r.aliases.filter((a) => a.spec && isVersionAlias({ type: a.spec.type }))).toEqual([]);
  // The hub keeps its alias for azure-native v2's module name.
  const hub = run.resources.find((r) => r.type === "azure-native:iothub:IotHubResource")!;
  expect(hub.aliases.map((a) => a.spec?.type)).toEqual(["azure-native:devices:IotHubResource"]);
  // The program's own alias (a device's hub pieces moved under EdgeDeviceHub) is still sent.
  expect(byName(run.resources, "fleet-line-3-gateway-iothub-identity").aliases.length).toBe(1);
});
