// Reading certificates and PEM bundles: what the checks and the thumbprints need. Pure.
import { TAG, Tlv, childrenOf, contentOf, decodeInteger, decodeOid, encodingOf, readTlv } from "./der";

export const OID = {
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
} as const;

/** RFC 5280 §4.2.1.3 key usage bits, in bit order. */
export const KEY_USAGE_BITS = [
  "digitalSignature",
  "contentCommitment",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;
export type KeyUsage = (typeof KEY_USAGE_BITS)[number];

export interface CertificateInfo {
  readonly der: Buffer;
  readonly serialNumber: bigint;
  readonly subjectCommonName?: string;
  readonly issuerCommonName?: string;
  /** DER of the subject and issuer Names, for chaining and for writing an issuer field. */
  readonly subjectName: Buffer;
  readonly issuerName: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Buffer;
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
  const lines = Buffer.from(der).toString("base64").match(/.{1,64}/g) ?? [];
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
  const der = certificateDer(pemOrDer);
  const cert = readTlv(der, 0);
  if (cert.tag !== TAG.SEQUENCE || cert.end !== der.length) throw new Error("not a DER certificate");
  const [tbs] = childrenOf(der, cert);
  const fields = childrenOf(der, tbs);
  let i = fields[0].tag === 0xa0 ? 1 : 0; // [0] version
  const serial = fields[i++];
  i++; // signature algorithm
  const issuer = fields[i++];
  const validity = fields[i++];
  const subject = fields[i++];
  const spki = fields[i++];
  const extensionsWrapper = fields.slice(i).find((f) => f.tag === 0xa3);
  const [notBefore, notAfter] = childrenOf(der, validity).map((t) => parseTime(der, t));

  let basicConstraints: CertificateInfo["basicConstraints"];
  let keyUsage: CertificateInfo["keyUsage"];
  let extendedKeyUsage: string[] = [];
  let subjectKeyId: Buffer | undefined;
  let authorityKeyId: Buffer | undefined;
  const extensions = extensionsWrapper ? childrenOf(der, childrenOf(der, extensionsWrapper)[0]) : [];
  for (const extension of extensions) {
    const parts = childrenOf(der, extension);
    const id = decodeOid(contentOf(der, parts[0]));
    const critical = parts.length === 3 && der[parts[1].start] !== 0;
    const valueTlv = parts[parts.length - 1];
    const value = contentOf(der, valueTlv);
    const inner = readTlv(value, 0);
    switch (id) {
      case OID.basicConstraints: {
        const items = childrenOf(value, inner);
        const ca = items[0]?.tag === TAG.BOOLEAN && value[items[0].start] !== 0;
        const lengthItem = items.find((t) => t.tag === TAG.INTEGER);
        const pathLength = lengthItem ? Number(decodeInteger(contentOf(value, lengthItem))) : undefined;
        basicConstraints = { ca, pathLength, critical };
        break;
      }
      case OID.keyUsage: {
        const bits = contentOf(value, inner);
        const usages = new Set<KeyUsage>();
        KEY_USAGE_BITS.forEach((name, bit) => {
          const byte = bits[1 + Math.floor(bit / 8)];
          if (byte !== undefined && byte & (0x80 >> bit % 8)) usages.add(name);
        });
        keyUsage = { usages, critical };
        break;
      }
      case OID.extKeyUsage:
        extendedKeyUsage = childrenOf(value, inner).map((t) => decodeOid(contentOf(value, t)));
        break;
      case OID.subjectKeyIdentifier:
        subjectKeyId = contentOf(value, inner);
        break;
      case OID.authorityKeyIdentifier: {
        const keyId = childrenOf(value, inner).find((t) => t.tag === 0x80);
        if (keyId) authorityKeyId = contentOf(value, keyId);
        break;
      }
    }
  }

  return {
    der,
    serialNumber: decodeInteger(contentOf(der, serial)),
    subjectCommonName: commonNameOf(der, subject),
    issuerCommonName: commonNameOf(der, issuer),
    subjectName: encodingOf(der, subject),
    issuerName: encodingOf(der, issuer),
    notBefore,
    notAfter,
    subjectPublicKeyInfo: encodingOf(der, spki),
    basicConstraints,
    keyUsage,
    extendedKeyUsage,
    subjectKeyId,
    authorityKeyId,
  };
}

/** The last CN in a Name (the most specific one), or undefined. */
function commonNameOf(der: Buffer, name: Tlv): string | undefined {
  let cn: string | undefined;
  for (const rdn of childrenOf(der, name)) {
    for (const attribute of childrenOf(der, rdn)) {
      const [type, value] = childrenOf(der, attribute);
      if (decodeOid(contentOf(der, type)) === OID.commonName) cn = contentOf(der, value).toString("utf8");
    }
  }
  return cn;
}

function parseTime(der: Buffer, t: Tlv): Date {
  const text = contentOf(der, t).toString("ascii");
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new Error(`unsupported certificate time "${text}"`);
  let year = Number(m[1]);
  if (t.tag === TAG.UTC_TIME) year += year < 50 ? 2000 : 1900;
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
