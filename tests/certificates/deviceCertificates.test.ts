// Device certificates under mocks: @pulumi/tls emulated as its provider behaves, the dynamic
// providers run for real (Key Vault against the HTTPS stand-in). The chains the program asks for
// are verified with openssl, thumbprints compared with openssl's, secrets checked.
import * as fs from "fs";
import { X509Certificate, createPrivateKey } from "crypto";
import type { FleetSettings } from "../../components/config/settings";
import { validateFleet } from "../../components/config/validateFleet";
import { DeviceCertificates } from "../../components/certificates/deviceCertificates";
import { createFleetCa, keyVaultBindingFor, loadCertificateSources } from "../../components/certificates/fleetCertificates";
import type { KeyVaultAccess } from "../../components/certificates/keyVaultAccess";
import { certificatePems, parseCertificate, OID } from "../../components/certificates/x509";
import { RecordedResource, byName, isSecretValue, runUnderMocks, valueOf } from "../../lab/mocks/pulumiMocks";
import { existingDevice, stackSettings, vmDevice, wholeFleet } from "../../lab/mocks/stacks";
import { KeyVaultStandin } from "../../lab/standins/keyVaultStandin";
import { certificateMocks } from "./support/certificateMocks";
import { LEAF_EXT, ROOT_CA_EXT, selfSigned, signedBy } from "../../lab/certificates/openssl";
import { certText, fingerprint, toPfx, verify } from "./support/openssl";

let vault: KeyVaultStandin;
beforeAll(async () => (vault = await KeyVaultStandin.start("127.0.6.2")));
afterAll(async () => vault.stop());

function fleet(devices: unknown[]): FleetSettings {
  const raw = stackSettings(devices, { keyVault: { name: "kv-test", url: vault.vaultUrl } });
  const result = validateFleet(raw, (file) => fs.readFileSync(file, "utf8"));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return wholeFleet(result.settings);
}

async function run(settings: FleetSettings, access: KeyVaultAccess = vault.access()) {
  const log = { created: [] as string[] };
  const mocked = await runUnderMocks(
    {},
    async () => {
      const sources = await loadCertificateSources(settings, { access });
      const fleetCa = createFleetCa("fleet-ca", sources, "edge/test");
      const binding = keyVaultBindingFor(settings.keyVault, { "edge-stack": "edge/test" });
      return new Map(
        settings.devices.map((d) => [
          d.id,
          new DeviceCertificates(`certs-${d.id}`, { deviceId: d.id, source: sources.get(d.id)!, fleetCa, keyVault: binding }),
        ]),
      );
    },
    certificateMocks(access, log),
  );
  return { ...mocked, log };
}

/** What a device's certificates resolve to. */
async function values(certs: DeviceCertificates) {
  return {
    identityCert: await valueOf(certs.identity.certPem),
    identityKey: await valueOf(certs.identity.keyPem),
    edgeCaCert: await valueOf(certs.edgeCa.certPem),
    edgeCaKey: await valueOf(certs.edgeCa.keyPem),
    trustBundle: await valueOf(certs.trustBundlePem),
    thumbprints: await valueOf(certs.thumbprints),
    hubThumbprints: certs.hubThumbprints && (await valueOf(certs.hubThumbprints)),
  };
}

const keyMatches = (certPem: string, keyPem: string) => new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));

