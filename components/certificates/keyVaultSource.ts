// Reads an existing Key Vault certificate with its private key: the certificate from the
// certificates API, the key from the secret behind it (PEM or PFX, by the secret's content type).
import { CertificateMaterial } from "./certificateChecks";
import type { TokenCredential } from "@azure/identity";
import { KeyVaultAccess, KeyVaultClients, cachingCredential, credentialOf, keyVaultClients, restErrorOf } from "./keyVaultAccess";
import { pfxToPem } from "./pfx";
import { limiter } from "../concurrency";
import { certificatePems, privateKeyPems, toPem } from "./x509";
import { thumbprintsOf } from "./thumbprint";
import { createPrivateKey } from "crypto";

export const PEM_CONTENT_TYPE = "application/x-pem-file" as const;
export const PFX_CONTENT_TYPE = "application/x-pkcs12" as const;

/** A Key Vault certificate that cannot be used, with the reason in words for the operator. */
export class KeyVaultCertificateError extends Error {
  constructor(
    readonly vaultUrl: string,
    readonly certificateName: string,
    readonly reason: string,
  ) {
    super(`Key Vault certificate "${certificateName}" in ${vaultUrl} ${reason}`);
    this.name = "KeyVaultCertificateError";
  }
}

export type ReadKeyVaultCertificate = (vaultUrl: string, certificateName: string) => Promise<CertificateMaterial>;

/**
 * Certificates a reader reads at once (two requests each): enough to overlap the round trips of a
 * fleet's reads, far below a vault's limit of 4,000 GETs per 10 seconds
 * (https://learn.microsoft.com/azure/key-vault/general/service-limits).
 */
export const KEY_VAULT_READ_CONCURRENCY = 8;

/**
 * A reader bound to one way of reaching Key Vault, for one run: its reads share one credential,
 * asked once per token (cachingCredential), and one pair of clients per vault; at most
 * `concurrency` run at once. A vault's first read runs alone: each client meets the vault's
 * challenge (a 401 that names the token's scope) once, not once per read started beside it.
 */
export function keyVaultCertificateReader(access: KeyVaultAccess = {}, concurrency = KEY_VAULT_READ_CONCURRENCY): ReadKeyVaultCertificate {
  let credential: TokenCredential | undefined;
  const vaults = new Map<string, { clients: KeyVaultClients; first: Promise<unknown> }>();
  const limit = limiter(concurrency);
  return (vaultUrl, certificateName) => {
    const vault = vaults.get(vaultUrl);
    if (vault) return vault.first.then(() => limit(() => readWith(vault.clients, vaultUrl, certificateName)));
    credential ??= cachingCredential(credentialOf(access));
    const clients = keyVaultClients(vaultUrl, access, credential);
    const first = limit(() => readWith(clients, vaultUrl, certificateName));
    vaults.set(vaultUrl, { clients, first: first.catch(() => undefined) });
    return first;
  };
}

/**
 * The certificate, its key (PKCS#8 PEM) and its chain. Throws KeyVaultCertificateError when the
 * certificate does not exist, cannot be read with the program's identity, or has no exportable key.
 */
export async function readKeyVaultCertificate(
  vaultUrl: string,
  certificateName: string,
  access: KeyVaultAccess = {},
): Promise<CertificateMaterial> {
  return readWith(keyVaultClients(vaultUrl, access), vaultUrl, certificateName);
}

async function readWith(clients: KeyVaultClients, vaultUrl: string, certificateName: string): Promise<CertificateMaterial> {
  const fail = (reason: string) => new KeyVaultCertificateError(vaultUrl, certificateName, reason);

  let certificate;
  try {
    certificate = await clients.certificates.getCertificate(certificateName);
  } catch (err) {
    throw fail(describeReadError(err, "certificates/get"));
  }
  if (!certificate.cer) throw fail("has no issued certificate yet (is its creation still pending?)");
  // Without an exportable key the secret holds the certificate alone; say so before reading it.
  if (certificate.policy?.exportable === false) {
    throw fail("has a non-exportable private key, so it cannot be copied to a device; create or import it with an exportable key policy");
  }

  let secret;
  try {
    secret = await clients.secrets.getSecret(certificateName);
  } catch (err) {
    throw fail(`has a secret that cannot be read: ${describeReadError(err, "secrets/get")}`);
  }
  if (!secret.value) throw fail("has an empty secret, so its private key cannot be read");

  const contentType = secret.properties.contentType ?? certificate.policy?.contentType;
  let certificates: string[];
  let keys: string[];
  if (contentType === PEM_CONTENT_TYPE) {
    certificates = certificatePems(secret.value);
    keys = privateKeyPems(secret.value).map((pem) => createPrivateKey(pem).export({ type: "pkcs8", format: "pem" }) as string);
  } else {
    try {
      ({ certificates, privateKeys: keys } = pfxToPem(secret.value));
    } catch (err) {
      throw fail(
        `has a secret of content type "${contentType ?? "(none)"}" that is neither PEM nor a readable PFX: ${(err as Error).message}`,
      );
    }
  }
  if (keys.length === 0) throw fail("has no exportable private key in its secret, so it cannot be copied to a device");

  // The leaf is the certificate the certificates API returns; the rest of the bundle is its chain.
  const leafPem = toPem("CERTIFICATE", certificate.cer);
  const leafThumbprint = thumbprintsOf(leafPem).sha256;
  return {
    certificatePem: leafPem,
    privateKeyPem: keys[0],
    chainPems: certificates.filter((pem) => thumbprintsOf(pem).sha256 !== leafThumbprint),
  };
}

function describeReadError(err: unknown, permission: string): string {
  const { status, code, message } = restErrorOf(err);
  if (status === 404) return "does not exist (check the name and the vault)";
  if (status === 401 || status === 403) {
    return `cannot be read by the program's Azure identity (HTTP ${status}${code ? ` ${code}` : ""}); grant it ${permission} on the vault (role "Key Vault Certificate User" or an access policy)`;
  }
  return `could not be read: ${status ? `HTTP ${status} ` : ""}${code ? `${code}: ` : ""}${message}`;
}
