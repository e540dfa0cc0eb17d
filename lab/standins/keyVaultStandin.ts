// A local stand-in of the Key Vault certificates and secrets data-plane API over HTTPS, for the
// Key Vault tests. It speaks what the real vault speaks to `@azure/keyvault-certificates` and
// `@azure/keyvault-secrets`: challenge authentication (an unauthenticated first request gets a
// 401 with `WWW-Authenticate: Bearer authorization=…, resource=…`), import (PEM or PFX, chosen by
// `policy.secret_props.contentType`), get, the secret behind a certificate, soft delete, recover,
// purge, and the documented error bodies `{"error":{"code","message"}}`.
// Drive it only through the real clients, with `disableChallengeResourceVerification: true` and
// its CA passed as `tlsOptions.ca`.
//
// Sources, cited beside each behaviour: [objects] learn.microsoft.com/azure/key-vault/about-keys-secrets-and-certificates
// (object names, case-insensitive identifiers); [auth] .../general/authentication-requests-and-responses
// (api-version, the Bearer challenge, error bodies); [soft-delete] .../general/soft-delete-overview;
// [import] .../certificates/tutorial-import-certificate and the REST reference "Import Certificate".
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { keyMismatchProblem } from "../../components/certificates/certificateChecks";
import { pfxToPem } from "../../components/certificates/pfx";
import { certificateDer, certificatePems, privateKeyPems } from "../../components/certificates/x509";
import { makeStandinTls } from "./iotHubTls";

const PEM = "application/x-pem-file";
const PFX = "application/x-pkcs12";

interface Version {
  readonly version: string;
  readonly cer: Buffer;
  readonly secretValue: string;
  readonly contentType: string;
  readonly exportable: boolean;
  readonly created: number;
}

interface Entry {
  readonly name: string;
  versions: Version[];
  tags: Record<string, string>;
  deletedDate?: number;
}

export interface SeedOptions {
  /** PEM text (certificate and key) or base64 PFX. */
  readonly value: string;
  readonly contentType: typeof PEM | typeof PFX;
  /** false: the secret holds the certificate without its key, as the vault does for non-exportable keys. */
  readonly exportable?: boolean;
  readonly tags?: Record<string, string>;
  /** Keep a key that does not match the certificate: what an import would refuse, for the checks on reads. */
  readonly mismatchedKey?: boolean;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorized: boolean;
  status: number;
  readonly body: string;
}

class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }
}

export class KeyVaultStandin {
  readonly token = randomBytes(16).toString("hex");
  readonly requests: LoggedRequest[] = [];
  /** Purge protection on: purges are refused with 403, as a protected vault does. */
  purgeProtection = false;
  private readonly live = new Map<string, Entry>();
  private readonly deleted = new Map<string, Entry>();

  private constructor(
    private readonly server: Server,
    readonly vaultUrl: string,
    readonly caCertPem: string,
  ) {}

  static async start(address = "127.0.6.1"): Promise<KeyVaultStandin> {
    if (!/^127\.\d+\.\d+\.\d+$/.test(address)) throw new Error(`the stand-in listens on loopback only, not ${address}`);
    const tls = makeStandinTls(address);
    const server = createServer({ cert: tls.certPem, key: tls.keyPem });
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    const port = (server.address() as AddressInfo).port;
    const standin = new KeyVaultStandin(server, `https://${address}:${port}`, tls.caCertPem);
    server.on("request", (req, res) => void standin.handle(req, res));
    return standin;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** What the clients need to reach this stand-in (KeyVaultAccess). */
  access() {
    return {
      credential: () => ({ getToken: async () => ({ token: this.token, expiresOnTimestamp: Date.now() + 3_600_000 }) }),
      clientOptions: { disableChallengeResourceVerification: true, tlsOptions: { ca: this.caCertPem }, retryOptions: { maxRetries: 0 } },
      pollIntervalMs: 5,
    };
  }

  /** Puts a certificate in the vault as if an operator had imported it. */
  seed(name: string, options: SeedOptions): void {
    const version = this.version(options.value, options.contentType, options.exportable ?? true, "", options.mismatchedKey);
    this.live.set(name.toLowerCase(), { name, versions: [version], tags: options.tags ?? {} });
  }

  /** Names of live and soft-deleted certificates. */
  names(): { live: string[]; deleted: string[] } {
    return { live: [...this.live.values()].map((e) => e.name).sort(), deleted: [...this.deleted.values()].map((e) => e.name).sort() };
  }

  latest(name: string): Version | undefined {
    return this.live.get(name.toLowerCase())?.versions.at(-1);
  }

  tagsOf(name: string): Record<string, string> | undefined {
    return this.live.get(name.toLowerCase())?.tags;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.vaultUrl);
    const authorized = req.headers.authorization === `Bearer ${this.token}`;
    const logged: LoggedRequest = { method: req.method ?? "", path: url.pathname, authorized, status: 0, body };
    this.requests.push(logged);
    const send = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      logged.status = status;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(payload === undefined ? undefined : JSON.stringify(payload));
    };
    if (!authorized) {
      // [auth] Challenge: the client learns where to get a token, then repeats the request with it.
      const challenge =
        'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"';
      const error = req.headers.authorization
        ? { code: "Unauthorized", message: "AKV10022: Invalid audience." }
        : { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." };
      return send(401, { error }, { "www-authenticate": challenge });
    }
    try {
      // [auth] Every request names the API version it speaks.
      if (!url.searchParams.get("api-version"))
        throw new VaultError(400, "BadParameter", "The request URI does not contain the api-version query parameter.");
      const [status, payload] = this.route(req.method ?? "GET", url.pathname.replace(/\/+$/, "").split("/").filter(Boolean), body);
      send(status, payload);
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      send(err.status, {
        error: { code: err.code, message: err.message, ...(err.innerCode ? { innererror: { code: err.innerCode } } : {}) },
      });
    }
  }

