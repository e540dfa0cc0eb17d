// The NSG's SSH rules as ARM accepts them, and the network settings ARM would refuse (issue 12, item 4 and 9).
import { sshRules } from "../../components/host/edgeVm";
import { sourceKind, subnetProblem } from "../../components/config/networkRules";
import { formatSettingError, validateFleet } from "../../components/config/validateFleet";
import { stackSettings, vmDevice } from "../../lab/mocks/stacks";
import { exampleManifest } from "../iotHub/manifestFixture";

// A manifest validateFleet accepts in full (these tests are about other settings).
const manifest = JSON.stringify(exampleManifest());
const errorsOf = (settings: Record<string, unknown>) => {
  const result = validateFleet(settings, () => manifest);
  return result.ok ? [] : result.errors.map(formatSettingError);
};

const ssh = {
  direction: "Inbound",
  access: "Allow",
  protocol: "Tcp",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "22",
};

describe("sshRules: one rule per address family and one per service tag", () => {
  test("IPv4 and IPv6 prefixes never share a rule; tags stand alone in sourceAddressPrefix", () => {
    expect(sshRules(["203.0.113.0/24", "2001:db8::/32", "198.51.100.7", " Internet ", "*", "internet"])).toEqual([
      { ...ssh, name: "allow-ssh-ipv4", priority: 1000, sourceAddressPrefixes: ["203.0.113.0/24", "198.51.100.7"] },
      { ...ssh, name: "allow-ssh-ipv6", priority: 1001, sourceAddressPrefixes: ["2001:db8::/32"] },
      { ...ssh, name: "allow-ssh-internet", priority: 1002, sourceAddressPrefix: "Internet" },
      { ...ssh, name: "allow-ssh-any", priority: 1003, sourceAddressPrefix: "*" },
    ]);
  });

  test("no ranges, no rule; every rule has a distinct name and priority", () => {
    expect(sshRules([])).toEqual([]);
    const rules = sshRules(["10.0.0.0/8", "::1", "*"]);
    expect(new Set(rules.map((r) => r.name)).size).toBe(3);
    expect(new Set(rules.map((r) => r.priority)).size).toBe(3);
    for (const r of rules) expect(r.sourceAddressPrefix === undefined).not.toBe(r.sourceAddressPrefixes === undefined);
  });

  test.each([
    ["10.0.0.0/8", "ipv4"],
    ["0.0.0.0/0", "ipv4"],
    ["2001:db8::/32", "ipv6"],
    ["::/0", "ipv6"],
    ["*", "tag"],
    ["Internet", "tag"],
  ])("%s is %s", (range, kind) => expect(sourceKind(range)).toBe(kind));
});

describe("preflight: SSH ranges the VM's NSG could not hold or use", () => {
  test("an IPv6 range is refused while the VM has only IPv4 addresses (also ::/0 with allowSshFromInternet)", () => {
    const settings = stackSettings([vmDevice("edge-01", { sshSourceRanges: ["203.0.113.0/24", "2001:db8::/32", "::/0"] })]);
    const expected = (i: number, range: string) =>
      `devices[0].host.sshSourceRanges[${i}] (device "edge-01"): "${range}" is an IPv6 range, but the VM has only IPv4 addresses (public IP and NIC); list IPv4 ranges`;
    expect(errorsOf({ ...settings, allowSshFromInternet: true })).toEqual([expected(1, "2001:db8::/32"), expected(2, "::/0")]);
  });

  test('"any" is refused: ARM wants "*"', () => {
    expect(errorsOf({ ...stackSettings([vmDevice("edge-01", { sshSourceRanges: ["any"] })]), allowSshFromInternet: true })).toEqual([
      'devices[0].host.sshSourceRanges[0] (device "edge-01"): "any" is not an address prefix Azure accepts; write "*" for every source',
    ]);
  });
});

describe("preflight: a subnet outside the VNet's address space", () => {
  test.each([
    ["10.40.0.0/16", "10.40.1.0/24", undefined],
    ["10.40.0.0/16", "10.40.0.0/16", undefined],
    ["10.40.0.0/16", "10.41.1.0/24", "subnetPrefix"],
    ["10.40.0.0/24", "10.40.0.0/16", "subnetPrefix"],
    ["10.40.0.0/16", "10.40.1.0", "subnetPrefix"],
    ["10.40.0.0", "10.40.1.0/24", "addressSpace"],
  ])("address space %s, subnet %s → problem with %s", (space, subnet, setting) => {
    expect(subnetProblem(space, subnet)?.setting).toBe(setting);
  });

  test("is refused naming the setting, the rule and Azure's error", () => {
    const settings = { ...stackSettings([vmDevice("edge-01")]), network: { addressSpace: "10.40.0.0/16", subnetPrefix: "10.41.1.0/24" } };
    expect(errorsOf(settings)).toEqual([
      'network.subnetPrefix: "10.41.1.0/24" is outside the network\'s address space "10.40.0.0/16"; Azure refuses a subnet outside its VNet\'s address space (NetcfgInvalidSubnet)',
    ]);
  });
});
