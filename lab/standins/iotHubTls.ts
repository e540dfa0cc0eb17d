// A throwaway CA and a server certificate for the IoT Hub stand-in, made with the openssl CLI
// (lab/certificates/openssl.ts). The server certificate carries an IP SAN for the
// stand-in's loopback address, so a connection string with `HostName=127.0.4.N` verifies with
// ordinary hostname checking: no /etc/hosts entry and no `rejectUnauthorized: false`.
// The hub's and DPS's stand-ins start their HTTPS servers here.
import { createServer, type Server } from "node:https";
import { selfSigned, signedBy } from "../certificates/openssl";

export interface StandinTls {
  readonly caCertPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA (P-256, one day) and a leaf for `address` signed by it. */
export function makeStandinTls(address: string, dnsNames: readonly string[] = []): StandinTls {
  const ca = selfSigned({
    cn: "IoT Hub stand-in test CA",
    days: 1,
    // Key identifiers too, as openssl's default CA section (v3_ca) puts them in a CA.
    ext: [
      "subjectKeyIdentifier=hash",
      "authorityKeyIdentifier=keyid:always",
      "basicConstraints=critical,CA:TRUE",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
  });
  const sans = [`IP:${address}`, ...dnsNames.map((d) => `DNS:${d}`)].join(",");
  const server = signedBy(ca, {
    cn: address,
    days: 1,
    ext: [`subjectAltName=${sans}`, "extendedKeyUsage=serverAuth", "basicConstraints=CA:FALSE"],
  });
  return { caCertPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem };
}

export interface LoopbackTlsServer {
  readonly server: Server;
  /** The CA of the server's certificate: what clients trust. */
  readonly caCertPem: string;
}

/**
 * An HTTPS server listening on `port` of `address`, with a certificate for that address. It asks
 * every client for a certificate and lets the handshake go on without one or with one it does not
 * know (`requestCert` without `rejectUnauthorized`): the stand-in checks it per request. `address`
 * must be IPv4 loopback (127.0.0.0/8), or `::1` where `ipv6Loopback` allows it.
 */
export async function startLoopbackTlsServer(options: {
  readonly address: string;
  readonly port: number;
  readonly ipv6Loopback?: boolean;
}): Promise<LoopbackTlsServer> {
  const { address, port } = options;
  if (!/^127\.\d+\.\d+\.\d+$/.test(address) && !(options.ipv6Loopback && address === "::1"))
    throw new Error(`the stand-in listens on loopback only, not ${address}`);
  const tls = makeStandinTls(address);
  const server = createServer({ cert: tls.certPem, key: tls.keyPem, requestCert: true, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  return { server, caCertPem: tls.caCertPem };
}
