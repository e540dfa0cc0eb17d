// The device's edge CA certificate (CA:TRUE, pathlen:0, keyCertSign), signed by the fleet CA or a
// Key Vault CA. A dynamic provider because @pulumi/tls cannot write pathlen:0 (see issue.ts); it
// keeps the certificate in state, renews it inside the renewal window, and re-signs when its key,
// name or issuer changes.
import * as pulumi from "@pulumi/pulumi";
import { EdgeCaCertificateProvider } from "./edgeCaCertificate.provider";

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
