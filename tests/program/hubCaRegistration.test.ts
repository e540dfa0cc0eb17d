// certificateAuthority devices: the stack registers their signing CA on the hub as a verified
// certificate (azure-native iothub.Certificate under FleetHub) before any identity is created, for
// the generated fleet root, the generated intermediate and a Key Vault CA (keyVaultCa). Under mocks,
// with the certificate resources emulated (tests/certificates/support) and Key Vault on its stand-in.
import * as fs from "fs";
import { X509Certificate } from "crypto";
import type { FleetSettings } from "../../components/config/settings";
import { validateFleet } from "../../components/config/validateFleet";
import { loadCertificateSources } from "../../components/certificates/fleetCertificates";
import { EdgeFleet } from "../../components/edgeFleet";
import { hubCertificateName } from "../../components/fleet/hubCaCertificates";
import { RecordedResource, byName, runUnderMocks, valueOf } from "../../lab/mocks/pulumiMocks";
import { existingDevice, stackSettings, wholeFleet } from "../../lab/mocks/stacks";
import { KeyVaultStandin } from "../../lab/standins/keyVaultStandin";
import { certificateMocks, plainInputs } from "../certificates/support/certificateMocks";
import { ROOT_CA_EXT, selfSigned } from "../../lab/certificates/openssl";
import { toPfx } from "../certificates/support/openssl";

let vault: KeyVaultStandin;
beforeAll(async () => (vault = await KeyVaultStandin.start("127.0.6.7")));
afterAll(async () => vault.stop());

function fleet(
  devices: unknown[],
  iotHub: Record<string, unknown> = { name: "hub-test", auth: "entraId", resourceGroup: "rg-hub" },
): FleetSettings {
  const raw = stackSettings(devices, { iotHub, keyVault: { name: "kv-test", url: vault.vaultUrl } });
  const result = validateFleet(raw, (file) => fs.readFileSync(file, "utf8"));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return wholeFleet(result.settings);
}

async function build(settings: FleetSettings) {
  const access = vault.access();
  return runUnderMocks(
    {},
    async () => {
      const certificateSources = await loadCertificateSources(settings, { access });
      return new EdgeFleet("fleet", { settings, stackKey: "edge/test", certificateSources });
    },
    certificateMocks(access),
  );
}

const caDevice = (id: string, certificate: Record<string, unknown>) => ({
  ...existingDevice(id),
  certificate: { authentication: "certificateAuthority", ...certificate },
});
const hubCertificates = (resources: RecordedResource[]) => resources.filter((r) => r.type === "azure-native:iothub:Certificate");

/** Every identity lists every hub CA certificate among its dependencies. */
function expectIdentitiesWaitFor(resources: RecordedResource[], certificates: RecordedResource[]) {
  const identities = resources.filter((r) => r.type === "pulumi-nodejs:dynamic/iotHub:IotHubDevice");
  expect(identities.length).toBeGreaterThan(0);
  for (const identity of identities) for (const c of certificates) expect(identity.dependencies).toContain(c.urn);
}

test("the generated fleet root: registered verified on the existing hub's group, under FleetHub, before the identity; exported", async () => {
  const { resources, result } = await build(fleet([caDevice("ca-root-1", { source: "generate" }), existingDevice("thumb-1")]));
  const certs = hubCertificates(resources);
  expect(certs.map((c) => c.name)).toEqual(["fleet-iothub-ca-edge-fleet-root"]);
  const [cert] = certs;
  expect(cert.parent).toBe(byName(resources, "fleet-iothub").urn);
  const rootPem = await valueOf(result.fleetRootCertificatePem!);
  expect(rootPem).toMatch(/^-----BEGIN CERTIFICATE-----/);
  expect(plainInputs(cert.inputs)).toEqual({
    resourceGroupName: "rg-hub",
    resourceName: "hub-test",
    certificateName: hubCertificateName({ kind: "fleetRoot" }),
    properties: { certificate: rootPem, isVerified: true },
  });
  expectIdentitiesWaitFor(resources, certs);
}, 60_000);

test("an intermediate: the intermediate that signs the device is registered", async () => {
  const { resources } = await build(fleet([caDevice("ca-int-1", { source: "generate", intermediate: true })]));
  const certs = hubCertificates(resources);
  expect(certs.map((c) => c.name)).toEqual(["fleet-iothub-ca-edge-fleet-intermediate"]);
  const registered = new X509Certificate(cert(certs[0]).certificate as string);
  expect(registered.subject).toContain("CN=edge/test edge fleet root CA Intermediate");
  expect(registered.ca).toBe(true);
  expectIdentitiesWaitFor(resources, certs);
}, 60_000);

test("keyVaultCa: the vault's CA is registered, once for every device it signs", async () => {
  const kvCa = selfSigned({ cn: "Contoso Signing CA", days: 3650, ext: ROOT_CA_EXT });
  vault.seed("contoso-signing-ca", { value: toPfx(kvCa).toString("base64"), contentType: "application/x-pkcs12" });
  const { resources } = await build(
    fleet([
      caDevice("kvca-1", { source: "keyVaultCa", caCertificateName: "contoso-signing-ca" }),
      caDevice("kvca-2", { source: "keyVaultCa", caCertificateName: "contoso-signing-ca" }),
    ]),
  );
  const certs = hubCertificates(resources);
  expect(certs.map((c) => c.name)).toEqual(["fleet-iothub-ca-keyvault-ca-contoso-signing-ca"]);
  expect(cert(certs[0])).toEqual({ certificate: kvCa.certPem, isVerified: true });
  expectIdentitiesWaitFor(resources, certs);
}, 60_000);

test("a created hub: the certificate goes on the hub resource the stack makes", async () => {
  const { resources } = await build(
    fleet([caDevice("ca-new-1", { source: "generate" })], { name: "hub-new", create: true, auth: "entraId" }),
  );
  const [c] = hubCertificates(resources);
  expect(plainInputs(c.inputs)).toMatchObject({ resourceGroupName: "rg-edge-test", resourceName: "hub-new" });
}, 60_000);

test("selfSigned devices and keyVault identities (their CA is the operator's to register) register nothing", async () => {
  const { resources } = await build(fleet([existingDevice("thumb-2")]));
  expect(hubCertificates(resources)).toEqual([]);
}, 60_000);

function cert(r: RecordedResource): Record<string, unknown> {
  return plainInputs(r.inputs).properties;
}
