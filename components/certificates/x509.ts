// Reading certificates and PEM bundles: what the checks and the thumbprints need. Pure.
// The certificate's fields come from @peculiar/x509 (x509Library.ts); Node's own X509Certificate
// exposes neither pathLenConstraint, the key usage bits nor the key identifiers.
import type { KeyUsageFlags } from "@peculiar/x509";
import { type X509Library, x509Library } from "./x509Library";

export const OID = {
  commonName: "2.5.4.3",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/** RFC 5280 §4.2.1.3 key usages, by the library's names (bit 1, contentCommitment, is its nonRepudiation). */
export type KeyUsage = keyof typeof KeyUsageFlags;
export const KEY_USAGES: readonly KeyUsage[] = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
];

export interface CertificateInfo {
  readonly der: Buffer;
  readonly serialNumber: bigint;
  readonly subjectCommonName?: string;
  readonly issuerCommonName?: string;
  /** DER of the subject Name, for writing the issuer field of a certificate it signs. */
  readonly subjectName: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number; readonly critical: boolean };
  readonly keyUsage?: { readonly usages: ReadonlySet<KeyUsage>; readonly critical: boolean };
  /** Extended key usage OIDs; empty when the extension is absent. */
  readonly extendedKeyUsage: readonly string[];
  readonly subjectKeyId?: Buffer;
  readonly authorityKeyId?: Buffer;
}

export interface PemBlock {
  readonly type: string;
  readonly der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order. */
export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ type: m[1], der: Buffer.from(m[2].replace(/\s+/g, ""), "base64") }));
}

export function toPem(type: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`;
}

/** The certificates of a PEM bundle, each as its own PEM text, in order. */
export function certificatePems(text: string): string[] {
  return pemBlocks(text)
    .filter((b) => b.type === "CERTIFICATE")
    .map((b) => toPem("CERTIFICATE", b.der));
}

/** The private keys of a PEM bundle (PKCS#8, PKCS#1 or SEC1), each as its own PEM text. */
export function privateKeyPems(text: string): string[] {
  return pemBlocks(text)
    .filter((b) => /(^| )PRIVATE KEY$/.test(b.type) && !b.type.startsWith("ENCRYPTED"))
    .map((b) => toPem(b.type, b.der));
}

/** DER of the first certificate in `pemOrDer`. Throws when there is none. */
export function certificateDer(pemOrDer: string | Uint8Array): Buffer {
  if (typeof pemOrDer !== "string") return Buffer.from(pemOrDer);
  const block = pemBlocks(pemOrDer).find((b) => b.type === "CERTIFICATE");
  if (!block) throw new Error("no -----BEGIN CERTIFICATE----- block found");
  return block.der;
}

/** Parses the first certificate of a PEM text, or DER bytes. Throws with a reason on malformed input. */
export function parseCertificate(pemOrDer: string | Uint8Array): CertificateInfo {
  const x509 = x509Library();
  const der = certificateDer(pemOrDer);
  let cert: InstanceType<X509Library["X509Certificate"]>;
  try {
    cert = new x509.X509Certificate(der);
  } catch (err) {
    throw new Error(`not a readable X.509 certificate: ${(err as Error).message}`);
  }
  const basic = cert.getExtension(x509.BasicConstraintsExtension);
  const usages = cert.getExtension(x509.KeyUsagesExtension);
  const subjectKeyId = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const authorityKeyId = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  // The last CN of a Name is its most specific one.
  const commonName = (name: InstanceType<X509Library["Name"]>) => name.getField("CN").at(-1);
  return {
    der,
    serialNumber: BigInt(`0x${cert.serialNumber || "0"}`),
    subjectCommonName: commonName(cert.subjectName),
    issuerCommonName: commonName(cert.issuerName),
    subjectName: Buffer.from(cert.subjectName.toArrayBuffer()),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    basicConstraints: basic ? { ca: basic.ca, pathLength: basic.pathLength, critical: basic.critical } : undefined,
    keyUsage: usages
      ? { usages: new Set(KEY_USAGES.filter((u) => usages.usages & x509.KeyUsageFlags[u])), critical: usages.critical }
      : undefined,
    extendedKeyUsage: cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages.map(String) ?? [],
    subjectKeyId: subjectKeyId ? Buffer.from(subjectKeyId, "hex") : undefined,
    authorityKeyId: authorityKeyId ? Buffer.from(authorityKeyId, "hex") : undefined,
  };
}
