// The fleet-level steps around DeviceCertificates: resolve every device's certificate source
// before the first resource (Key Vault reads and checks), make the fleet CA when a device needs
// it, and say where generated identities are copied in Key Vault.
import * as pulumi from "@pulumi/pulumi";
import type { FleetSettings, KeyVaultSettings } from "../config/settings";
import { FleetSettingsError } from "../config/validateFleet";
import { CertificateSource, resolveCertificateSources } from "./certificateSources";
import type { KeyVaultBinding } from "./deviceCertificates";
import { FleetCertificateAuthority } from "./fleetCa";
import { KeyVaultAccess, vaultUrlOf } from "./keyVaultAccess";
import { ReadKeyVaultCertificate, keyVaultCertificateReader } from "./keyVaultSource";

export interface LoadOptions {
  /** Default: read through `@azure/keyvault-*` with DefaultAzureCredential. */
  readonly read?: ReadKeyVaultCertificate;
  readonly access?: KeyVaultAccess;
  readonly now?: Date;
}

/**
 * Every device's certificate source, by device id. Throws FleetSettingsError with every problem
 * (a missing or unusable Key Vault certificate, a bad lifetime) before anything is created.
 */
export async function loadCertificateSources(settings: FleetSettings, options: LoadOptions = {}): Promise<Map<string, CertificateSource>> {
  const result = await resolveCertificateSources(settings, {
    vaultUrl: settings.keyVault ? vaultUrlOf(settings.keyVault) : undefined,
    read: options.read ?? keyVaultCertificateReader(options.access),
    now: options.now ?? new Date(),
  });
  if (!result.ok) throw new FleetSettingsError(result.errors);
  return result.sources;
}

/** True when some device's certificates are signed by the fleet's own CA. */
export function needsFleetCa(sources: Iterable<CertificateSource>): boolean {
  return [...sources].some((s) => s.kind === "generate" || (s.kind === "keyVault" && !s.edgeCa));
}

/** The fleet CA, with an intermediate when a device asks for one; undefined when no device needs it. */
export function createFleetCa(
  name: string,
  sources: ReadonlyMap<string, CertificateSource>,
  stackKey: string,
  opts?: pulumi.ComponentResourceOptions,
): FleetCertificateAuthority | undefined {
  if (!needsFleetCa(sources.values())) return undefined;
  const intermediate = [...sources.values()].some((s) => s.kind === "generate" && s.settings.intermediate);
  return new FleetCertificateAuthority(
    name,
    { commonName: `${stackKey} edge fleet root CA`, organization: "edge-provisioning", intermediate },
    opts,
  );
}

/** Where generated identities are imported: the stack's vault, if it has one. */
export function keyVaultBindingFor(keyVault: KeyVaultSettings | undefined, tags: Record<string, string> = {}): KeyVaultBinding | undefined {
  return keyVault ? { vaultUrl: vaultUrlOf(keyVault), purgeOnDelete: keyVault.purgeOnDelete, tags } : undefined;
}
