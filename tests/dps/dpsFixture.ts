// Shared set-up of the DPS tests: a hub stand-in and a DPS stand-in linked to it, each on this
// file's own loopback addresses, and a fleet CA with device certificates it signs.
import type { ProvisioningAccess } from "../../components/dps/provisioningAccess";
import { IotHubStandin } from "../../lab/standins/iotHubStandin";
import { DpsStandin } from "../../lab/standins/dpsStandin";
import { LEAF_EXT, type Pair, ROOT_CA_EXT, selfSigned, signedBy } from "../../lab/certificates/openssl";

export const INTERMEDIATE_EXT = ["basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,keyCertSign,cRLSign"];

export interface DpsLab {
  readonly hub: IotHubStandin;
  readonly dps: DpsStandin;
  readonly access: ProvisioningAccess;
}

export async function startDps(dpsAddress: string, hubAddress: string): Promise<DpsLab> {
  const hub = await IotHubStandin.start({ address: hubAddress });
  const dps = await DpsStandin.start({ address: dpsAddress, linkedHubs: new Map([[hub.hostName, hub.model]]) });
  return { hub, dps, access: { dpsHostName: dps.hostName, dpsConnectionString: dps.connectionString, dpsTrustedCaPem: dps.caCertPem } };
}

export function makeRootCa(cn: string): Pair {
  return selfSigned({ cn, ext: ROOT_CA_EXT });
}

/** A device identity certificate (CN = `cn`) signed by `issuer`; `chain` is appended after the leaf, as the device sends it. */
export function deviceCert(issuer: Pair, cn: string, chain: readonly string[] = []): Pair {
  const leaf = signedBy(issuer, { cn, ext: LEAF_EXT });
  return { certPem: leaf.certPem + chain.join(""), keyPem: leaf.keyPem };
}

/** Registers with the real device client (azure-iot-provisioning-device + -http, X.509) over mutual TLS; resolves to the registration result or rejects with the SDK's error. */
export async function registerDevice(
  lab: DpsLab,
  registrationId: string,
  cert: Pair,
): Promise<{ assignedHub: string; deviceId: string; status: string }> {
  const { ProvisioningDeviceClient } = require("azure-iot-provisioning-device") as typeof import("azure-iot-provisioning-device");
  const { Http } = require("azure-iot-provisioning-device-http") as typeof import("azure-iot-provisioning-device-http");
  const { X509Security } = require("azure-iot-security-x509") as typeof import("azure-iot-security-x509");
  // The transport's HTTP layer takes extra trust anchors (azure-iot-http-base Http.setOptions({ ca })).
  const basePath = require.resolve("azure-iot-http-base", { paths: [require.resolve("azure-iot-provisioning-device-http")] });
  const { Http: HttpBase } = require(basePath) as { Http: new () => { setOptions(o: unknown): void } };
  const base = new HttpBase();
  base.setOptions({ ca: lab.dps.caCertPem });
  const transport = new Http(base as never);
  const security = new X509Security(registrationId, { cert: cert.certPem, key: cert.keyPem });
  const client = ProvisioningDeviceClient.create(lab.dps.hostName, lab.dps.idScope, transport, security);
  return (await client.register()) as never;
}
