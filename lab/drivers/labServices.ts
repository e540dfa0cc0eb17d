// The local services a lab stack runs against, on loopback only: the IoT Hub stand-in (port 443 of
// its own address), the Key Vault stand-in with each device's identity and edge CA certificates
// already in it (as an operator would have imported them), one SSH test host per device (lab/hosts)
// with the EDGE-RUNTIME SIMULATOR (lab/edge-runtime-simulator/iotedge) as its iotedge, and for a
// `provisioning.mode: dps` stack the DPS stand-in (port 443 of its own address), linked to the hub
// stand-in: a device's registration creates it in the hub stand-in's registry.
// Used in-process by the end-to-end tests and by lab/drivers/services-main.ts for `npm start`.
// Needs root (port 443, mount namespaces), openssh-server, openssl, util-linux.
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { IotHubStandin } from "../standins/iotHubStandin";
import { KeyVaultStandin } from "../standins/keyVaultStandin";
import { DpsStandin } from "../standins/dpsStandin";
import { TestHost } from "../hosts/testHost";
import { makeCaSignedDevice, makeDeviceCertificates, makeTestCa } from "../hosts/testCertificates";
import type { LabDps } from "./labConfig";

export const SIMULATOR = resolve(__dirname, "..", "edge-runtime-simulator", "iotedge");
export const AZ_STANDIN_DIR = resolve(__dirname, "..", "azure-cli-standin");

export interface LabDevice {
  readonly id: string;
  /** The host's loopback address and SSH port. */
  readonly address: string;
  readonly port: number;
  /** Key Vault certificate names of its identity and its edge CA. */
  readonly certificateName: string;
  readonly edgeCaCertificateName: string;
  /**
   * certificateAuthority: its identity is signed by a lab CA, which the operator registers on the hub;
   * with DPS, by the lab's one fleet CA, the enrollment group's. Default selfSigned.
   */
  readonly authentication?: "selfSigned" | "certificateAuthority";
}

export interface LabOptions {
  /** Folder for the lab's files (CA bundle, token, connection string, keys); created, mode 0700. */
  readonly dir: string;
  readonly hubAddress: string;
  readonly vaultAddress: string;
  readonly devices: readonly LabDevice[];
  /** Start the DPS stand-in too (a `provisioning.mode: dps` stack). */
  readonly dps?: LabDps;
}

/** What a stack and the Pulumi CLI need to reach the lab; files under `dir`. */
export interface LabEndpoints {
  readonly hubHostName: string;
  readonly vaultUrl: string;
  /** The stand-ins' CAs, for NODE_EXTRA_CA_CERTS. */
  readonly caBundleFile: string;
  /** Read by the Azure CLI stand-in (lab/azure-cli-standin/az); mode 0600. */
  readonly azTokenFile: string;
  /** The hub's service connection string; mode 0600. */
  readonly connectionStringFile: string;
  readonly hosts: Record<string, { address: string; port: number; user: string; privateKeyFile: string; hostKey: string }>;
  /** The DPS stand-in, when the stack provisions through DPS. */
  readonly dps?: {
    readonly hostName: string;
    readonly idScope: string;
    /** Its service connection string; mode 0600. */
    readonly connectionStringFile: string;
    /** The fleet CA that signs the devices' identities (public). */
    readonly fleetCaFile: string;
  };
}

export class LabServices {
  /** The CA certificate file of each certificateAuthority device, for the operator to put on the hub (hub mode). */
  readonly caFiles = new Map<string, string>();

  private constructor(
    readonly hub: IotHubStandin,
    readonly vault: KeyVaultStandin,
    readonly hosts: Map<string, TestHost>,
    readonly endpoints: LabEndpoints,
    private readonly dir: string,
    /** The DPS stand-in and the fleet CA its devices are signed by (DPS mode). */
    readonly dps?: DpsStandin,
    private readonly fleetCa?: { certPem: string; keyPem: string },
  ) {}

