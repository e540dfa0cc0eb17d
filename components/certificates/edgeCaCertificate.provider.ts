// Dynamic provider of the device's edge CA certificate: issues it (pathlen:0, keyCertSign), keeps it
// in state, renews it inside the renewal window, and re-signs when its key, name or issuer changes.
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

export interface EdgeCaCertificateOutputs {
  readonly commonName: string;
  readonly publicKeyPem: string;
  readonly issuerCertPem: string;
  readonly validityHours: number;
  readonly renewBeforeHours: number;
  readonly certPem: string;
  /** RFC 3339. */
  readonly validityEndTime: string;
}

export class EdgeCaCertificateProvider implements pulumi.dynamic.ResourceProvider {
  /** `now` is a seam for tests of renewal; the engine uses the clock. */
  constructor(private readonly now: () => Date = () => new Date()) {}

  async create(inputs: EdgeCaCertificateInputs): Promise<pulumi.dynamic.CreateResult> {
    const certPem = await issueCaCertificate({ ...inputs, now: this.now(), pathLength: 0 });
    const outs: EdgeCaCertificateOutputs = {
      commonName: inputs.commonName,
      publicKeyPem: inputs.publicKeyPem,
      issuerCertPem: inputs.issuerCertPem,
      validityHours: inputs.validityHours,
      renewBeforeHours: inputs.renewBeforeHours,
      certPem,
      validityEndTime: parseCertificate(certPem).notAfter.toISOString(),
    };
    return { id: parseCertificate(certPem).serialNumber.toString(), outs };
  }

  async diff(_id: string, olds: EdgeCaCertificateOutputs, news: EdgeCaCertificateInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces: string[] = (["commonName", "publicKeyPem", "issuerCertPem", "validityHours"] as const).filter(
      (k) => olds[k] !== news[k],
    );
    if (dueForRenewal(olds.validityEndTime, news.renewBeforeHours, this.now())) replaces.push("validityEndTime");
    const changes = replaces.length > 0 || olds.renewBeforeHours !== news.renewBeforeHours;
    return { changes, replaces, deleteBeforeReplace: false };
  }

  /** Only the renewal window can change in place. */
  async update(_id: string, olds: EdgeCaCertificateOutputs, news: EdgeCaCertificateInputs): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: { ...olds, renewBeforeHours: news.renewBeforeHours } };
  }
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): EdgeCaCertificateProvider => new EdgeCaCertificateProvider();
