// The device's edge CA certificate (CA:TRUE, pathlen:0, keyCertSign), signed by the fleet CA or a
// Key Vault CA. A dynamic provider because @pulumi/tls cannot write pathlen:0 (see issue.ts); it
// keeps the certificate in state, renews it inside the renewal window, and re-signs when its key,
// name or issuer changes.
import * as pulumi from "@pulumi/pulumi";
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

/** True once `now` is inside the renewal window before `validityEndTime`. Pure. */
export function dueForRenewal(validityEndTime: string, renewBeforeHours: number, now: Date): boolean {
  return new Date(validityEndTime).getTime() - renewBeforeHours * 3_600_000 <= now.getTime();
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

export interface EdgeCaCertificateArgs {
  readonly commonName: pulumi.Input<string>;
  readonly publicKeyPem: pulumi.Input<string>;
  readonly issuerCertPem: pulumi.Input<string>;
  readonly issuerKeyPem: pulumi.Input<string>;
  readonly validityHours: pulumi.Input<number>;
  readonly renewBeforeHours: pulumi.Input<number>;
}

/**
 * One provider for every edge CA resource: pulumi.dynamic.Resource serializes a provider object
 * once and reuses the text, so a shared instance is serialized once per program run, not per device.
 */
const PROVIDER = new EdgeCaCertificateProvider();

export class EdgeCaCertificate extends pulumi.dynamic.Resource {
  declare readonly certPem: pulumi.Output<string>;
  declare readonly validityEndTime: pulumi.Output<string>;

  constructor(
    name: string,
    args: EdgeCaCertificateArgs,
    opts?: pulumi.CustomResourceOptions,
    provider: EdgeCaCertificateProvider = PROVIDER,
  ) {
    super(
      provider,
      name,
      { ...args, issuerKeyPem: pulumi.secret(args.issuerKeyPem), certPem: undefined, validityEndTime: undefined },
      opts,
      "certificates",
      "EdgeCaCertificate",
    );
  }
}
