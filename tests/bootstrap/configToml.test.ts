import { parse } from "smol-toml";
import { configInputProblems, EdgeConfigInput, renderConfigToml } from "../../components/bootstrap/configToml";
import { manualX509Config } from "../../components/bootstrap/configInputs";

const manual = manualX509Config({
  deviceId: "edge-01",
  iotHubHostName: "contoso-hub.azure-devices.net",
  hostname: "edge-01.local",
  agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6",
  edgeCa: true,
  trustBundle: true,
});

const MANUAL_GOLDEN = `# Written by the edge Pulumi program (bootstrap step 4). Changes here are overwritten.
hostname = "edge-01.local"
trust_bundle_cert = "file:///var/aziot/certs/trust-bundle.cert.pem"

[provisioning]
source = "manual"
iothub_hostname = "contoso-hub.azure-devices.net"
device_id = "edge-01"

[provisioning.authentication]
method = "x509"
identity_cert = "file:///var/aziot/certs/device-identity.cert.pem"
identity_pk = "file:///var/aziot/secrets/device-identity.key.pem"

[edge_ca]
cert = "file:///var/aziot/certs/edge-ca.cert.pem"
pk = "file:///var/aziot/secrets/edge-ca.key.pem"

[agent]
name = "edgeAgent"
type = "docker"

[agent.config]
image = "mcr.microsoft.com/azureiotedge-agent:1.6"
`;

const dps: EdgeConfigInput = {
  hostname: "edge-02",
  provisioning: { source: "dps", idScope: "0ne00ABCDEF", registrationId: "edge-02" },
  edgeCa: false,
  trustBundle: false,
  agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6",
};

const DPS_GOLDEN = `# Written by the edge Pulumi program (bootstrap step 4). Changes here are overwritten.
hostname = "edge-02"

[provisioning]
source = "dps"
global_endpoint = "https://global.azure-devices-provisioning.net"
id_scope = "0ne00ABCDEF"

[provisioning.attestation]
method = "x509"
registration_id = "edge-02"
identity_cert = "file:///var/aziot/certs/device-identity.cert.pem"
identity_pk = "file:///var/aziot/secrets/device-identity.key.pem"

[agent]
name = "edgeAgent"
type = "docker"

[agent.config]
image = "mcr.microsoft.com/azureiotedge-agent:1.6"
`;

/** Index of the first table header; every global key must be before it. */
const firstTable = (toml: string) => toml.split("\n").findIndex((l) => l.startsWith("["));

