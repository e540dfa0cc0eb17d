// How the program and its Key Vault provider reach a vault's data plane.
// Clients are made inside each call, where the provider runs: a credential must not be stored in state.
/* eslint-disable @typescript-eslint/no-require-imports -- the SDKs load when a provider first talks to the service, not when the program starts */
import type { CertificateClient } from "@azure/keyvault-certificates";
import type { SecretClient } from "@azure/keyvault-secrets";
import type { AccessToken, TokenCredential } from "@azure/identity";

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

/** The credential `access` makes: a new one on each call. */
export function credentialOf(access: KeyVaultAccess = {}): TokenCredential {
  return access.credential
    ? access.credential()
    : new (require("@azure/identity") as typeof import("@azure/identity")).DefaultAzureCredential();
}

/** Both clients of one vault, on `credential` (by default a new one from `access`). */
export function keyVaultClients(vaultUrl: string, access: KeyVaultAccess = {}, credential = credentialOf(access)): KeyVaultClients {
  const { CertificateClient } = require("@azure/keyvault-certificates") as typeof import("@azure/keyvault-certificates");
  const { SecretClient } = require("@azure/keyvault-secrets") as typeof import("@azure/keyvault-secrets");
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

// A token is taken from the cache while it has at least this long left: longer than a run's reads.
const TOKEN_REUSE_MARGIN_MS = 5 * 60_000;

/**
 * `credential`, asked once per scope and tenant while its token lasts: each Key Vault client's
 * auth policy keeps its own token, so two clients (certificates, secrets) would otherwise ask
 * twice, and every new credential again (`az account get-access-token` is a process each time).
 * Concurrent requests share one pending ask; a failed ask is not kept. A request with claims (a
 * continuous access evaluation challenge) always asks the credential.
 */
export function cachingCredential(credential: TokenCredential): TokenCredential {
  const tokens = new Map<string, { asked: Promise<AccessToken | null>; expiresOn?: number }>();
  return {
    getToken(scopes, options) {
      if (options?.claims) return credential.getToken(scopes, options);
      const key = `${[scopes].flat().join(" ")}|${options?.tenantId ?? ""}`;
      const cached = tokens.get(key);
      // Pending, or a token with time left.
      if (cached && (cached.expiresOn === undefined || cached.expiresOn - Date.now() > TOKEN_REUSE_MARGIN_MS)) return cached.asked;
      const entry: { asked: Promise<AccessToken | null>; expiresOn?: number } = { asked: credential.getToken(scopes, options) };
      entry.asked = entry.asked.then(
        (token) => {
          if (token) entry.expiresOn = token.expiresOnTimestamp;
          else tokens.delete(key);
          return token;
        },
        (err: unknown) => {
          tokens.delete(key);
          throw err;
        },
      );
      tokens.set(key, entry);
      return entry.asked;
    },
  };
}
