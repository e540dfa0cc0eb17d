// Rules on a device's certificate settings that the schema cannot say on its own. Pure; offline
// (preflight runs them too). What needs the vault itself is checked in certificateSources.ts.
import type { CertificateSettings } from "../config/settings";

export interface CertificateRuleError {
  /** The field under the certificate setting, e.g. `renewBeforeDays`. */
  readonly field: string;
  readonly message: string;
}

export function certificateRuleErrors(certificate: CertificateSettings, hasKeyVault: boolean): CertificateRuleError[] {
  const errors: CertificateRuleError[] = [];
  if (certificate.source !== "keyVault" && certificate.renewBeforeDays >= certificate.validityDays) {
    errors.push({
      field: "renewBeforeDays",
      message: `(${certificate.renewBeforeDays}) must be less than validityDays (${certificate.validityDays}), or every run would renew the certificate`,
    });
  }
  if (certificate.source !== "generate" && !hasKeyVault) {
    errors.push({
      field: "source",
      message: `"${certificate.source}" reads from Key Vault; set edge:keyVault.name to the vault that holds the certificate`,
    });
  }
  return errors;
}
