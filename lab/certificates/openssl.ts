// Certificates made by the openssl CLI (scripts/install-test-tools installs it): the lab's devices
// and stand-ins get theirs here, and the tests hold the product's own certificates against them.
import { execFileSync } from "node:child_process";
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
