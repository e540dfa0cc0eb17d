// How the program and its Key Vault provider reach a vault's data plane.
// Clients are made inside each call, where the provider runs: a credential must not be stored in state.
/* eslint-disable @typescript-eslint/no-require-imports -- the SDKs load when a provider first talks to the service, not when the program starts */
import type { CertificateClient } from "@azure/keyvault-certificates";
import type { SecretClient } from "@azure/keyvault-secrets";
import type { TokenCredential } from "@azure/identity";

export interface KeyVaultAccess {
  /** Makes the credential; default `DefaultAzureCredential` (environment, workload identity, `az login`). */
  readonly credential?: () => TokenCredential;
  /** Passed to both clients (tests: a stand-in's CA through `tlsOptions`, `disableChallengeResourceVerification`). */
  readonly clientOptions?: Record<string, unknown>;
  /** Interval of the delete/recover pollers; the SDK's 2 s default suits a real vault. */
  readonly pollIntervalMs?: number;
}

export interface KeyVaultClients {
  readonly certificates: CertificateClient;
  readonly secrets: SecretClient;
}

export function keyVaultClients(vaultUrl: string, access: KeyVaultAccess = {}): KeyVaultClients {
  const { CertificateClient } = require("@azure/keyvault-certificates") as typeof import("@azure/keyvault-certificates");
  const { SecretClient } = require("@azure/keyvault-secrets") as typeof import("@azure/keyvault-secrets");
  const credential = access.credential
    ? access.credential()
    : new (require("@azure/identity") as typeof import("@azure/identity")).DefaultAzureCredential();
  return {
    certificates: new CertificateClient(vaultUrl, credential, access.clientOptions),
    secrets: new SecretClient(vaultUrl, credential, access.clientOptions),
  };
}

/** The vault URL of the `edge:keyVault` settings. */
export function vaultUrlOf(settings: { readonly name: string; readonly url?: string }): string {
  return (settings.url ?? `https://${settings.name}.vault.azure.net`).replace(/\/$/, "");
}

/** HTTP status and service error code of a failed Key Vault call, when it was one. */
export function restErrorOf(err: unknown): { status?: number; code?: string; message: string } {
  const e = err as { statusCode?: number; code?: string; message?: string; details?: { error?: { code?: string; message?: string } } };
  const serviceError = e?.details?.error;
  return {
    status: typeof e?.statusCode === "number" ? e.statusCode : undefined,
    code: serviceError?.code ?? e?.code,
    message: serviceError?.message ?? e?.message ?? String(err),
  };
}

export const isNotFound = (err: unknown): boolean => restErrorOf(err).status === 404;
