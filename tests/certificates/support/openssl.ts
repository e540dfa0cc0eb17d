// Certificates checked by the openssl CLI: an independent implementation to hold ours against
// (scripts/install-test-tools installs it). The lab makes them (lab/certificates/openssl.ts).
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { inTempDir, openssl, type Pair } from "../../../lab/certificates/openssl";

/**
 * `openssl verify` of `leafPem` against `rootPem` with `untrusted` intermediates, at `atTime`
 * (default now). Returns openssl's output and whether it said OK.
 */
export function verify(rootPem: string, untrusted: readonly string[], leafPem: string, options: { purpose?: string; atTime?: Date } = {}) {
  return inTempDir((dir) => {
    writeFileSync(join(dir, "root.pem"), rootPem);
    writeFileSync(join(dir, "untrusted.pem"), untrusted.join(""));
    writeFileSync(join(dir, "leaf.pem"), leafPem);
    const args = ["verify", "-x509_strict", "-CAfile", "root.pem", ...(untrusted.length > 0 ? ["-untrusted", "untrusted.pem"] : [])];
    if (options.purpose) args.push("-purpose", options.purpose);
    if (options.atTime) args.push("-attime", String(Math.floor(options.atTime.getTime() / 1000)));
    const run = spawnSync("openssl", [...args, "leaf.pem"], { cwd: dir, encoding: "utf8" });
    return { ok: run.status === 0 && /leaf\.pem: OK/.test(run.stdout), output: `${run.stdout}${run.stderr}` };
  });
}

/** `openssl x509 -fingerprint` as upper-case hex without colons. */
export function fingerprint(pem: string, digest: "sha1" | "sha256"): string {
  return inTempDir((dir) => {
    writeFileSync(join(dir, "cert.pem"), pem);
    const out = openssl(dir, "x509", "-in", "cert.pem", "-noout", "-fingerprint", `-${digest}`);
    return out.trim().split("=")[1].replace(/:/g, "");
  });
}

/** `openssl x509 -text` of a certificate. */
export function certText(pem: string): string {
  return inTempDir((dir) => {
    writeFileSync(join(dir, "cert.pem"), pem);
    return openssl(dir, "x509", "-in", "cert.pem", "-noout", "-text");
  });
}

/** A PFX of `pair` (and `chain`) as openssl writes it; `legacy` uses the old 3DES/RC2 encryption. */
export function toPfx(pair: Pair, chain: readonly string[] = [], options: { legacy?: boolean; password?: string } = {}): Buffer {
  return inTempDir((dir) => {
    writeFileSync(join(dir, "cert.pem"), pair.certPem);
    writeFileSync(join(dir, "key.pem"), pair.keyPem);
    writeFileSync(join(dir, "chain.pem"), chain.join(""));
    openssl(
      dir,
      "pkcs12",
      "-export",
      "-in",
      "cert.pem",
      "-inkey",
      "key.pem",
      ...(chain.length > 0 ? ["-certfile", "chain.pem"] : []),
      "-out",
      "out.pfx",
      "-passout",
      `pass:${options.password ?? ""}`,
      ...(options.legacy ? ["-legacy"] : []),
    );
    return readFileSync(join(dir, "out.pfx"));
  });
}

/** `openssl asn1parse` of a certificate: one line per element, with its tag name. */
export function asn1Parse(pem: string): string {
  return inTempDir((dir) => {
    writeFileSync(join(dir, "cert.pem"), pem);
    return openssl(dir, "asn1parse", "-in", "cert.pem");
  });
}
