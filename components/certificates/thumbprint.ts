// Certificate thumbprints as IoT Hub takes them. Pure.
import { createHash } from "crypto";
import { certificateDer } from "./x509";

export interface Thumbprints {
  /** SHA-1 of the DER, 40 upper-case hex digits, no colons. */
  readonly sha1: string;
  /** SHA-256 of the DER, 64 upper-case hex digits, no colons. */
  readonly sha256: string;
}

/**
 * The thumbprints of the first certificate in a PEM text (or of DER bytes). IoT Hub compares
 * thumbprints as hex of the DER hash; upper case without separators is the form `az` and the
 * portal show, so a thumbprint here can be compared with theirs by eye.
 */
export function thumbprintsOf(pemOrDer: string | Uint8Array): Thumbprints {
  const der = certificateDer(pemOrDer);
  return {
    sha1: createHash("sha1").update(der).digest("hex").toUpperCase(),
    sha256: createHash("sha256").update(der).digest("hex").toUpperCase(),
  };
}
