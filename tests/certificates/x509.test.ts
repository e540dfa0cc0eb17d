// Parsing, thumbprints and signing, each held against the openssl CLI.
import { generateKeyPairSync } from "crypto";
import { issueCaCertificate, issueCertificate, nameWithCommonName, subjectKeyIdOf } from "../../components/certificates/issue";
import { pfxToPem } from "../../components/certificates/pfx";
import { thumbprintsOf } from "../../components/certificates/thumbprint";
import { OID, certificatePems, parseCertificate, pemBlocks, privateKeyPems } from "../../components/certificates/x509";
import { LEAF_EXT, ROOT_CA_EXT, selfSigned, signedBy } from "../../lab/certificates/openssl";
import { asn1Parse, certText, fingerprint, toPfx, verify } from "./support/openssl";

const root = selfSigned({ cn: "Test Root", days: 3650, ext: ROOT_CA_EXT });
const rsaRoot = selfSigned({ cn: "RSA Root", key: "rsa", days: 3650, ext: ROOT_CA_EXT });
const pkcs8 = (pem: string) => require("crypto").createPrivateKey(pem).export({ type: "pkcs8", format: "pem" }) as string;

describe("parseCertificate", () => {
  test("reads what openssl wrote: names, dates, CA constraints, key usage", () => {
    const ca = signedBy(root, {
      cn: "Sub CA",
      days: 10,
      ext: [
        "basicConstraints=critical,CA:TRUE,pathlen:3",
        "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        "subjectKeyIdentifier=hash",
        "authorityKeyIdentifier=keyid",
      ],
    });
    const info = parseCertificate(ca.certPem);
    expect(info.subjectCommonName).toBe("Sub CA");
    expect(info.issuerCommonName).toBe("Test Root");
    expect(info.basicConstraints).toEqual({ ca: true, pathLength: 3, critical: true });
    expect([...info.keyUsage!.usages].sort()).toEqual(["cRLSign", "digitalSignature", "keyCertSign"]);
    expect(
      parseCertificate(signedBy(root, { cn: "x", ext: ["keyUsage=nonRepudiation,keyAgreement,decipherOnly"] }).certPem).keyUsage,
    ).toEqual({
      usages: new Set(["nonRepudiation", "keyAgreement", "decipherOnly"]),
      critical: false,
    });
    expect(info.keyUsage!.critical).toBe(true);
    expect(info.extendedKeyUsage).toEqual([]);
    expect(info.authorityKeyId!.equals(parseCertificate(root.certPem).subjectKeyId!)).toBe(true);
    const days = (info.notAfter.getTime() - info.notBefore.getTime()) / 86_400_000;
    expect(days).toBe(10);
    const x = new (require("crypto").X509Certificate)(ca.certPem);
    expect(info.notAfter.getTime()).toBe(new Date(x.validTo).getTime());
    expect(info.serialNumber.toString(16).toUpperCase().padStart(x.serialNumber.length, "0")).toBe(x.serialNumber);
  });

  test("a leaf: CA:FALSE, clientAuth; a bare certificate: no extensions at all", () => {
    const leaf = parseCertificate(signedBy(root, { cn: "dev-1", ext: LEAF_EXT }).certPem);
    expect(leaf.basicConstraints).toEqual({ ca: false, pathLength: undefined, critical: true });
    expect(leaf.extendedKeyUsage).toEqual([OID.clientAuth]);
    const bare = parseCertificate(selfSigned({ cn: "bare" }).certPem);
    expect(bare.basicConstraints).toBeUndefined();
    expect(bare.keyUsage).toBeUndefined();
  });

  test("PEM bundles: blocks in order, certificates and keys apart", () => {
    const bundle = `junk\n${root.keyPem}\n\n${root.certPem}${rsaRoot.certPem}`;
    expect(pemBlocks(bundle).map((b) => b.type)).toEqual(["PRIVATE KEY", "CERTIFICATE", "CERTIFICATE"]);
    expect(certificatePems(bundle)).toHaveLength(2);
    expect(privateKeyPems(bundle)).toEqual([root.keyPem]);
    expect(() => parseCertificate("no pem here")).toThrow("no -----BEGIN CERTIFICATE----- block found");
    expect(() => parseCertificate("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n")).toThrow(
      /^not a readable X\.509 certificate: /,
    );
  });
});

