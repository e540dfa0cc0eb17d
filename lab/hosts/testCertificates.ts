// Certificates for test devices, made with openssl: an identity certificate whose CN is the device
// id, an edge CA (CA:TRUE, pathlen:0, keyCertSign) with its own CN, and a trust bundle.
// EC P-256 keys: quick to make, accepted by aziot.
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import type { DeviceCertificates } from "../../components/bootstrap/deviceCommands";

function selfSigned(dir: string, name: string, cn: string, extensions: string[]): { cert: string; key: string } {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `[v3]\n${extensions.join("\n")}\n`);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-days",
      "30",
      "-keyout",
      join(dir, `${name}.key.pem`),
      "-out",
      join(dir, `${name}.cert.pem`),
      "-config",
      ext,
      "-extensions",
      "v3",
    ],
    { stdio: "pipe", env: { ...process.env, OPENSSL_CONF: ext } },
  );
  return { cert: readFileSync(join(dir, `${name}.cert.pem`), "utf8"), key: readFileSync(join(dir, `${name}.key.pem`), "utf8") };
}

export function makeDeviceCertificates(deviceId: string): Required<DeviceCertificates> {
  const dir = mkdtempSync(join(tmpdir(), "edge-test-certs-"));
  try {
    const identity = selfSigned(dir, "identity", deviceId, [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=clientAuth",
    ]);
    const edgeCa = selfSigned(dir, "edge-ca", `${deviceId} edge CA`, [
      "basicConstraints=critical,CA:TRUE,pathlen:0",
      "keyUsage=critical,digitalSignature,keyCertSign",
    ]);
    return {
      identityCertPem: identity.cert,
      identityKeyPem: identity.key,
      edgeCaCertPem: edgeCa.cert,
      edgeCaKeyPem: edgeCa.key,
      trustBundlePem: edgeCa.cert,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A root CA (CN = `name`) to sign devices with, e.g. a fleet's CA for a DPS enrollment group. */
export function makeTestCa(name: string): { certPem: string; keyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), "edge-test-ca-"));
  try {
    const ca = selfSigned(dir, "ca", name, ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature,keyCertSign"]);
    return { certPem: ca.cert, keyPem: ca.key };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CaSignedDevice {
  /** The CA to register on the hub (the root, or the intermediate when `intermediate`). */
  readonly rootCertPem: string;
  readonly rootKeyPem: string;
  readonly intermediateCertPem?: string;
  /** Leaf (CN = device id) followed by the intermediate, if any: the chain the device sends. */
  readonly identityCertPem: string;
  readonly identityKeyPem: string;
}

/**
 * A test CA (optionally with an intermediate) and a device identity certificate it signs, for
 * certificateAuthority authentication. With `ca`, that CA signs (a fleet CA shared by devices).
 */
export function makeCaSignedDevice(
  deviceId: string,
  options: { intermediate?: boolean; caName?: string; ca?: { certPem: string; keyPem: string } } = {},
): CaSignedDevice {
  const dir = mkdtempSync(join(tmpdir(), "edge-test-ca-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const signed = (name: string, cn: string, issuer: string, extensions: string[]) => {
    writeFileSync(join(dir, `${name}.ext`), `${extensions.join("\n")}\n`);
    run(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      `${name}.key.pem`,
      "-out",
      `${name}.csr`,
    );
    run(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${issuer}.cert.pem`,
      "-CAkey",
      `${issuer}.key.pem`,
      "-CAcreateserial",
      "-days",
      "30",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.cert.pem`,
    );
  };
  try {
    const root = options.ca
      ? { cert: options.ca.certPem, key: options.ca.keyPem }
      : selfSigned(dir, "root", options.caName ?? `${deviceId} test root CA`, [
          "basicConstraints=critical,CA:TRUE",
          "keyUsage=critical,digitalSignature,keyCertSign",
        ]);
    if (options.ca) {
      writeFileSync(join(dir, "root.cert.pem"), root.cert);
      writeFileSync(join(dir, "root.key.pem"), root.key, { mode: 0o600 });
    }
    let issuer = "root";
    if (options.intermediate) {
      signed("intermediate", `${options.caName ?? deviceId} test intermediate CA`, "root", [
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "keyUsage=critical,digitalSignature,keyCertSign",
      ]);
      issuer = "intermediate";
    }
    signed("identity", deviceId, issuer, [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature",
      "extendedKeyUsage=clientAuth",
    ]);
    const intermediateCertPem = options.intermediate ? read("intermediate.cert.pem") : undefined;
    return {
      rootCertPem: root.cert,
      rootKeyPem: root.key,
      intermediateCertPem,
      identityCertPem: read("identity.cert.pem") + (intermediateCertPem ?? ""),
      identityKeyPem: read("identity.key.pem"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
