// Dynamic provider of a device certificate imported into Key Vault: import (recovering a soft-deleted
// one, refusing to take over another device's), tag updates in place, delete and optional purge.
import type * as pulumi from "@pulumi/pulumi";
import { KeyVaultAccess, isNotFound, keyVaultClients, restErrorOf } from "./keyVaultAccess";
import { PEM_CONTENT_TYPE } from "./keyVaultSource";
import { DEVICE_TAG, STACK_TAG } from "./keyVaultCertificate.rules";

export interface KeyVaultCertificateInputs {
  readonly vaultUrl: string;
  readonly certificateName: string;
  /** PKCS#8 private key, the certificate, then its chain: one PEM text. Secret. */
  readonly pem: string;
  /** SHA-1 thumbprint of the certificate in `pem` (upper-case hex): what decides an update. */
  readonly thumbprint: string;
  readonly tags: Record<string, string>;
  /** Purge after the soft delete on destroy, so the name can be reused at once. */
  readonly purgeOnDelete: boolean;
}

/** What the state keeps. Nothing secret: the PEM stays an (encrypted) input only. */
export interface KeyVaultCertificateOutputs {
  readonly vaultUrl: string;
  readonly certificateName: string;
  readonly thumbprint: string;
  readonly tags: Record<string, string>;
  readonly purgeOnDelete: boolean;
  /** Versioned id of the imported certificate. */
  readonly certificateId: string;
  readonly version: string;
}

export class KeyVaultCertificateProvider implements pulumi.dynamic.ResourceProvider {
  constructor(private readonly access: KeyVaultAccess = {}) {}

