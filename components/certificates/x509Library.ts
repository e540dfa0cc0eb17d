// @peculiar/x509, the library certificates are read, written and signed with (through Node's
// WebCrypto). The one place that loads it: the library resolves its algorithms through tsyringe,
// which needs a Reflect metadata polyfill loaded before it, and this keeps that order.
// Loaded inside the function, not at the top: in this order, and only when a certificate is first
// read or signed (the program, or the engine's provider process running the edge CA provider).
/* eslint-disable @typescript-eslint/no-require-imports -- required when called, in the order above */
import type * as X509 from "@peculiar/x509";
import { webcrypto } from "crypto";

export type X509Library = typeof X509;

export function x509Library(): X509Library {
  require("reflect-metadata");
  return require("@peculiar/x509") as X509Library;
}

/** Node's WebCrypto, as the library's signing and hashing calls take it. */
export const nodeWebCrypto = () => webcrypto as unknown as NonNullable<Parameters<X509Library["X509CertificateGenerator"]["create"]>[1]>;