describe("renderConfigToml", () => {
  test("manual X.509 with edge CA and trust bundle matches the golden file", () => {
    expect(renderConfigToml(manual)).toBe(MANUAL_GOLDEN);
  });

  test("manual X.509 parses back to the runtime's keys", () => {
    expect(parse(renderConfigToml(manual))).toEqual({
      hostname: "edge-01.local",
      trust_bundle_cert: "file:///var/aziot/certs/trust-bundle.cert.pem",
      provisioning: {
        source: "manual",
        iothub_hostname: "contoso-hub.azure-devices.net",
        device_id: "edge-01",
        authentication: {
          method: "x509",
          identity_cert: "file:///var/aziot/certs/device-identity.cert.pem",
          identity_pk: "file:///var/aziot/secrets/device-identity.key.pem",
        },
      },
      edge_ca: { cert: "file:///var/aziot/certs/edge-ca.cert.pem", pk: "file:///var/aziot/secrets/edge-ca.key.pem" },
      agent: { name: "edgeAgent", type: "docker", config: { image: "mcr.microsoft.com/azureiotedge-agent:1.6" } },
    });
  });

  test("DPS X.509 matches the golden file and parses back", () => {
    const toml = renderConfigToml(dps);
    expect(toml).toBe(DPS_GOLDEN);
    const parsed = parse(toml) as { provisioning: Record<string, unknown>; edge_ca?: unknown; trust_bundle_cert?: unknown };
    expect(parsed.provisioning.attestation).toEqual({
      method: "x509",
      registration_id: "edge-02",
      identity_cert: "file:///var/aziot/certs/device-identity.cert.pem",
      identity_pk: "file:///var/aziot/secrets/device-identity.key.pem",
    });
    expect(parsed.edge_ca).toBeUndefined();
    expect(parsed.trust_bundle_cert).toBeUndefined();
  });

  test("DPS without a registration id leaves it out (DPS then uses the certificate CN) and a custom endpoint is kept", () => {
    const toml = renderConfigToml({ ...dps, provisioning: { source: "dps", idScope: "0ne1", globalEndpoint: "https://dps.example" } });
    expect((parse(toml) as { provisioning: Record<string, unknown> }).provisioning).toEqual({
      source: "dps",
      global_endpoint: "https://dps.example",
      id_scope: "0ne1",
      attestation: {
        method: "x509",
        identity_cert: "file:///var/aziot/certs/device-identity.cert.pem",
        identity_pk: "file:///var/aziot/secrets/device-identity.key.pem",
      },
    });
  });

  test.each([
    ["manual", manual],
    ["dps", dps],
  ])("%s: global keys come before every table", (_, input) => {
    const lines = renderConfigToml(input).split("\n");
    const tableAt = firstTable(lines.join("\n"));
    const globals = lines.map((l, i) => [l, i] as const).filter(([l]) => /^(hostname|trust_bundle_cert)\s*=/.test(l));
    expect(globals.length).toBeGreaterThan(0);
    for (const [, i] of globals) expect(i).toBeLessThan(tableAt);
  });

  test.each([
    ["with a trust bundle", true],
    ["without one", false],
  ])(
    "without a hostname (host.edgeHostname unset) the global is left out, and the text is the named one without that line (%s)",
    (_, trustBundle) => {
      const { hostname, ...unnamed } = { ...manual, trustBundle };
      const toml = renderConfigToml(unnamed);
      expect(parse(toml)).not.toHaveProperty("hostname");
      // write-config.sh puts the host's own name back as the first key after the header comment:
      // the file is then exactly what the component rendered when it knew the name.
      expect(toml).toBe(renderConfigToml({ ...unnamed, hostname }).replace(`hostname = "${hostname}"\n`, ""));
    },
  );

  test("a value with quotes and backslashes stays one TOML string", () => {
    const toml = renderConfigToml({ ...manual, hostname: 'we"ird\\host' });
    expect((parse(toml) as { hostname: string }).hostname).toBe('we"ird\\host');
  });

  test("refuses input that cannot make a working config, naming each field", () => {
    const bad: EdgeConfigInput = { ...manual, hostname: " ", provisioning: { source: "manual", iothubHostname: "", deviceId: "d" } };
    expect(configInputProblems(bad)).toEqual(["hostname must not be empty", "provisioning.iothubHostname must not be empty"]);
    expect(() => renderConfigToml(bad)).toThrow(
      "cannot render config.toml: hostname must not be empty; provisioning.iothubHostname must not be empty",
    );
    expect(configInputProblems({ ...dps, provisioning: { source: "dps", idScope: "x", globalEndpoint: "http://dps" } })).toEqual([
      "provisioning.globalEndpoint must be an https:// URL",
    ]);
  });

  test("the DPS form is held to the manual form's rules: an id that is there and well formed, a usable endpoint", () => {
    const withDps = (p: Partial<Extract<EdgeConfigInput["provisioning"], { source: "dps" }>>) =>
      configInputProblems({ ...dps, provisioning: { source: "dps", idScope: "0ne00ABCDEF", ...p } });
    expect(withDps({ registrationId: "edge-02.site_1:a" })).toEqual([]);
    expect(withDps({ registrationId: " " })).toEqual(["provisioning.registrationId must not be empty"]);
    expect(withDps({ registrationId: "-edge-02" })).toEqual([
      "provisioning.registrationId \"-edge-02\" must be 1-128 letters, digits and ': . _ -', starting and ending with a letter or digit",
    ]);
    expect(withDps({ registrationId: "e".repeat(129) })).toHaveLength(1);
    expect(withDps({ registrationId: "edge 02" })).toHaveLength(1);
    expect(withDps({ idScope: "0ne 1" })).toEqual(["provisioning.idScope must not contain spaces"]);
    expect(withDps({ idScope: "" })).toEqual(["provisioning.idScope must not be empty"]);
    expect(withDps({ globalEndpoint: "https://" })).toEqual(["provisioning.globalEndpoint must be an https:// URL"]);
    expect(() => renderConfigToml({ ...dps, provisioning: { source: "dps", idScope: "0ne1", registrationId: "bad id" } })).toThrow(
      'cannot render config.toml: provisioning.registrationId "bad id" must be',
    );
  });
});