  private route(method: string, parts: string[], body: string): [number, unknown?] {
    const [collection, rawName, action] = parts;
    // [objects] Identifiers compare case-insensitively: "Cert" and "cert" are one object.
    const name = rawName?.toLowerCase();
    if (collection === "certificates" && name) {
      if (method === "POST" && action === "import") return [200, this.import(rawName, JSON.parse(body))];
      if (method === "GET" && (action === undefined || action === "")) return [200, this.bundle(this.mustLive(name))];
      if (method === "GET" && action !== undefined) return [200, this.bundle(this.mustLive(name), action)];
      if (method === "PATCH") {
        const entry = this.mustLive(name);
        const patch = JSON.parse(body) as { tags?: Record<string, string> };
        if (patch.tags) entry.tags = patch.tags;
        return [200, this.bundle(entry)];
      }
      // [soft-delete] Deleting keeps the certificate recoverable (and its name reserved) for the retention days.
      if (method === "DELETE" && action === undefined) {
        const entry = this.mustLive(name);
        this.live.delete(name);
        entry.deletedDate = Math.floor(Date.now() / 1000);
        this.deleted.set(name, entry);
        return [200, this.deletedBundle(entry)];
      }
    }
    if (collection === "deletedcertificates" && name) {
      const entry = this.deleted.get(name);
      if (!entry) throw new VaultError(404, "CertificateNotFound", `Deleted Certificate not found: ${name}`);
      if (method === "GET" && action === undefined) return [200, this.deletedBundle(entry)];
      if (method === "POST" && action === "recover") {
        this.deleted.delete(name);
        delete entry.deletedDate;
        this.live.set(name, entry);
        return [200, this.bundle(entry)];
      }
      if (method === "DELETE" && action === undefined) {
        if (this.purgeProtection) {
          throw new VaultError(
            403,
            "Forbidden",
            `Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.`,
          );
        }
        this.deleted.delete(name);
        return [204];
      }
    }
    // [import] The private key is read as the secret behind the certificate, PEM or base64 PFX by its content type.
    if (collection === "secrets" && name && method === "GET") {
      const entry = this.mustLive(name, "SecretNotFound", "secret");
      const version = action ? entry.versions.find((v) => v.version === action) : entry.versions.at(-1);
      if (!version)
        throw new VaultError(404, "SecretNotFound", `A secret with (name/id) ${name}/${action} was not found in this key vault.`);
      return [
        200,
        {
          value: version.secretValue,
          contentType: version.contentType,
          id: `${this.vaultUrl}/secrets/${name}/${version.version}`,
          kid: `${this.vaultUrl}/keys/${name}/${version.version}`,
          managed: true,
          attributes: this.attributes(version),
        },
      ];
    }
    throw new VaultError(400, "BadParameter", `The stand-in does not serve ${method} /${parts.join("/")}`);
  }

