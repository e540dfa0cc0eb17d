import { NSG_TYPE, RULE_TYPE, noSshFromInternet, portRangeIncludes } from "../../policy/sshFromInternet";
import { sshRules } from "../../components/host/edgeVm";
import { violations } from "./runPolicy";

const rule = (over: Record<string, unknown>) => ({
  name: "ssh",
  priority: 100,
  direction: "Inbound",
  access: "Allow",
  protocol: "Tcp",
  sourcePortRange: "*",
  destinationAddressPrefix: "*",
  destinationPortRange: "22",
  sourceAddressPrefixes: ["203.0.113.0/24"],
  ...over,
});

const openMessage = (where: string, sources: string) =>
  `${where} allows inbound SSH (port 22) from ${sources}, i.e. the whole internet. ` +
  "List the networks that need SSH (host.sshSourceRanges / defaults.azureVm.sshSourceRanges), or set publicIp: false and run Pulumi inside the network.";

describe("no-ssh-from-internet", () => {
  it("passes the rules the program itself builds from listed ranges", async () => {
    expect(await violations(noSshFromInternet, NSG_TYPE, { securityRules: sshRules(["203.0.113.0/24", "2001:db8::/32"]) })).toEqual([]);
  });

  it("fails the program's own rules for whole-internet sources: a tag alone in sourceAddressPrefix, a default route in the list", async () => {
    expect(await violations(noSshFromInternet, NSG_TYPE, { securityRules: sshRules(["203.0.113.0/24", "0.0.0.0/0", "Internet"]) })).toEqual(
      [
        openMessage('securityRules[0] ("allow-ssh-ipv4")', '"0.0.0.0/0"'),
        openMessage('securityRules[1] ("allow-ssh-internet")', '"Internet"'),
      ],
    );
  });

  it("fails an NSG rule open to 0.0.0.0/0, naming the rule", async () => {
    const props = {
      securityRules: [
        rule({ name: "https", destinationPortRange: "443", sourceAddressPrefix: "*" }),
        rule({ sourceAddressPrefixes: ["0.0.0.0/0"] }),
      ],
    };
    expect(await violations(noSshFromInternet, NSG_TYPE, props)).toEqual([openMessage('securityRules[1] ("ssh")', '"0.0.0.0/0"')]);
  });

  it.each([
    ["*", { sourceAddressPrefix: "*", sourceAddressPrefixes: undefined }],
    ["Internet service tag", { sourceAddressPrefix: "Internet", sourceAddressPrefixes: undefined }],
    ["Any", { sourceAddressPrefixes: ["Any"] }],
    ["::/0", { sourceAddressPrefixes: ["10.0.0.0/8", "::/0"] }],
    // The same list as preflight's (components/config/wholeInternet.ts): a bare unspecified address is taken as "anyone".
    ["0.0.0.0", { sourceAddressPrefixes: ["0.0.0.0"] }],
    [":: (IPv6)", { sourceAddressPrefixes: ["::"] }],
    ["port *", { destinationPortRange: "*", sourceAddressPrefix: "*", sourceAddressPrefixes: undefined }],
    [
      "range 20-25",
      {
        destinationPortRange: undefined,
        destinationPortRanges: ["443", "20-25"],
        sourceAddressPrefix: "Internet",
        sourceAddressPrefixes: undefined,
      },
    ],
    [
      "22 in destinationPortRanges",
      { destinationPortRange: undefined, destinationPortRanges: ["22"], sourceAddressPrefix: "*", sourceAddressPrefixes: undefined },
    ],
    ["protocol *", { protocol: "*", sourceAddressPrefix: "0.0.0.0/0", sourceAddressPrefixes: undefined }],
  ])("fails a standalone SecurityRule open to the internet: %s", async (_label, over) => {
    const found = await violations(noSshFromInternet, RULE_TYPE, { ...rule(over), securityRuleName: "ssh-in" });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^security rule "ssh-in" allows inbound SSH \(port 22\) from "/);
  });

  it("reports the exact message for a standalone rule", async () => {
    expect(
      await violations(noSshFromInternet, RULE_TYPE, {
        ...rule({ sourceAddressPrefix: "Internet", sourceAddressPrefixes: undefined }),
        securityRuleName: "ssh-in",
      }),
    ).toEqual([openMessage('security rule "ssh-in"', '"Internet"')]);
  });

  it.each([
    ["outbound", { direction: "Outbound", sourceAddressPrefix: "*" }],
    ["deny", { access: "Deny", sourceAddressPrefix: "*" }],
    ["UDP", { protocol: "Udp", sourceAddressPrefix: "*" }],
    ["another port", { destinationPortRange: "443", sourceAddressPrefix: "*" }],
    ["range without 22", { destinationPortRange: undefined, destinationPortRanges: ["23-25", "8022"], sourceAddressPrefix: "*" }],
  ])("passes a rule that does not open SSH to the internet: %s", async (_label, over) => {
    expect(await violations(noSshFromInternet, RULE_TYPE, rule({ ...over, sourceAddressPrefixes: undefined }))).toEqual([]);
  });

  it("reads port ranges exactly", () => {
    expect([
      portRangeIncludes("*", 22),
      portRangeIncludes("22", 22),
      portRangeIncludes("20-25", 22),
      portRangeIncludes("22-22", 22),
    ]).toEqual([true, true, true, true]);
    expect([
      portRangeIncludes("2222", 22),
      portRangeIncludes("23-25", 22),
      portRangeIncludes("1-21", 22),
      portRangeIncludes("", 22),
    ]).toEqual([false, false, false, false]);
  });

  it("ignores other resource types", async () => {
    expect(
      await violations(noSshFromInternet, "azure-native:network:VirtualNetwork", { securityRules: [rule({ sourceAddressPrefix: "*" })] }),
    ).toEqual([]);
  });
});
