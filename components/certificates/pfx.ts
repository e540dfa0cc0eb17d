// PKCS#12 (PFX) to PEM, for Key Vault certificates whose content type is application/x-pkcs12.
// Node's crypto reads PFX only into a TLS context, never back out; node-forge reads it whole.
// node-forge loads when a PFX is read, not with the program (docs/benchmarks.md, "Start-up").
import type Forge from "node-forge";
import { createPrivateKey } from "crypto";
import { toPem } from "./x509";

export interface PemMaterial {
  /** Certificates, each PEM, in the order the bundle holds them. */
  readonly certificates: string[];
  /** PKCS#8 PEM of each private key. */
  readonly privateKeys: string[];
}

/**
 * Reads a PFX (base64 text or bytes). Key Vault exports PFX without a password; `password` is for
 * files protected with one. Keys come back as PKCS#8 PEM whatever their algorithm: forge parses
 * only RSA keys and certificates itself, so the others are taken from their raw ASN.1.
 */
export function pfxToPem(pfx: string | Uint8Array, password = ""): PemMaterial {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (above)
  const forge = require("node-forge") as typeof Forge;
  const bytes = typeof pfx === "string" ? Buffer.from(pfx, "base64") : Buffer.from(pfx);
  let p12: Forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(bytes.toString("binary"))), password);
  } catch (err) {
    throw new Error(`not a readable PKCS#12 (PFX) file: ${(err as Error).message}`);
  }
  const bagsOf = (type: string) => p12.getBags({ bagType: type })[type] ?? [];
  const derOf = (asn1: Forge.asn1.Asn1) => Buffer.from(forge.asn1.toDer(asn1).getBytes(), "binary");

  const certificates = bagsOf(forge.pki.oids.certBag).map((bag) => {
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    return toPem("CERTIFICATE", derOf(asn1));
  });
  const privateKeys = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag), ...bagsOf(forge.pki.oids.keyBag)].map((bag) => {
    const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
    // Round trip through Node's crypto: rejects anything that is not a usable key.
    return createPrivateKey({ key: derOf(info), format: "der", type: "pkcs8" }).export({ type: "pkcs8", format: "pem" }) as string;
  });
  return { certificates, privateKeys };
}