describe("generated: fleet root (and intermediate), identity, edge CA, Key Vault copy", () => {
  let resources: RecordedResource[];
  let devices: Map<string, DeviceCertificates>;
  beforeAll(async () => {
    const settings = fleet([
      vmDevice("dev-rsa"),
      {
        ...existingDevice("dev-ec"),
        certificate: { source: "generate", keyAlgorithm: "ECDSA", intermediate: true, validityDays: 90, renewBeforeDays: 10 },
      },
    ]);
    const result = await run(settings);
    resources = result.resources;
    devices = result.result;
  }, 60_000);

  test("exactly these resources, each under its component", () => {
    const mine = resources.filter((r) => r.type.startsWith("tls:") || r.type.includes("certificates")).map((r) => `${r.type} ${r.name}`);
    const perDevice = (d: string) => [
      `edge:certificates:DeviceCertificates certs-${d}`,
      `tls:index/privateKey:PrivateKey certs-${d}-identity-key`,
      `tls:index/certRequest:CertRequest certs-${d}-identity-csr`,
      `tls:index/locallySignedCert:LocallySignedCert certs-${d}-identity-cert`,
      `pulumi-nodejs:dynamic/certificates:KeyVaultCertificate certs-${d}-keyvault-cert`,
      `tls:index/privateKey:PrivateKey certs-${d}-edge-ca-key`,
      `pulumi-nodejs:dynamic/certificates:EdgeCaCertificate certs-${d}-edge-ca-cert`,
      `pulumi-nodejs:dynamic/certificates:ThumbprintSlots certs-${d}-thumbprints`,
    ];
    expect(mine.sort()).toEqual(
      [
        "edge:certificates:FleetCertificateAuthority fleet-ca",
        "tls:index/privateKey:PrivateKey fleet-ca-root-key",
        "tls:index/selfSignedCert:SelfSignedCert fleet-ca-root-cert",
        "tls:index/privateKey:PrivateKey fleet-ca-intermediate-key",
        "tls:index/certRequest:CertRequest fleet-ca-intermediate-csr",
        "tls:index/locallySignedCert:LocallySignedCert fleet-ca-intermediate-cert",
        ...perDevice("dev-rsa"),
        ...perDevice("dev-ec"),
      ].sort(),
    );
    const urn = (name: string) => byName(resources, name).urn;
    expect(byName(resources, "fleet-ca-root-cert").parent).toBe(urn("fleet-ca"));
    for (const child of ["identity-key", "identity-cert", "edge-ca-cert", "keyvault-cert", "thumbprints"]) {
      expect(byName(resources, `certs-dev-ec-${child}`).parent).toBe(urn("certs-dev-ec"));
    }
  });

  test("RSA device under the root: identity and edge CA verify with openssl; identity is a client certificate with CN = device id", async () => {
    const v = await values(devices.get("dev-rsa")!);
    const [leaf, ...chain] = certificatePems(v.identityCert);
    expect(chain).toEqual([v.trustBundle]);
    expect(verify(v.trustBundle, [], leaf, { purpose: "sslclient" })).toMatchObject({ ok: true });
    const info = parseCertificate(leaf);
    expect(info.subjectCommonName).toBe("dev-rsa");
    expect(info.extendedKeyUsage).toEqual([OID.clientAuth]);
    expect([...info.keyUsage!.usages].sort()).toEqual(["digitalSignature", "keyEncipherment"]);
    expect(info.basicConstraints).toEqual({ ca: false, pathLength: undefined, critical: true });
    expect((info.notAfter.getTime() - info.notBefore.getTime()) / 86_400_000).toBe(365);
    expect(keyMatches(leaf, v.identityKey)).toBe(true);

    const [edgeCa] = certificatePems(v.edgeCaCert);
    expect(verify(v.trustBundle, [], edgeCa)).toMatchObject({ ok: true });
    expect(certText(edgeCa)).toMatch(
      /Subject: CN = dev-rsa\.edge-ca[\s\S]*CA:TRUE, pathlen:0[\s\S]*Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/,
    );
    expect(keyMatches(edgeCa, v.edgeCaKey)).toBe(true);
  });

  test("ECDSA device under the intermediate: root + intermediate + device verify; a module certificate under its edge CA verifies too", async () => {
    const v = await values(devices.get("dev-ec")!);
    const [leaf, intermediate, root] = certificatePems(v.identityCert);
    expect(root).toBe(v.trustBundle);
    expect(parseCertificate(intermediate).basicConstraints).toEqual({ ca: true, pathLength: 1, critical: true });
    expect(verify(root, [intermediate], leaf, { purpose: "sslclient" })).toMatchObject({ ok: true });
    expect(verify(root, [], leaf).ok).toBe(false); // the intermediate really is needed
    expect(createPrivateKey(v.identityKey).asymmetricKeyDetails).toEqual({ namedCurve: "prime256v1" });
    expect([...parseCertificate(leaf).keyUsage!.usages]).toEqual(["digitalSignature"]);
    expect((parseCertificate(leaf).notAfter.getTime() - parseCertificate(leaf).notBefore.getTime()) / 86_400_000).toBe(90);

    const [edgeCa, ...edgeChain] = certificatePems(v.edgeCaCert);
    expect(edgeChain).toEqual([intermediate, root]);
    expect(verify(root, [intermediate], edgeCa)).toMatchObject({ ok: true });
    const moduleCert = signedBy(
      { certPem: edgeCa, keyPem: v.edgeCaKey },
      { cn: "edgeHub", ext: ["basicConstraints=critical,CA:FALSE", "extendedKeyUsage=serverAuth"] },
    );
    expect(verify(root, [intermediate, edgeCa], moduleCert.certPem, { purpose: "sslserver" })).toMatchObject({ ok: true });
  });

  test("thumbprints are openssl's fingerprints of the identity certificate; both hub slots hold the SHA-256 one", async () => {
    for (const id of ["dev-rsa", "dev-ec"]) {
      const v = await values(devices.get(id)!);
      const [leaf] = certificatePems(v.identityCert);
      expect(v.thumbprints).toEqual({ sha1: fingerprint(leaf, "sha1"), sha256: fingerprint(leaf, "sha256") });
      expect(v.hubThumbprints).toEqual({ primary: v.thumbprints.sha256, secondary: v.thumbprints.sha256 });
    }
  });

  test("each identity is in Key Vault, with its key and chain, tagged with its device and stack", async () => {
    for (const id of ["dev-rsa", "dev-ec"]) {
      const v = await values(devices.get(id)!);
      const stored = vault.latest(`edge-${id}`)!;
      expect(stored.contentType).toBe("application/x-pem-file");
      expect(certificatePems(stored.secretValue)).toEqual(certificatePems(v.identityCert));
      expect(keyMatches(certificatePems(v.identityCert)[0], stored.secretValue)).toBe(true);
      expect(vault.tagsOf(`edge-${id}`)).toEqual({ "edge-device": id, "edge-stack": "edge/test" });
      expect(await valueOf(devices.get(id)!.keyVaultCertificateId!)).toBe(`${vault.vaultUrl}/certificates/edge-${id}/${stored.version}`);
    }
  });

  test("every private key is a secret: in the outputs, and wherever it is an input of our resources", async () => {
    for (const certs of devices.values()) {
      expect(await (certs.identity.keyPem as any).isSecret).toBe(true);
      expect(await (certs.edgeCa.keyPem as any).isSecret).toBe(true);
      expect(await (certs.identity.certPem as any).isSecret).toBe(false);
    }
    for (const r of resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic/certificates"))) {
      for (const [key, value] of Object.entries(r.inputs)) {
        if (JSON.stringify(value).includes("PRIVATE KEY")) expect([key, isSecretValue(value)]).toEqual([key, true]);
      }
    }
    // @pulumi/tls marks its own key outputs secret; the engine applies that.
    for (const r of resources.filter((x) => x.type === "tls:index/privateKey:PrivateKey")) {
      expect(r.additionalSecretOutputs).toEqual(expect.arrayContaining(["privateKeyPem", "privateKeyPemPkcs8"]));
    }
  });
});

