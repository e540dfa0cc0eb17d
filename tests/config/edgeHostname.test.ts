// config.toml's hostname follows `iotedge check`'s rule (aziotctl/src/internal/check/checks/hostname.rs)
// for Azure VMs and existing hosts alike (issue 12, item 3).
import { edgeHostnameProblem, matchesMachineHostname } from "../../components/config/edgeHostname";
import { azureNameFor, dnsLabelFor } from "../../components/config/naming";
import { formatSettingError, validateFleet } from "../../components/config/validateFleet";
import { existingDevice, stackSettings } from "../../lab/mocks/stacks";
import { exampleManifest } from "../iotHub/manifestFixture";

// A manifest validateFleet accepts in full (these tests are about other settings).
const manifest = JSON.stringify(exampleManifest());
const errorsOf = (settings: Record<string, unknown>) => {
  const result = validateFleet(settings, () => manifest);
  return result.ok ? [] : result.errors.map(formatSettingError);
};

describe("the rule of iotedge check", () => {
  test.each([
    ["gw-01", "gw-01", true],
    ["GW-01", "gw-01", true],
    ["gw-01.plant.example.com", "gw-01", true],
    ["gw-01x.plant.example.com", "gw-01", false],
    ["plant.gw-01", "gw-01", false],
    ["edge-01", "vm-edge-01", false],
    ["10.0.0.4", "gw-01", true],
    ["2001:db8::4", "gw-01", true],
  ])("hostname %j on a machine named %j: accepted %s", (hostname, machine, ok) => {
    expect(matchesMachineHostname(hostname, machine)).toBe(ok);
  });

  test.each([
    ["gw_01", /does not comply with RFC 1035/],
    ["01-gw", /does not comply with RFC 1035/],
    ["gw-", /does not comply with RFC 1035/],
    ["gw..plant", /does not comply with RFC 1035/],
    [`${"a".repeat(64)}.example`, /does not comply with RFC 1035/],
    [`${"a".repeat(60)}.example`, /is 68 characters, too long to be a certificate issuer \(at most 64; iotedge check warns\)$/],
  ])("%j: iotedge check warns", (hostname, message) => {
    expect(edgeHostnameProblem(hostname)).toMatch(message);
  });

  test.each(["gw-01", "a", "gw-01.plant.example.com", `${"a".repeat(62)}.b`, "192.0.2.7", "2001:db8::7"])("%j: no warning", (hostname) => {
    expect(edgeHostnameProblem(hostname)).toBeUndefined();
  });
});

describe("Azure VMs: the computer name is the host name", () => {
  test.each(["edge-01", "Edge_01", "01-press", "-", "___", "a.b.c", "(1)", "x".repeat(128), `9${"-x".repeat(60)}`, "é"])(
    "device id %j gives a VM name iotedge check accepts as a host name",
    (id) => expect(edgeHostnameProblem(azureNameFor(id))).toBeUndefined(),
  );

  test("an id starting with a digit gets a letter first; the DNS label starts with the same name", () => {
    expect(azureNameFor("01_press")).toBe("e01-press");
    expect(dnsLabelFor("01_press", "stack")).toMatch(/^e01-press-[0-9a-f]{8}$/);
  });
});

describe("preflight: host.edgeHostname of an existing host", () => {
  test("a name iotedge check would warn about is refused, saying what to use instead", () => {
    expect(errorsOf(stackSettings([existingDevice("gw", { edgeHostname: "gw_01.plant" })]))).toEqual([
      'devices[0].host.edgeHostname (device "gw"): "gw_01.plant" does not comply with RFC 1035: every dot-separated label must be 1-63 letters, digits or hyphens, start with a letter and end with a letter or digit (iotedge check warns; TLS from modules and downstream devices may fail, e.g. the C# SDK with a "_"); use the host\'s own name, a fully qualified name that starts with it, or its IP address',
    ]);
  });

  test("a valid name or an IP address passes", () => {
    expect(
      errorsOf(
        stackSettings([
          existingDevice("gw", { edgeHostname: "gw-01.plant.example.com" }),
          existingDevice("gw2", { edgeHostname: "192.0.2.20" }),
        ]),
      ),
    ).toEqual([]);
  });
});
