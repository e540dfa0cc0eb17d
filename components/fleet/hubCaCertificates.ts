// Which CA certificates the stack registers, verified, on the hub so that devices using
// certificateAuthority authentication are let in: IoT Hub accepts such a device only when its
// certificate chain ends at a CA uploaded to the hub and verified (learn.microsoft.com "Authenticate
// identities with X.509 certificates"; control plane Microsoft.Devices/IotHubs/certificates,
// `isVerified: true` stands for the proof of possession). Pure.
import { createHash } from "node:crypto";
import type { CertificateSource } from "../certificates/certificateSources";

/** A CA the hub must trust: the fleet root, the fleet intermediate, or a Key Vault CA by name. */
export type HubCaSigner =
  | { readonly kind: "fleetRoot" }
  | { readonly kind: "fleetIntermediate" }
  | { readonly kind: "keyVaultCa"; readonly caCertificateName: string };

export interface HubCaRegistration {
  /** The certificate's name on the hub: 1-64 of letters, digits, '-', '.', '_'. */
  readonly name: string;
  readonly signer: HubCaSigner;
  /** Devices it authenticates. */
  readonly deviceIds: readonly string[];
}

/**
 * One registration per distinct signing CA of a certificateAuthority device whose CA the stack
 * holds (generate: fleet root or intermediate; keyVaultCa: the vault's CA). A `keyVault` identity
 * is signed by a CA the stack never sees: its operator registers that CA on the hub.
 */
export function hubCaRegistrations(sources: ReadonlyMap<string, CertificateSource>): HubCaRegistration[] {
  const byName = new Map<string, { signer: HubCaSigner; deviceIds: string[] }>();
  for (const [deviceId, source] of sources) {
    if (source.settings.authentication !== "certificateAuthority") continue;
    let signer: HubCaSigner;
    if (source.kind === "generate") signer = source.settings.intermediate ? { kind: "fleetIntermediate" } : { kind: "fleetRoot" };
    else if (source.kind === "keyVaultCa") signer = { kind: "keyVaultCa", caCertificateName: source.settings.caCertificateName };
    else continue;
    const name = hubCertificateName(signer);
    const entry = byName.get(name) ?? { signer, deviceIds: [] };
    entry.deviceIds.push(deviceId);
    byName.set(name, entry);
  }
  return [...byName].map(([name, e]) => ({ name, signer: e.signer, deviceIds: e.deviceIds }));
}

/** Devices whose CA is the operator's to register (keyVault identities with certificateAuthority). */
export function operatorRegisteredCaDevices(sources: ReadonlyMap<string, CertificateSource>): string[] {
  return [...sources].filter(([, s]) => s.kind === "keyVault" && s.settings.authentication === "certificateAuthority").map(([id]) => id);
}

export function hubCertificateName(signer: HubCaSigner): string {
  if (signer.kind === "fleetRoot") return "edge-fleet-root";
  if (signer.kind === "fleetIntermediate") return "edge-fleet-intermediate";
  // Key Vault names are 1-127 of [0-9A-Za-z-]; the hub takes 64: a long one keeps a hash of the whole.
  const name = `keyvault-ca-${signer.caCertificateName}`;
  if (name.length <= 64) return name;
  return `${name.slice(0, 55)}-${createHash("sha256").update(signer.caCertificateName).digest("hex").slice(0, 8)}`;
}