describe("Key Vault sources", () => {
  const kvRoot = selfSigned({ cn: "Contoso Devices CA", days: 3650, ext: ROOT_CA_EXT });
  const identity = signedBy(kvRoot, { cn: "dev-kv", days: 300, ext: LEAF_EXT });

  test("keyVaultCa (PFX in the vault): device certificates and the edge CA chain to the vault's CA", async () => {
    vault.seed("fleet-signing-ca", { value: toPfx(kvRoot).toString("base64"), contentType: "application/x-pkcs12" });
    const settings = fleet([{ ...vmDevice("dev-signed"), certificate: { source: "keyVaultCa", caCertificateName: "fleet-signing-ca" } }]);
    const { result, resources } = await run(settings);
    const v = await values(result.get("dev-signed")!);
    const [leaf, ca] = certificatePems(v.identityCert);
    expect(ca).toBe(kvRoot.certPem);
    expect(v.trustBundle).toBe(kvRoot.certPem);
    expect(verify(kvRoot.certPem, [], leaf, { purpose: "sslclient" })).toMatchObject({ ok: true });
    expect(verify(kvRoot.certPem, [], certificatePems(v.edgeCaCert)[0])).toMatchObject({ ok: true });
    expect(resources.some((r) => r.name.startsWith("fleet-ca"))).toBe(false);
    // The vault's CA key reaches the signing resources only as a secret.
    expect(isSecretValue(byName(resources, "certs-dev-signed-identity-cert").inputs.caPrivateKeyPem)).toBe(true);
    expect(isSecretValue(byName(resources, "certs-dev-signed-edge-ca-cert").inputs.issuerKeyPem)).toBe(true);
  }, 60_000);

  test("keyVault (PEM in the vault): the identity is used as it is; the edge CA is generated under the fleet root", async () => {
    vault.seed("dev-kv-identity", {
      value: `${identity.keyPem}${identity.certPem}${kvRoot.certPem}`,
      contentType: "application/x-pem-file",
    });
    const settings = fleet([
      {
        ...existingDevice("dev-kv"),
        certificate: { source: "keyVault", certificateName: "dev-kv-identity", authentication: "certificateAuthority" },
      },
    ]);
    const { result, resources } = await run(settings);
    const certs = result.get("dev-kv")!;
    const v = await values(certs);
    expect(certificatePems(v.identityCert)).toEqual([identity.certPem, kvRoot.certPem]);
    expect(keyMatches(identity.certPem, v.identityKey)).toBe(true);
    expect(v.thumbprints).toEqual({ sha1: fingerprint(identity.certPem, "sha1"), sha256: fingerprint(identity.certPem, "sha256") });
    // certificateAuthority authentication: no thumbprint slots.
    expect(v.hubThumbprints).toBeUndefined();
    expect(
      resources
        .map((r) => r.name)
        .filter((n) => n.startsWith("certs-dev-kv-"))
        .sort(),
    ).toEqual(["certs-dev-kv-edge-ca-cert", "certs-dev-kv-edge-ca-key"]);
    const [edgeCa, fleetRoot] = certificatePems(v.edgeCaCert);
    expect(verify(fleetRoot, [], edgeCa)).toMatchObject({ ok: true });
    // Modules trust the edge CA's root, not the vault CA that only IoT Hub needs.
    expect(v.trustBundle).toBe(fleetRoot);
    expect(fleetRoot).not.toBe(kvRoot.certPem);
  }, 60_000);
});

