// Dynamic provider of the device's edge CA certificate: issues it (pathlen:0, keyCertSign), keeps it
// in state, renews it inside the renewal window, and re-signs when its key, name or issuer changes.
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { dueForRenewal } from "./edgeCaCertificate.rules";
import { issueCaCertificate } from "./issue";
import { parseCertificate } from "./x509";

export interface EdgeCaCertificateInputs {
  readonly commonName: string;
  readonly publicKeyPem: string;
  readonly issuerCertPem: string;
  /** Secret input; never in the outputs. */
  readonly issuerKeyPem: string;
  readonly validityHours: number;
  readonly renewBeforeHours: number;
}

/**
 * The key and the issuer's certificate by their SHA-256 only (what diff compares; the inputs hold
 * the PEMs). Outputs written before 2026-11-30 hold the PEMs themselves (StoredOutputs).
 */
export interface EdgeCaCertificateOutputs {
  readonly commonName: string;
  readonly publicKeyHash: string;
  readonly issuerCertHash: string;
  readonly validityHours: number;
  readonly renewBeforeHours: number;
  readonly certPem: string;
  /** RFC 3339. */
  readonly validityEndTime: string;
}

/** Outputs as the state may hold them: before 2026-11-30, the PEMs instead of their hashes. */
type StoredOutputs = Omit<EdgeCaCertificateOutputs, "publicKeyHash" | "issuerCertHash"> &
  Partial<Pick<EdgeCaCertificateOutputs, "publicKeyHash" | "issuerCertHash">> & {
    readonly publicKeyPem?: string;
    readonly issuerCertPem?: string;
  };

export class EdgeCaCertificateProvider implements pulumi.dynamic.ResourceProvider {
  /** `now` is a seam for tests of renewal; the engine uses the clock. */
  constructor(private readonly now: () => Date = () => new Date()) {}

  async create(inputs: EdgeCaCertificateInputs): Promise<pulumi.dynamic.CreateResult> {
    const certPem = await issueCaCertificate({ ...inputs, now: this.now(), pathLength: 0 });
    const outs: EdgeCaCertificateOutputs = {
      commonName: inputs.commonName,
      publicKeyHash: sha256(inputs.publicKeyPem),
      issuerCertHash: sha256(inputs.issuerCertPem),
      validityHours: inputs.validityHours,
      renewBeforeHours: inputs.renewBeforeHours,
      certPem,
      validityEndTime: parseCertificate(certPem).notAfter.toISOString(),
    };
    return { id: parseCertificate(certPem).serialNumber.toString(), outs };
  }

  async diff(_id: string, olds: StoredOutputs, news: EdgeCaCertificateInputs): Promise<pulumi.dynamic.DiffResult> {
    const was = outputsOf(olds);
    const differs = {
      commonName: was.commonName !== news.commonName,
      publicKeyPem: was.publicKeyHash !== sha256(news.publicKeyPem),
      issuerCertPem: was.issuerCertHash !== sha256(news.issuerCertPem),
      validityHours: was.validityHours !== news.validityHours,
    };
    const replaces: string[] = Object.entries(differs).flatMap(([k, changed]) => (changed ? [k] : []));
    if (dueForRenewal(was.validityEndTime, news.renewBeforeHours, this.now())) replaces.push("validityEndTime");
    const changes = replaces.length > 0 || was.renewBeforeHours !== news.renewBeforeHours;
    return { changes, replaces, deleteBeforeReplace: false };
  }

  /** Only the renewal window can change in place. */
  async update(_id: string, olds: StoredOutputs, news: EdgeCaCertificateInputs): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: { ...outputsOf(olds), renewBeforeHours: news.renewBeforeHours } };
  }
}

/** Field by field, in the current shape: an older stack's PEMs become their hashes. */
function outputsOf(olds: StoredOutputs): EdgeCaCertificateOutputs {
  return {
    commonName: olds.commonName,
    publicKeyHash: olds.publicKeyHash ?? sha256(olds.publicKeyPem ?? ""),
    issuerCertHash: olds.issuerCertHash ?? sha256(olds.issuerCertPem ?? ""),
    validityHours: olds.validityHours,
    renewBeforeHours: olds.renewBeforeHours,
    certPem: olds.certPem,
    validityEndTime: olds.validityEndTime,
  };
}

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): EdgeCaCertificateProvider => new EdgeCaCertificateProvider();