  static async start(options: LabOptions): Promise<LabServices> {
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    chmodSync(options.dir, 0o700);
    const started: { stop(): Promise<void> }[] = [];
    try {
      const hub = await IotHubStandin.start({ address: options.hubAddress });
      started.push(hub);
      const vault = await KeyVaultStandin.start(options.vaultAddress);
      started.push(vault);
      const hubCaFile = join(options.dir, "iothub-ca.pem");
      writeFileSync(hubCaFile, hub.caCertPem);
      const dps = options.dps
        ? await DpsStandin.start({
            address: options.dps.address,
            idScope: options.dps.idScope,
            linkedHubs: new Map([[hub.hostName, hub.model]]),
          })
        : undefined;
      if (dps) started.push(dps);
      const dpsCaFile = dps ? join(options.dir, "dps-ca.pem") : undefined;
      if (dps) writeFileSync(dpsCaFile!, dps.caCertPem);
      const hosts = new Map<string, TestHost>();
      const hostList = await Promise.all(
        options.devices.map(async (d) => {
          const host = await TestHost.start({ address: d.address, port: d.port, name: `lab-${d.id}` });
          started.push(host);
          installSimulator(host, hubCaFile, dpsCaFile);
          return [d.id, host] as const;
        }),
      );
      for (const [id, host] of hostList) hosts.set(id, host);
      const secret = (name: string, text: string) => {
        const file = join(options.dir, name);
        writeFileSync(file, text, { mode: 0o600 });
        chmodSync(file, 0o600);
        return file;
      };
      const endpoints: LabEndpoints = {
        hubHostName: hub.hostName,
        vaultUrl: vault.vaultUrl,
        caBundleFile:
          (writeFileSync(join(options.dir, "ca-bundle.pem"), hub.caCertPem + vault.caCertPem + (dps?.caCertPem ?? "")),
          join(options.dir, "ca-bundle.pem")),
        azTokenFile: secret("az-token", vault.token),
        connectionStringFile: secret("iothub-connection-string", hub.connectionString),
        hosts: Object.fromEntries(
          [...hosts].map(([id, h]) => [
            id,
            {
              address: h.address,
              port: h.port,
              user: h.connection.user,
              privateKeyFile: secret(`ssh-key-${id}`, h.connection.privateKey),
              hostKey: h.connection.hostKey,
            },
          ]),
        ),
      };
      const fleetCa = dps ? makeTestCa("lab fleet CA") : undefined;
      const lab = new LabServices(
        hub,
        vault,
        hosts,
        dps && fleetCa
          ? {
              ...endpoints,
              dps: {
                hostName: dps.hostName,
                idScope: dps.idScope,
                connectionStringFile: secret("dps-connection-string", dps.connectionString),
                fleetCaFile: (writeFileSync(join(options.dir, "fleet-ca.pem"), fleetCa.certPem), join(options.dir, "fleet-ca.pem")),
              },
            }
          : endpoints,
        options.dir,
        dps,
        fleetCa,
      );
      for (const d of options.devices) lab.seedCertificates(d);
      return lab;
    } catch (e) {
      await Promise.all(started.map((s) => s.stop().catch(() => undefined)));
      throw e;
    }
  }

