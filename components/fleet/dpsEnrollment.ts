// What a `dps` stack's enrollment group is made of: its id, the twin tags it gives every device
// (which the at-scale deployment targets), and the one CA it trusts. Pure.
import { createHash, X509Certificate } from "node:crypto";
import type { CertificateSource } from "../certificates/certificateSources";
import { FLEET_TAG, STACK_TAG } from "../config/provisioningRules";
import type { SettingError } from "../config/settingErrors";
import { hubCaRegistrations } from "./hubCaCertificates";

/**
 * `edge-<project>-<stack>` as a DPS enrollment group id (lower-case letters, digits and inner
 * hyphens, at most 128): one group per stack, so two stacks on one DPS do not share one.
 */
export function defaultEnrollmentGroupId(stackKey: string): string {
  const slug = `edge-${stackKey}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  return slug.length <= 128
    ? slug
    : `${slug.slice(0, 119).replace(/-$/, "")}-${createHash("sha256").update(slug).digest("hex").slice(0, 8)}`;
}

/**
 * The group's initial twin tags: the fleet (its group id) and the stack (`<project>:<stack>`: a
 * target condition's value cannot carry the `/` of the stack key), then the stack's own.
 */
export function enrollmentTags(
  enrollmentGroupId: string,
  stackKey: string,
  tags: Readonly<Record<string, string>>,
): Record<string, string> {
  return { [FLEET_TAG]: enrollmentGroupId, [STACK_TAG]: stackKey.replace(/\//g, ":"), ...tags };
}

/** Which CA the group trusts: the fleet's root or intermediate, a Key Vault CA, or the root of Key Vault identities' chains. */
export type DpsCaSource =
  | { readonly kind: "fleetRoot" | "fleetIntermediate"; readonly name: string }
  | { readonly kind: "pem"; readonly name: string; readonly certificatePem: string };

/**
 * The one signing CA every device of a `dps` stack chains to, or the problems that stop it.
 * validateFleet already refused devices whose settings name different CAs; what it cannot see is
 * the chain of a Key Vault identity, read since: its last certificate must be the same CA for all.
 */
export function dpsSigningCa(
  sources: ReadonlyMap<string, CertificateSource>,
  deviceIndex: ReadonlyMap<string, number>,
): { ca?: DpsCaSource; errors: SettingError[] } {
  const errors: SettingError[] = [];
  const registrations = hubCaRegistrations(sources);
  const vaultIdentities = [...sources].filter(([, s]) => s.kind === "keyVault");
  if (registrations.length === 1 && vaultIdentities.length === 0) {
    const r = registrations[0];
    if (r.signer.kind === "keyVaultCa") {
      const source = sources.get(r.deviceIds[0]);
      return { ca: { kind: "pem", name: r.name, certificatePem: source?.kind === "keyVaultCa" ? source.ca.certificatePem : "" }, errors };
    }
    return { ca: { kind: r.signer.kind, name: r.name }, errors };
  }
  if (registrations.length === 0 && vaultIdentities.length > 0) {
    let first: { id: string; pem: string; thumbprint: string } | undefined;
    for (const [id, source] of vaultIdentities) {
      if (source.kind !== "keyVault") continue;
      const setting = `devices[${deviceIndex.get(id) ?? "?"}].certificate.certificateName`;
      const root = source.identity.chainPems.at(-1);
      if (root === undefined) {
        errors.push({
          setting,
          device: id,
          message: `Key Vault certificate "${source.settings.certificateName}" has no chain: in dps mode a device presents its chain to the enrollment group's CA, so import the certificate with its issuers`,
        });
        continue;
      }
      let thumbprint: string;
      try {
        thumbprint = new X509Certificate(root).fingerprint256.replace(/:/g, "").toLowerCase();
      } catch {
        errors.push({
          setting,
          device: id,
          message: `Key Vault certificate "${source.settings.certificateName}" has a chain certificate that does not parse`,
        });
        continue;
      }
      if (!first) first = { id, pem: root, thumbprint };
      else if (thumbprint !== first.thumbprint) {
        errors.push({
          setting,
          device: id,
          message: `chains to another CA than device "${first.id}": in dps mode one enrollment group admits the fleet, so every device chains to one CA`,
        });
      }
    }
    if (errors.length > 0 || !first) return { errors };
    return { ca: { kind: "pem", name: `keyvault-root-${first.thumbprint.slice(0, 12)}`, certificatePem: first.pem }, errors };
  }
  // validateFleet refuses settings that come here (mixed or selfSigned signers).
  errors.push({
    setting: "provisioning.mode",
    message: "dps needs every device to chain to one signing CA (certificateAuthority authentication with one CA)",
  });
  return { errors };
}