describe("thumbprintsOf", () => {
  test.each([
    ["ECDSA", root.certPem],
    ["RSA", rsaRoot.certPem],
  ])("%s: SHA-1 and SHA-256 equal openssl's fingerprints, upper-case hex without colons", (_, pem) => {
    const t = thumbprintsOf(pem);
    expect(t.sha1).toBe(fingerprint(pem, "sha1"));
    expect(t.sha256).toBe(fingerprint(pem, "sha256"));
    expect(t.sha1).toMatch(/^[0-9A-F]{40}$/);
    expect(t.sha256).toMatch(/^[0-9A-F]{64}$/);
  });
});

describe("issueCaCertificate (the edge CA)", () => {
  test.each([
    ["ECDSA issuer, RSA edge CA", root, "rsa"],
    ["RSA issuer, ECDSA edge CA", rsaRoot, "ec"],
  ] as const)("%s: verifies under the issuer, CA:TRUE pathlen:0, keyCertSign, AKI = issuer SKI", async (_, issuer, keyType) => {
    const key =
      keyType === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
    const now = new Date();
    const pem = await issueCaCertificate({
      commonName: "dev-1.edge-ca",
      publicKeyPem: key.publicKey.export({ type: "spki", format: "pem" }) as string,
      issuerCertPem: issuer.certPem,
      issuerKeyPem: issuer.keyPem,
      validityHours: 48,
      now,
      pathLength: 0,
    });
    expect(verify(issuer.certPem, [], pem)).toEqual({ ok: true, output: expect.stringContaining("OK") });
    const text = certText(pem);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).toContain("Subject: CN = dev-1.edge-ca");
    const info = parseCertificate(pem);
    expect(info.authorityKeyId!.equals(parseCertificate(issuer.certPem).subjectKeyId!)).toBe(true);
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBe(48 * 3_600_000);

    // What pathlen:0 is for: a module certificate under it verifies, a CA under it does not.
    const edgeCa = { certPem: pem, keyPem: key.privateKey.export({ type: "pkcs8", format: "pem" }) as string };
    const moduleCert = signedBy(edgeCa, { cn: "edgeHub", ext: ["basicConstraints=critical,CA:FALSE", "extendedKeyUsage=serverAuth"] });
    expect(verify(issuer.certPem, [pem], moduleCert.certPem).ok).toBe(true);
    const rogueCa = signedBy(edgeCa, { cn: "rogue", ext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"] });
    const leafOfRogue = signedBy(rogueCa, { cn: "x", ext: LEAF_EXT });
    const refused = verify(issuer.certPem, [pem, rogueCa.certPem], leafOfRogue.certPem);
    expect(refused.ok).toBe(false);
    expect(refused.output).toContain("path length constraint exceeded");
  });

  test("dates from 2050 on are GeneralizedTime, before are UTCTime; openssl reads both", async () => {
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const name = nameWithCommonName("far");
    const notBefore = new Date(Date.UTC(2049, 11, 31, 23, 59, 59));
    const notAfter = new Date(Date.UTC(2050, 0, 1, 0, 0, 0));
    const pem = await issueCertificate(
      { subjectName: name, notBefore, notAfter, subjectKeyId: await subjectKeyIdOf(key.publicKey) },
      key.publicKey,
      { name, privateKey: key.privateKey },
    );
    const info = parseCertificate(pem);
    expect([info.notBefore.toISOString(), info.notAfter.toISOString()]).toEqual(["2049-12-31T23:59:59.000Z", "2050-01-01T00:00:00.000Z"]);
    expect(certText(pem)).toMatch(/Not Before: Dec 31 23:59:59 2049 GMT\s+Not After : Jan {2}1 00:00:00 2050 GMT/);
    // The validity's two times, as openssl reads their DER tags: UTCTime, then GeneralizedTime.
    expect([...asn1Parse(pem).matchAll(/prim: (UTCTIME|GENERALIZEDTIME) /g)].map((m) => m[1])).toEqual(["UTCTIME", "GENERALIZEDTIME"]);
  });

  test("a P-384 issuer signs with ECDSA SHA-384, as Go chooses for the curve", async () => {
    const p384 = selfSigned({ cn: "P-384 Root", key: "ec-p384", days: 3650, ext: ROOT_CA_EXT });
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = await issueCaCertificate({
      commonName: "dev-384.edge-ca",
      publicKeyPem: key.publicKey.export({ type: "spki", format: "pem" }) as string,
      issuerCertPem: p384.certPem,
      issuerKeyPem: p384.keyPem,
      validityHours: 1,
      now: new Date(),
      pathLength: 0,
    });
    expect(certText(pem)).toContain("Signature Algorithm: ecdsa-with-SHA384");
    expect(verify(p384.certPem, [], pem).ok).toBe(true);
  });

  test("the issuer field keeps the issuer subject's encoding: a PrintableString name stays PrintableString", async () => {
    const printable = selfSigned({ cn: "Printable Root", days: 3650, ext: ROOT_CA_EXT, printableNames: true });
    expect(asn1Parse(printable.certPem)).toMatch(/prim: PRINTABLESTRING +:Printable Root$/m);
    const key = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = await issueCaCertificate({
      commonName: "dev-p.edge-ca",
      publicKeyPem: key.publicKey.export({ type: "spki", format: "pem" }) as string,
      issuerCertPem: printable.certPem,
      issuerKeyPem: printable.keyPem,
      validityHours: 1,
      now: new Date(),
      pathLength: 0,
    });
    const issuerField = new (require("crypto").X509Certificate)(pem).issuer;
    expect(issuerField).toBe("CN=Printable Root");
    // The issuer Name's encoding, read by openssl: the same PrintableString as the issuer's subject.
    expect(asn1Parse(pem)).toMatch(/prim: PRINTABLESTRING +:Printable Root$/m);
    expect(verify(printable.certPem, [], pem).ok).toBe(true);
  });

  test("a device id with DN syntax characters is written as it is, not parsed as a DN", async () => {
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = await issueCaCertificate({
      commonName: "#dev,1+x=y\\z.edge-ca",
      publicKeyPem: key.publicKey.export({ type: "spki", format: "pem" }) as string,
      issuerCertPem: root.certPem,
      issuerKeyPem: root.keyPem,
      validityHours: 1,
      now: new Date(),
      pathLength: 0,
    });
    expect(parseCertificate(pem).subjectCommonName).toBe("#dev,1+x=y\\z.edge-ca");
    expect(asn1Parse(pem)).toMatch(/prim: UTF8STRING +:#dev,1\+x=y\\z\.edge-ca$/m);
  });
});

describe("pfxToPem", () => {
  const leaf = signedBy(rsaRoot, { cn: "dev-pfx", key: "rsa", ext: LEAF_EXT });
  const ecLeaf = signedBy(root, { cn: "dev-pfx-ec", ext: LEAF_EXT });
  test.each([
    ["RSA, AES (openssl 3 default)", leaf, rsaRoot, {}],
    ["RSA, legacy 3DES", leaf, rsaRoot, { legacy: true }],
    ["ECDSA, AES", ecLeaf, root, {}],
    ["ECDSA, legacy 3DES, with a password", ecLeaf, root, { legacy: true, password: "s3cret" }],
  ] as const)("%s: the same certificates and the same key come back as PEM", (_, pair, ca, options) => {
    const pfx = toPfx(pair, [ca.certPem], options);
    const out = pfxToPem(pfx.toString("base64"), "password" in options ? options.password : "");
    expect(out.certificates.map((c) => thumbprintsOf(c).sha256).sort()).toEqual(
      [thumbprintsOf(pair.certPem).sha256, thumbprintsOf(ca.certPem).sha256].sort(),
    );
    expect(out.privateKeys).toEqual([pkcs8(pair.keyPem)]);
  });

  test("a wrong password or garbage is refused with a reason", () => {
    expect(() => pfxToPem(toPfx(leaf, [], { password: "right" }), "wrong")).toThrow(/^not a readable PKCS#12 \(PFX\) file: /);
    expect(() => pfxToPem(Buffer.from("not a pfx"))).toThrow(/^not a readable PKCS#12 \(PFX\) file: /);
  });
});
