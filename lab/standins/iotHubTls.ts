// A throwaway CA and a server certificate for the IoT Hub stand-in, made with the openssl CLI
// (scripts/install-test-tools installs it). The server certificate carries an IP SAN for the
// stand-in's loopback address, so a connection string with `HostName=127.0.4.N` verifies with
// ordinary hostname checking: no /etc/hosts entry and no `rejectUnauthorized: false`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface StandinTls {
  readonly caCertPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA (P-256, one day) and a leaf for `address` signed by it. */
export function makeStandinTls(address: string, dnsNames: readonly string[] = []): StandinTls {
  const dir = mkdtempSync(join(tmpdir(), "iothub-standin-tls-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  try {
    run(
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=IoT Hub stand-in test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
    run(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "server.key",
      "-out",
      "server.csr",
      "-subj",
      `/CN=${address}`,
    );
    const sans = [`IP:${address}`, ...dnsNames.map((d) => `DNS:${d}`)].join(",");
    writeFileSync(join(dir, "ext.cnf"), `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
    run(
      "x509",
      "-req",
      "-in",
      "server.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "server.pem",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
    );
    return {
      caCertPem: readFileSync(join(dir, "ca.pem"), "utf8"),
      certPem: readFileSync(join(dir, "server.pem"), "utf8"),
      keyPem: readFileSync(join(dir, "server.key"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