  /**
   * Puts a device's identity and edge CA (openssl-made, P-256, 30 days) into the vault, PEM with key.
   * A certificateAuthority device's identity is signed by a lab CA of its own (CN = device id, the
   * chain in the vault), whose certificate is written to `caFiles` for the operator to register; in
   * DPS mode by the lab's fleet CA, which the stack's enrollment group trusts (the hub needs none).
   */
  seedCertificates(device: Pick<LabDevice, "id" | "certificateName" | "edgeCaCertificateName" | "authentication">): {
    identityCertPem: string;
  } {
    const certs = makeDeviceCertificates(device.id);
    const pem = (cert: string, key: string) => ({
      value: `${key}${cert}`,
      contentType: "application/x-pem-file" as const,
      tags: { "edge-lab": "seeded" },
    });
    let identity = { cert: certs.identityCertPem, key: certs.identityKeyPem };
    if (device.authentication === "certificateAuthority" && this.fleetCa) {
      const signed = makeCaSignedDevice(device.id, { ca: this.fleetCa });
      identity = { cert: signed.identityCertPem + signed.rootCertPem, key: signed.identityKeyPem };
    } else if (device.authentication === "certificateAuthority") {
      const signed = makeCaSignedDevice(device.id, { caName: `lab ${device.id}` });
      identity = { cert: signed.identityCertPem + signed.rootCertPem, key: signed.identityKeyPem };
      const caFile = join(this.dir, `hub-ca-${device.id}.pem`);
      writeFileSync(caFile, signed.rootCertPem);
      this.caFiles.set(device.id, caFile);
    }
    this.vault.seed(device.certificateName, pem(identity.cert, identity.key));
    this.vault.seed(device.edgeCaCertificateName, pem(certs.edgeCaCertPem, certs.edgeCaKeyPem));
    return { identityCertPem: identity.cert };
  }

  /**
   * What an operator does in the portal (IoT Hub → Certificates → Add, "Set certificate status to
   * verified on upload") or with `az iot hub certificate create --hub-name <hub> --name <name>
   * --path <file> --verified`: the CA in `file` authenticates certificateAuthority devices.
   */
  registerHubCertificate(name: string, file: string): void {
    this.hub.model.registerCertificate(name, readFileSync(file, "utf8"), true);
  }

  /** `az iot hub certificate delete`: devices signed by that CA get 401 from now on. */
  deleteHubCertificate(name: string): void {
    this.hub.model.certificates.delete(name);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => h.stop().catch(() => undefined)));
    await Promise.all([this.hub.stop(), this.vault.stop(), ...(this.dps ? [this.dps.stop()] : [])].map((p) => p.catch(() => undefined)));
  }
}

/** Replaces the host's stand-in iotedge with the edge-runtime simulator, trusting the hub's CA (and DPS's, with one). */
export function installSimulator(host: TestHost, hubCaFile: string, dpsCaFile?: string): void {
  const wrapper = host.path("/usr/local/sbin/iotedge");
  // The host sees its own home in place of this machine's (where `npm start` keeps the lab's files):
  // the simulator reads its copies of the CAs from the host's folder instead.
  const visible = (file: string, name: string) => {
    const copy = join(host.dir, name);
    copyFileSync(file, copy);
    return copy;
  };
  writeFileSync(
    wrapper,
    [
      "#!/bin/sh",
      `# EDGE-RUNTIME SIMULATOR: not the IoT Edge runtime (see ${SIMULATOR})`,
      `export EDGE_SIMULATOR_HUB_CA='${visible(hubCaFile, "simulator-iothub-ca.pem")}'`,
      ...(dpsCaFile ? [`export EDGE_SIMULATOR_DPS_CA='${visible(dpsCaFile, "simulator-dps-ca.pem")}'`] : []),
      `exec ${process.execPath} ${SIMULATOR} "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(wrapper, 0o755);
}

/** Lab devices on consecutive addresses from `firstAddress` (127.a.b.c), SSH port 2222. */
export function labDevices(ids: readonly string[], firstAddress: string): LabDevice[] {
  const [a, b, c, d] = firstAddress.split(".").map(Number);
  if (a !== 127 || d + ids.length > 255)
    throw new Error(`lab hosts need loopback addresses from ${firstAddress} with room for ${ids.length}`);
  return ids.map((id, i) => ({
    id,
    address: `${a}.${b}.${c}.${d + i}`,
    port: 2222,
    certificateName: `lab-${id}-identity`,
    edgeCaCertificateName: `lab-${id}-edge-ca`,
  }));
}
