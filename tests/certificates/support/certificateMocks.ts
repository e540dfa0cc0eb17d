// Mocks for the certificate resources: @pulumi/tls through the emulator, and the three dynamic
// providers through their real code (Key Vault against the stand-in).
import { type MockOverride, isSecretValue } from "../../../lab/mocks/pulumiMocks";
import { EdgeCaCertificateProvider } from "../../../components/certificates/edgeCaCertificate.provider";
import { KeyVaultCertificateProvider } from "../../../components/certificates/keyVaultCertificate.provider";
import { ThumbprintSlotsProvider } from "../../../components/certificates/thumbprintSlots.provider";
import type { KeyVaultAccess } from "../../../components/certificates/keyVaultAccess";
import { tlsState } from "./tlsEmulator";

/** Inputs as a provider sees them: secrets unwrapped, the provider text (`__provider`) left out. */
export function plainInputs(value: any): any {
  if (Array.isArray(value)) return value.map(plainInputs);
  if (typeof value !== "object" || value === null) return value;
  if (isSecretValue(value)) return plainInputs(value.value);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== "__provider")
      .map(([k, v]) => [k, plainInputs(v)]),
  );
}

export interface CertificateMockLog {
  /** Names of the resources the mocks were asked to create, in order. */
  readonly created: string[];
}

export function certificateMocks(vaultAccess: KeyVaultAccess | undefined, log: CertificateMockLog = { created: [] }): MockOverride {
  return async (args) => {
    log.created.push(args.name);
    const inputs = plainInputs(args.inputs);
    const tls = await tlsState(args.type, inputs);
    if (tls) return { id: `${args.name}-id`, state: tls };
    const provider =
      args.type === "pulumi-nodejs:dynamic/certificates:EdgeCaCertificate"
        ? new EdgeCaCertificateProvider()
        : args.type === "pulumi-nodejs:dynamic/certificates:ThumbprintSlots"
          ? new ThumbprintSlotsProvider()
          : args.type === "pulumi-nodejs:dynamic/certificates:KeyVaultCertificate"
            ? new KeyVaultCertificateProvider(vaultAccess)
            : undefined;
    if (!provider) return undefined;
    const result = await provider.create(inputs);
    return { id: result.id, state: result.outs ?? {} };
  };
}
