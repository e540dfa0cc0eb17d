// Resolves each device's certificate source before any resource exists: reads the Key Vault
// certificates that devices name, checks them, and collects every problem into one error.
import type { CertificateSettings, FleetSettings, DeviceSettings } from "../config/settings";
import type { SettingError } from "../config/validateFleet";
import { azureNameFor } from "../config/naming";
import { CertificateMaterial, caProblems, edgeCaNameProblem, identityProblems } from "./certificateChecks";
import { KeyVaultCertificateError, ReadKeyVaultCertificate } from "./keyVaultSource";
import { parseCertificate } from "./x509";

type Of<S extends CertificateSettings["source"]> = Extract<CertificateSettings, { source: S }>;

/** A device's certificate settings, with what was read from Key Vault for them. */
export type CertificateSource =
  | { readonly kind: "generate"; readonly settings: Of<"generate"> }
  | {
      readonly kind: "keyVault";
      readonly settings: Of<"keyVault">;
      readonly identity: CertificateMaterial;
      readonly edgeCa?: CertificateMaterial;
    }
  | { readonly kind: "keyVaultCa"; readonly settings: Of<"keyVaultCa">; readonly ca: CertificateMaterial };

export interface ResolveOptions {
  /** URL of `edge:keyVault`, when the stack has one. */
  readonly vaultUrl?: string;
  readonly read: ReadKeyVaultCertificate;
  readonly now: Date;
}

export type ResolveResult = { ok: true; sources: Map<string, CertificateSource> } | { ok: false; errors: SettingError[] };

/**
 * The device's host name as its settings give it before anything runs, for the edge CA's name
 * check: its VM's computer name, or the address of an existing host.
 */
export function settingsHostNameOf(device: DeviceSettings): string {
  return device.host.type === "azureVm" ? azureNameFor(device.id) : device.host.address;
}

/**
 * Resolves every device's certificate source, for settings that passed validateFleet. A Key Vault
 * certificate named by several devices is read once. Returns every problem, each with the
 * setting it belongs to.
 */
export async function resolveCertificateSources(settings: FleetSettings, options: ResolveOptions): Promise<ResolveResult> {
  const errors: SettingError[] = [];
  const sources = new Map<string, CertificateSource>();
  const reads = new Map<string, Promise<CertificateMaterial | KeyVaultCertificateError>>();
  const read = (name: string) => {
    if (!reads.has(name)) {
      reads.set(
        name,
        options.read(options.vaultUrl!, name).catch((err: unknown) => {
          if (err instanceof KeyVaultCertificateError) return err;
          throw err;
        }),
      );
    }
    return reads.get(name)!;
  };

  await Promise.all(
    settings.devices.map(async (device, index) => {
      const at = `devices[${index}].certificate`;
      const add = (field: string, message: string) => errors.push({ setting: `${at}.${field}`, device: device.id, message });
      const certificate = device.certificate;
      // Settings rules (certificateRules.ts) were checked with the rest of the settings.
      if (certificate.source === "generate") {
        sources.set(device.id, { kind: "generate", settings: certificate });
        return;
      }
      if (!options.vaultUrl) throw new Error(`device "${device.id}": a "${certificate.source}" certificate needs edge:keyVault`);
      // A vault certificate's problems are reported under the setting that names it, worded after its name.
      const material = async (field: string, name: string) => {
        const result = await read(name);
        if (result instanceof KeyVaultCertificateError) {
          add(field, `Key Vault certificate "${name}" ${result.reason}`);
          return undefined;
        }
        return result;
      };
      const check = (field: string, name: string, problems: string[]) =>
        problems.forEach((p) => add(field, `Key Vault certificate "${name}" ${p}`));

      if (certificate.source === "keyVault") {
        const identity = await material("certificateName", certificate.certificateName);
        const edgeCa = certificate.edgeCaCertificateName
          ? await material("edgeCaCertificateName", certificate.edgeCaCertificateName)
          : undefined;
        if (identity) {
          check(
            "certificateName",
            certificate.certificateName,
            identityProblems(identity, {
              deviceId: device.id,
              authentication: certificate.authentication,
              renewBeforeDays: certificate.renewBeforeDays,
              now: options.now,
            }),
          );
        }
        if (edgeCa && certificate.edgeCaCertificateName) {
          const name = certificate.edgeCaCertificateName;
          check(
            "edgeCaCertificateName",
            name,
            caProblems(edgeCa, { renewBeforeDays: certificate.renewBeforeDays, now: options.now, pathLength: { exactly: 0 } }),
          );
          const nameProblem = edgeCaNameProblem(
            parseCertificate(edgeCa.certificatePem).subjectCommonName,
            device.id,
            settingsHostNameOf(device),
          );
          if (nameProblem) check("edgeCaCertificateName", name, [nameProblem]);
        }
        if (identity && (edgeCa || !certificate.edgeCaCertificateName))
          sources.set(device.id, { kind: "keyVault", settings: certificate, identity, edgeCa });
        return;
      }

      const ca = await material("caCertificateName", certificate.caCertificateName);
      if (!ca) return;
      // It signs the device's edge CA, itself a CA, so it needs room for one CA below it.
      check(
        "caCertificateName",
        certificate.caCertificateName,
        caProblems(ca, {
          renewBeforeDays: certificate.renewBeforeDays,
          now: options.now,
          signsForDays: certificate.validityDays,
          pathLength: { atLeast: 1 },
        }),
      );
      sources.set(device.id, { kind: "keyVaultCa", settings: certificate, ca });
    }),
  );

  const order = new Map(settings.devices.map((d, i) => [d.id, i]));
  errors.sort((a, b) => order.get(a.device!)! - order.get(b.device!)! || a.setting.localeCompare(b.setting));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, sources };
}