  async create(inputs: KeyVaultCertificateInputs): Promise<pulumi.dynamic.CreateResult> {
    const { certificates } = keyVaultClients(inputs.vaultUrl, this.access);
    const where = `certificate "${inputs.certificateName}" in ${inputs.vaultUrl}`;
    const poll = { intervalInMs: this.access.pollIntervalMs };

    let existing;
    try {
      existing = await certificates.getCertificate(inputs.certificateName);
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`Key Vault ${where}: reading it before the import failed: ${describe(err)}`);
    }
    if (!existing) {
      // A soft-deleted certificate keeps its name reserved: bring it back, then import over it.
      try {
        await certificates.getDeletedCertificate(inputs.certificateName);
        await (await certificates.beginRecoverDeletedCertificate(inputs.certificateName, poll)).pollUntilDone();
        existing = await certificates.getCertificate(inputs.certificateName);
      } catch (err) {
        if (!isNotFound(err)) throw new Error(`Key Vault ${where}: it is soft-deleted and recovering it failed: ${describe(err)}`);
      }
    }
    const tags = existing?.properties.tags ?? {};
    if (existing && (tags[DEVICE_TAG] !== inputs.tags[DEVICE_TAG] || tags[STACK_TAG] !== inputs.tags[STACK_TAG])) {
      const owner = tags[DEVICE_TAG]
        ? `belongs to device "${tags[DEVICE_TAG]}"${tags[STACK_TAG] ? ` of stack "${tags[STACK_TAG]}"` : ""}`
        : "was not made by this program";
      throw new Error(
        `Key Vault ${where} already exists and ${owner}; ` + "give the device another certificate name, or delete that certificate",
      );
    }
    return { id: `${inputs.vaultUrl}/certificates/${inputs.certificateName}`, outs: await this.importInto(inputs) };
  }

  async diff(_id: string, olds: KeyVaultCertificateOutputs, news: KeyVaultCertificateInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = (["vaultUrl", "certificateName"] as const).filter((k) => olds[k] !== news[k]);
    const changes =
      replaces.length > 0 ||
      olds.thumbprint !== news.thumbprint ||
      olds.purgeOnDelete !== news.purgeOnDelete ||
      !sameTags(olds.tags, news.tags);
    return { changes, replaces, deleteBeforeReplace: false };
  }

  async update(_id: string, olds: KeyVaultCertificateOutputs, news: KeyVaultCertificateInputs): Promise<pulumi.dynamic.UpdateResult> {
    if (olds.thumbprint !== news.thumbprint) return { outs: await this.importInto(news) };
    if (!sameTags(olds.tags, news.tags)) {
      const { certificates } = keyVaultClients(news.vaultUrl, this.access);
      try {
        await certificates.updateCertificateProperties(news.certificateName, "", { tags: news.tags });
      } catch (err) {
        throw new Error(`Key Vault certificate "${news.certificateName}" in ${news.vaultUrl}: updating its tags failed: ${describe(err)}`);
      }
    }
    return { outs: { ...olds, tags: news.tags, purgeOnDelete: news.purgeOnDelete } };
  }

  /** Soft delete; then purge only when the stack asked for it. A certificate already gone is fine. */
  async delete(_id: string, outs: KeyVaultCertificateOutputs): Promise<void> {
    const { certificates } = keyVaultClients(outs.vaultUrl, this.access);
    const where = `certificate "${outs.certificateName}" in ${outs.vaultUrl}`;
    const poll = { intervalInMs: this.access.pollIntervalMs };
    try {
      await (await certificates.beginDeleteCertificate(outs.certificateName, poll)).pollUntilDone();
    } catch (err) {
      if (!isNotFound(err)) throw new Error(`Key Vault ${where}: delete failed: ${describe(err)}`);
    }
    if (!outs.purgeOnDelete) return;
    try {
      await certificates.purgeDeletedCertificate(outs.certificateName);
    } catch (err) {
      if (isNotFound(err)) return;
      const hint =
        restErrorOf(err).status === 403 ? " (a vault with purge protection refuses purges; set keyVault.purgeOnDelete to false)" : "";
      throw new Error(`Key Vault ${where}: purge after delete failed: ${describe(err)}${hint}`);
    }
  }

  private async importInto(inputs: KeyVaultCertificateInputs): Promise<KeyVaultCertificateOutputs> {
    const { certificates } = keyVaultClients(inputs.vaultUrl, this.access);
    let imported;
    try {
      // 4.10.x serializes `certificatePolicy`, not the documented `policy` (which only picks the
      // byte encoding): without it the service takes the PEM for a PFX and refuses it.
      const options = {
        policy: { contentType: PEM_CONTENT_TYPE },
        certificatePolicy: { secretProperties: { contentType: PEM_CONTENT_TYPE } },
        tags: inputs.tags,
      };
      imported = await certificates.importCertificate(inputs.certificateName, Buffer.from(inputs.pem, "utf8"), options);
    } catch (err) {
      // Never the PEM: only the service's own words.
      throw new Error(`Key Vault certificate "${inputs.certificateName}" in ${inputs.vaultUrl}: import failed: ${describe(err)}`);
    }
    const thumbprint = imported.properties.x509Thumbprint
      ? Buffer.from(imported.properties.x509Thumbprint).toString("hex").toUpperCase()
      : "";
    if (thumbprint !== inputs.thumbprint) {
      throw new Error(
        `Key Vault certificate "${inputs.certificateName}": the vault holds thumbprint ${thumbprint || "(none)"} after the import, not ${inputs.thumbprint}`,
      );
    }
    return {
      vaultUrl: inputs.vaultUrl,
      certificateName: inputs.certificateName,
      thumbprint,
      tags: inputs.tags,
      purgeOnDelete: inputs.purgeOnDelete,
      certificateId: imported.properties.id ?? imported.id ?? "",
      version: imported.properties.version ?? "",
    };
  }
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): KeyVaultCertificateProvider => new KeyVaultCertificateProvider();

function describe(err: unknown): string {
  const { status, code, message } = restErrorOf(err);
  return `${status ? `HTTP ${status} ` : ""}${code ? `${code}: ` : ""}${message}`;
}

function sameTags(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const left = Object.entries(a ?? {}).sort();
  const right = Object.entries(b ?? {}).sort();
  return JSON.stringify(left) === JSON.stringify(right);
}