describe("bad inputs: every problem, and nothing created", () => {
  const kvRoot = selfSigned({ cn: "Bad Inputs CA", days: 3650, ext: ROOT_CA_EXT });
  const leafCa = signedBy(kvRoot, { cn: "not-a-ca", days: 3650, ext: LEAF_EXT });
  const shortCa = signedBy(kvRoot, {
    cn: "short-ca",
    days: 100,
    ext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"],
  });
  const otherDevice = signedBy(kvRoot, { cn: "someone-else", days: 300, ext: LEAF_EXT });
  const expiring = signedBy(kvRoot, { cn: "bad-expiring", days: 10, ext: LEAF_EXT });
  const pem = (p: { certPem: string; keyPem: string }, key = p.keyPem) => `${key}${p.certPem}`;

  test("the program stops before its first resource, with one line per problem", async () => {
    vault.seed("leaf-as-ca", { value: pem(leafCa), contentType: "application/x-pem-file" });
    vault.seed("short-ca", { value: pem(shortCa), contentType: "application/x-pem-file" });
    vault.seed("wrong-key", { value: pem(otherDevice, leafCa.keyPem), contentType: "application/x-pem-file", mismatchedKey: true });
    vault.seed("other-device", { value: pem(otherDevice), contentType: "application/x-pem-file" });
    vault.seed("expiring", { value: pem(expiring), contentType: "application/x-pem-file" });
    vault.seed("no-key", { value: pem(otherDevice), contentType: "application/x-pem-file", exportable: false });
    vault.seed("leaf-as-edge-ca", { value: pem(leafCa), contentType: "application/x-pem-file" });
    const kv = (id: string, certificate: Record<string, unknown>) => ({ ...existingDevice(id), certificate });
    const settings = fleet([
      kv("bad-missing", { source: "keyVault", certificateName: "nowhere" }),
      kv("bad-no-key", { source: "keyVault", certificateName: "no-key" }),
      kv("bad-wrong-key", { source: "keyVault", certificateName: "wrong-key" }),
      kv("bad-cn", { source: "keyVault", certificateName: "other-device", authentication: "certificateAuthority" }),
      kv("bad-expiring", { source: "keyVault", certificateName: "expiring" }),
      kv("bad-edge-ca", { source: "keyVault", certificateName: "other-device", edgeCaCertificateName: "leaf-as-edge-ca" }),
      kv("bad-signing-ca", { source: "keyVaultCa", caCertificateName: "leaf-as-ca" }),
      kv("bad-short-ca", { source: "keyVaultCa", caCertificateName: "short-ca", validityDays: 365 }),
    ]);
    const log = { created: [] as string[] };
    const error = await runUnderMocks(
      {},
      async () => {
        const sources = await loadCertificateSources(settings, { access: vault.access() });
        createFleetCa("fleet-ca", sources, "edge/test");
      },
      certificateMocks(vault.access(), log),
    ).catch((e: Error) => e);
    expect(log.created).toEqual([]);
    const lines = (error as Error).message.split("\n");
    expect(lines[0]).toBe("The stack settings have 8 problems; nothing was created:");
    expect(lines.slice(1)).toEqual([
      `  - devices[0].certificate.certificateName (device "bad-missing"): Key Vault certificate "nowhere" does not exist (check the name and the vault)`,
      `  - devices[1].certificate.certificateName (device "bad-no-key"): Key Vault certificate "no-key" has a non-exportable private key, so it cannot be copied to a device; create or import it with an exportable key policy`,
      `  - devices[2].certificate.certificateName (device "bad-wrong-key"): Key Vault certificate "wrong-key" has a private key that does not match its certificate`,
      `  - devices[3].certificate.certificateName (device "bad-cn"): Key Vault certificate "other-device" has CN "someone-else", but certificateAuthority authentication needs CN = the device id "bad-cn"; use a certificate issued for this device, or authentication "selfSigned"`,
      expect.stringMatching(
        /^ {2}- devices\[4\]\.certificate\.certificateName \(device "bad-expiring"\): Key Vault certificate "expiring" expires on \d{4}-\d\d-\d\d, inside the renewal window of 30 days; renew it in Key Vault, or lower renewBeforeDays$/,
      ),
      `  - devices[5].certificate.edgeCaCertificateName (device "bad-edge-ca"): Key Vault certificate "leaf-as-edge-ca" has no CA extensions (basicConstraints CA:TRUE), so nothing it signs would verify; use a CA certificate`,
      `  - devices[6].certificate.caCertificateName (device "bad-signing-ca"): Key Vault certificate "leaf-as-ca" has no CA extensions (basicConstraints CA:TRUE), so nothing it signs would verify; use a CA certificate`,
      expect.stringMatching(
        /^ {2}- devices\[7\]\.certificate\.caCertificateName \(device "bad-short-ca"\): Key Vault certificate "short-ca" expires on \d{4}-\d\d-\d\d, before certificates it signs now for 365 days would; renew the CA, or lower validityDays$/,
      ),
    ]);
  }, 60_000);
});

test("the program: a Key Vault source without edge:keyVault stops the run before its first resource", async () => {
  const { asConfigMap } = await import("../../lab/mocks/stacks");
  const settings = stackSettings([{ ...vmDevice("edge-01"), certificate: { source: "keyVault", certificateName: "edge-01-identity" } }]);
  let thrown: unknown;
  const mocked = await runUnderMocks(asConfigMap(settings), async () => {
    const { defineStack } = await import("../../components/program");
    await defineStack({ projectDir: process.cwd() }).catch((err: unknown) => (thrown = err));
  });
  expect(mocked.resources).toEqual([]);
  expect((thrown as Error).constructor.name).toBe("RunError");
  expect((thrown as Error).message).toBe(
    [
      "The stack settings have 1 problem; nothing was created:",
      '  - devices[0].certificate.source (device "edge-01"): "keyVault" reads from Key Vault; set edge:keyVault.name to the vault that holds the certificate',
    ].join("\n"),
  );
});