  private import(
    displayName: string,
    request: { value?: string; pwd?: string; policy?: { secret_props?: { contentType?: string } }; tags?: Record<string, string> },
  ): unknown {
    // [objects] A name is 1-127 characters of 0-9, a-z, A-Z and "-".
    if (!/^[0-9A-Za-z-]{1,127}$/.test(displayName))
      throw new VaultError(400, "BadParameter", `The request URI contains an invalid name: ${displayName}`);
    const name = displayName.toLowerCase();
    // [soft-delete] A soft-deleted name cannot be reused until it is recovered or purged.
    if (this.deleted.has(name)) {
      throw new VaultError(
        409,
        "Conflict",
        `Certificate ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the certificate can only be recovered or purged.`,
        "ObjectIsDeletedButRecoverable",
      );
    }
    const contentType = request.policy?.secret_props?.contentType ?? PFX;
    if (!request.value) throw new VaultError(400, "BadParameter", "Property value is required.");
    if (contentType === PFX && request.value.includes("-----BEGIN")) {
      // What the service says to a PEM sent without the PEM content type in the policy.
      throw new VaultError(
        400,
        "BadParameter",
        "The specified PEM X.509 certificate content is in an unexpected format. Please check if certificate is in valid PEM format.",
      );
    }
    const version = this.version(request.value, contentType, true, request.pwd);
    const entry = this.live.get(name) ?? { name: displayName, versions: [], tags: {} };
    entry.versions.push(version);
    entry.tags = request.tags ?? entry.tags;
    this.live.set(name, entry);
    return this.bundle(entry);
  }

  private version(value: string, contentType: string, exportable: boolean, password = "", mismatchedKey = false): Version {
    let certs: string[];
    let keys: string[];
    try {
      ({ certificates: certs, privateKeys: keys } =
        contentType === PEM ? { certificates: certificatePems(value), privateKeys: privateKeyPems(value) } : pfxToPem(value, password));
    } catch (err) {
      throw new VaultError(400, "BadParameter", `The specified certificate content could not be read: ${(err as Error).message}`);
    }
    if (certs.length === 0) throw new VaultError(400, "BadParameter", "The specified certificate content has no X.509 certificate.");
    if (keys.length === 0) throw new VaultError(400, "BadParameter", "The specified certificate content has no private key.");
    if (!mismatchedKey && keyMismatchProblem(certs[0], keys[0]))
      throw new VaultError(400, "BadParameter", "Private key does not match the certificate's public key.");
    // A non-exportable key never leaves the vault: its secret is the certificate alone.
    const secretValue = exportable ? value : contentType === PEM ? certs.join("") : "";
    return {
      version: randomBytes(16).toString("hex"),
      cer: certificateDer(certs[0]),
      secretValue,
      contentType,
      exportable,
      created: Math.floor(Date.now() / 1000),
    };
  }

  private mustLive(name: string, code = "CertificateNotFound", what = "certificate"): Entry {
    const entry = this.live.get(name);
    if (!entry)
      throw new VaultError(
        404,
        code,
        `A ${what} with (name/id) ${name} was not found in this key vault. If you recently deleted this ${what} you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    return entry;
  }

  private attributes(v: Version) {
    return { enabled: true, created: v.created, updated: v.created, recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90 };
  }

  private bundle(entry: Entry, versionId?: string): unknown {
    const v = versionId ? entry.versions.find((x) => x.version === versionId) : entry.versions.at(-1);
    if (!v)
      throw new VaultError(
        404,
        "CertificateNotFound",
        `A certificate with (name/id) ${entry.name}/${versionId} was not found in this key vault.`,
      );
    return {
      id: `${this.vaultUrl}/certificates/${entry.name}/${v.version}`,
      kid: `${this.vaultUrl}/keys/${entry.name}/${v.version}`,
      sid: `${this.vaultUrl}/secrets/${entry.name}/${v.version}`,
      x5t: createHash("sha1").update(v.cer).digest("base64url"),
      cer: v.cer.toString("base64"),
      attributes: this.attributes(v),
      tags: entry.tags,
      policy: {
        id: `${this.vaultUrl}/certificates/${entry.name}/policy`,
        key_props: { exportable: v.exportable, reuse_key: false },
        secret_props: { contentType: v.contentType },
        attributes: { enabled: true },
      },
    };
  }

  private deletedBundle(entry: Entry): unknown {
    return {
      ...(this.bundle(entry) as object),
      recoveryId: `${this.vaultUrl}/deletedcertificates/${entry.name}`,
      deletedDate: entry.deletedDate,
      scheduledPurgeDate: (entry.deletedDate ?? 0) + 90 * 86_400,
    };
  }
}
