// Certificates made, and checked, by the openssl CLI: an independent implementation to hold ours
// against (scripts/install-test-tools installs it).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Pair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CertSpec {
  readonly cn: string;
  readonly days?: number;
  /** openssl extension lines, e.g. "basicConstraints=critical,CA:TRUE,pathlen:0". None: a bare v3 certificate. */
  readonly ext?: readonly string[];
  readonly key?: "ec" | "ec-p384" | "rsa";
  /** Names as PrintableString where they fit (openssl's string_mask "default"), not UTF8String. */
  readonly printableNames?: boolean;
}

/** Runs `fn` with a fresh folder that is removed afterwards. */
export function inTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "certs-test-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function openssl(dir: string, ...args: string[]): string {
  return execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

const keyArgs = (key: "ec" | "ec-p384" | "rsa") =>
  key === "rsa" ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${key === "ec" ? "P-256" : "P-384"}`];

// A config of our own, so openssl's default v3_ca extensions never sneak in.
function writeConfig(dir: string, ext: readonly string[], printableNames = false): void {
  const mask = printableNames ? "string_mask=default\n" : "";
  writeFileSync(join(dir, "req.cnf"), `[req]\ndistinguished_name=dn\nprompt=no\n${mask}[dn]\n[ext]\n${ext.join("\n")}\n`);
}

/** A self-signed certificate with exactly the extensions in `spec.ext`. */
export function selfSigned(spec: CertSpec): Pair {
  return inTempDir((dir) => {
    writeConfig(dir, spec.ext ?? [], spec.printableNames);
    openssl(
      dir,
      "req",
      "-x509",
      ...keyArgs(spec.key ?? "ec"),
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "cert.pem",
      "-days",
      String(spec.days ?? 30),
      "-subj",
      `/CN=${spec.cn}`,
      "-config",
      "req.cnf",
      "-extensions",
      "ext",
    );
    return { certPem: readFileSync(join(dir, "cert.pem"), "utf8"), keyPem: readFileSync(join(dir, "key.pem"), "utf8") };
  });
}

/** A certificate signed by `issuer`, with exactly the extensions in `spec.ext`. */
export function signedBy(issuer: Pair, spec: CertSpec): Pair {
  return inTempDir((dir) => {
    writeConfig(dir, spec.ext ?? []);
    writeFileSync(join(dir, "ca.pem"), issuer.certPem);
    writeFileSync(join(dir, "ca.key"), issuer.keyPem);
    openssl(
      dir,
      "req",
      "-new",
      ...keyArgs(spec.key ?? "ec"),
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "req.csr",
      "-subj",
      `/CN=${spec.cn}`,
      "-config",
      "req.cnf",
    );
    openssl(
      dir,
      "x509",
      "-req",
      "-in",
      "req.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "cert.pem",
      "-days",
      String(spec.days ?? 30),
      "-extfile",
      "req.cnf",
      "-extensions",
      "ext",
    );
    return { certPem: readFileSync(join(dir, "cert.pem"), "utf8"), keyPem: readFileSync(join(dir, "key.pem"), "utf8") };
  });
}

export const ROOT_CA_EXT = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"];
export const LEAF_EXT = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"];

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
