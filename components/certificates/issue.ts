// Writing and signing an X.509 v3 certificate. Pure apart from the random serial number.
// Used for the edge CA, whose basicConstraints must say pathlen:0: @pulumi/tls cannot write that
// (its provider sets Go's MaxPathLen = 0 without MaxPathLenZero, which Go encodes as "no limit").
import { KeyObject, createHash, createPrivateKey, createPublicKey, randomBytes, sign } from "crypto";
import * as der from "./der";
import { KEY_USAGE_BITS, KeyUsage, OID, parseCertificate, toPem } from "./x509";

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

/** A Name with a single CN (and an O when given). */
export function nameWithCommonName(commonName: string, organization?: string): Buffer {
  const attribute = (id: string, value: string) => der.set(der.sequence(der.oid(id), der.utf8String(value)));
  return der.sequence(...(organization ? [attribute("2.5.4.10", organization)] : []), attribute(OID.commonName, commonName));
}

/**
 * RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. The same value @pulumi/tls
 * (Go) writes, so identifiers line up across a chain made partly by each.
 */
export function subjectKeyIdOf(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: "spki", format: "der" });
  const outer = der.readTlv(spki, 0);
  const [, bits] = der.childrenOf(spki, outer);
  return createHash("sha1").update(spki.subarray(bits.start + 1, bits.end)).digest();
}

/** Signs `template` for `subjectPublicKey` with the issuer's key; returns the certificate as PEM. */
export function issueCertificate(template: CertificateTemplate, subjectPublicKey: KeyObject, issuer: Issuer): string {
  const { algorithm, hash } = signatureAlgorithmFor(issuer.privateKey);
  const serial = template.serialNumber ?? BigInt(`0x${randomBytes(16).toString("hex")}`) + 1n;
  const tbs = der.sequence(
    der.explicit(0, der.integer(2n)), // v3
    der.integer(serial),
    algorithm,
    issuer.name,
    der.sequence(der.time(template.notBefore), der.time(template.notAfter)),
    template.subjectName,
    subjectPublicKey.export({ type: "spki", format: "der" }),
    ...extensionsOf(template),
  );
  const signature = sign(hash, tbs, issuer.privateKey);
  return toPem("CERTIFICATE", der.sequence(tbs, algorithm, der.bitString(signature)));
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

export function issueCaCertificate(request: CaCertificateRequest): string {
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
      subjectKeyId: subjectKeyIdOf(publicKey),
      authorityKeyId: issuerCert.subjectKeyId,
    },
    publicKey,
    { name: issuerCert.subjectName, privateKey: createPrivateKey(request.issuerKeyPem) },
  );
}

function extensionsOf(t: CertificateTemplate): Buffer[] {
  const extensions: Buffer[] = [];
  const add = (id: string, critical: boolean, value: Buffer) =>
    extensions.push(der.sequence(der.oid(id), ...(critical ? [der.booleanValue(true)] : []), der.octetString(value)));
  if (t.basicConstraints) {
    const { ca, pathLength } = t.basicConstraints;
    add(
      OID.basicConstraints,
      true,
      der.sequence(...(ca ? [der.booleanValue(true)] : []), ...(ca && pathLength !== undefined ? [der.integer(BigInt(pathLength))] : [])),
    );
  }
  if (t.keyUsage && t.keyUsage.length > 0) add(OID.keyUsage, true, der.namedBits(t.keyUsage.map((u) => KEY_USAGE_BITS.indexOf(u))));
  if (t.extendedKeyUsage && t.extendedKeyUsage.length > 0) add(OID.extKeyUsage, false, der.sequence(...t.extendedKeyUsage.map(der.oid)));
  if (t.subjectKeyId) add(OID.subjectKeyIdentifier, false, der.octetString(t.subjectKeyId));
  if (t.authorityKeyId) add(OID.authorityKeyIdentifier, false, der.sequence(der.tlv(0x80, t.authorityKeyId)));
  return extensions.length > 0 ? [der.tlv(0xa3, der.sequence(...extensions))] : [];
}

/** sha256WithRSAEncryption for RSA; ECDSA with the hash that matches the curve, as Go chooses. */
function signatureAlgorithmFor(key: KeyObject): { algorithm: Buffer; hash: string } {
  if (key.asymmetricKeyType === "rsa") return { algorithm: der.sequence(der.oid("1.2.840.113549.1.1.11"), der.nullValue()), hash: "sha256" };
  if (key.asymmetricKeyType === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === "secp384r1") return { algorithm: der.sequence(der.oid("1.2.840.10045.4.3.3")), hash: "sha384" };
    if (curve === "secp521r1") return { algorithm: der.sequence(der.oid("1.2.840.10045.4.3.4")), hash: "sha512" };
    return { algorithm: der.sequence(der.oid("1.2.840.10045.4.3.2")), hash: "sha256" };
  }
  throw new Error(`a ${key.asymmetricKeyType} key cannot sign certificates here; use RSA or ECDSA`);
}
