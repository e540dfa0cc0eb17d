// Writing and signing an X.509 v3 certificate with @peculiar/x509 (x509Library.ts) through Node's
// WebCrypto. Pure apart from the random serial number.
// Used for the edge CA, whose basicConstraints must say pathlen:0: @pulumi/tls cannot write that
// (its provider sets Go's MaxPathLen = 0 without MaxPathLenZero, which Go encodes as "no limit").
import { KeyObject, createPrivateKey, createPublicKey, randomBytes, type webcrypto } from "crypto";
import { KeyUsage, parseCertificate, toPem } from "./x509";
import { nodeWebCrypto, x509Library } from "./x509Library";

export interface CertificateTemplate {
  readonly serialNumber?: bigint;
  /** DER of the subject Name; see `nameWithCommonName`. */
  readonly subjectName: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Written critical, as Go and OpenSSL do. */
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** Written critical. */
  readonly keyUsage?: readonly KeyUsage[];
  /** OIDs; written non-critical. */
  readonly extendedKeyUsage?: readonly string[];
  readonly subjectKeyId?: Buffer;
  readonly authorityKeyId?: Buffer;
}

export interface Issuer {
  /** DER of the issuer's subject Name. */
  readonly name: Buffer;
  readonly privateKey: KeyObject;
}

/** A Name with a single CN (and an O when given), both UTF8String, the values taken as they are. */
export function nameWithCommonName(commonName: string, organization?: string): Buffer {
  const name = new (x509Library().Name)([
    ...(organization ? [{ O: [{ utf8String: organization }] }] : []),
    { CN: [{ utf8String: commonName }] },
  ]);
  return Buffer.from(name.toArrayBuffer());
}

/**
 * RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. The same value @pulumi/tls
 * (Go) writes, so identifiers line up across a chain made partly by each.
 */
export async function subjectKeyIdOf(publicKey: KeyObject): Promise<Buffer> {
  const spki = publicKey.export({ type: "spki", format: "der" });
  return Buffer.from(await new (x509Library().PublicKey)(spki).getKeyIdentifier("SHA-1", nodeWebCrypto()));
}

/** Signs `template` for `subjectPublicKey` with the issuer's key; returns the certificate as PEM. */
export async function issueCertificate(template: CertificateTemplate, subjectPublicKey: KeyObject, issuer: Issuer): Promise<string> {
  const x509 = x509Library();
  const crypto = nodeWebCrypto();
  const { importParams, signingAlgorithm } = webCryptoAlgorithmFor(issuer.privateKey);
  const signingKey = await crypto.subtle.importKey(
    "pkcs8",
    issuer.privateKey.export({ type: "pkcs8", format: "der" }),
    importParams,
    false,
    ["sign"],
  );
  const serial = template.serialNumber ?? BigInt(`0x${randomBytes(16).toString("hex")}`) + 1n;
  const extensions = [];
  if (template.basicConstraints) {
    const { ca, pathLength } = template.basicConstraints;
    extensions.push(new x509.BasicConstraintsExtension(ca, ca ? pathLength : undefined, true));
  }
  if (template.keyUsage && template.keyUsage.length > 0) {
    extensions.push(
      new x509.KeyUsagesExtension(
        template.keyUsage.reduce((flags, u) => flags | x509.KeyUsageFlags[u], 0),
        true,
      ),
    );
  }
  if (template.extendedKeyUsage && template.extendedKeyUsage.length > 0)
    extensions.push(new x509.ExtendedKeyUsageExtension([...template.extendedKeyUsage], false));
  if (template.subjectKeyId) extensions.push(new x509.SubjectKeyIdentifierExtension(template.subjectKeyId.toString("hex"), false));
  if (template.authorityKeyId) extensions.push(new x509.AuthorityKeyIdentifierExtension(template.authorityKeyId.toString("hex"), false));
  const certificate = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serial.toString(16),
      subject: new x509.Name(template.subjectName),
      issuer: new x509.Name(issuer.name),
      notBefore: template.notBefore,
      notAfter: template.notAfter,
      publicKey: subjectPublicKey.export({ type: "spki", format: "der" }),
      signingKey,
      signingAlgorithm,
      extensions,
    },
    crypto,
  );
  return toPem("CERTIFICATE", Buffer.from(certificate.rawData));
}

/** A CA certificate signed by the certificate and key in `issuerCertPem`/`issuerKeyPem`. */
export interface CaCertificateRequest {
  readonly commonName: string;
  readonly publicKeyPem: string;
  readonly issuerCertPem: string;
  readonly issuerKeyPem: string;
  readonly validityHours: number;
  readonly now: Date;
  /** pathLenConstraint; 0 for a CA that signs only end-entity certificates (an edge CA). */
  readonly pathLength: number;
}

export async function issueCaCertificate(request: CaCertificateRequest): Promise<string> {
  const issuerCert = parseCertificate(request.issuerCertPem);
  const publicKey = createPublicKey(request.publicKeyPem);
  const notAfter = new Date(request.now.getTime() + request.validityHours * 3_600_000);
  return issueCertificate(
    {
      subjectName: nameWithCommonName(request.commonName),
      notBefore: request.now,
      notAfter,
      basicConstraints: { ca: true, pathLength: request.pathLength },
      keyUsage: ["digitalSignature", "keyCertSign", "cRLSign"],
      subjectKeyId: await subjectKeyIdOf(publicKey),
      authorityKeyId: issuerCert.subjectKeyId,
    },
    publicKey,
    { name: issuerCert.subjectName, privateKey: createPrivateKey(request.issuerKeyPem) },
  );
}

/** RSA PKCS#1 v1.5 with SHA-256; ECDSA with the hash that matches the curve, as Go chooses. */
function webCryptoAlgorithmFor(key: KeyObject): {
  importParams: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams;
  signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams;
} {
  if (key.asymmetricKeyType === "rsa")
    return { importParams: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, signingAlgorithm: { name: "RSASSA-PKCS1-v1_5" } };
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    const webCurve = curve === "prime256v1" ? "P-256" : curve === "secp384r1" ? "P-384" : curve === "secp521r1" ? "P-521" : undefined;
    if (!webCurve) throw new Error(`an ECDSA key on curve ${curve} cannot sign certificates here; use RSA or ECDSA P-256, P-384 or P-521`);
    const hash = { "P-256": "SHA-256", "P-384": "SHA-384", "P-521": "SHA-512" }[webCurve];
    return { importParams: { name: "ECDSA", namedCurve: webCurve }, signingAlgorithm: { name: "ECDSA", hash } };
  }
  throw new Error(`a ${key.asymmetricKeyType} key cannot sign certificates here; use RSA or ECDSA`);
}
