// The device's edge CA certificate (CA:TRUE, pathlen:0, keyCertSign), signed by the fleet CA or a
// Key Vault CA. A dynamic provider because @pulumi/tls cannot write pathlen:0 (see issue.ts); it
// keeps the certificate in state, renews it inside the renewal window, and re-signs when its key,
// name or issuer changes.
import * as pulumi from "@pulumi/pulumi";
import { PackagedResource, packagedProvider } from "../dynamicProviders/packagedResource";

export interface EdgeCaCertificateArgs {
  readonly commonName: pulumi.Input<string>;
  readonly publicKeyPem: pulumi.Input<string>;
  readonly issuerCertPem: pulumi.Input<string>;
  readonly issuerKeyPem: pulumi.Input<string>;
  readonly validityHours: pulumi.Input<number>;
  readonly renewBeforeHours: pulumi.Input<number>;
}

/** Its code comes from the provider package (edgeCaCertificate.provider.ts, packagedResource.ts). */
const PROVIDER = packagedProvider({
  module: "certificates",
  type: "EdgeCaCertificate",
});

export class EdgeCaCertificate extends PackagedResource {
  declare readonly certPem: pulumi.Output<string>;
  declare readonly validityEndTime: pulumi.Output<string>;

  constructor(name: string, args: EdgeCaCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      { ...args, issuerKeyPem: pulumi.secret(args.issuerKeyPem), certPem: undefined, validityEndTime: undefined },
      opts,
    );
  }
}
