// A generated device certificate and its key, imported into Key Vault so operators find every
// device credential in one vault. Dynamic provider: Key Vault certificates are data plane and
// @pulumi/azure-native has no resource for them.
import * as pulumi from "@pulumi/pulumi";
import { KeyVaultCertificateProvider } from "./keyVaultCertificate.provider";

export { DEVICE_TAG, STACK_TAG } from "./keyVaultCertificate.rules";

export interface KeyVaultCertificateArgs {
  readonly vaultUrl: pulumi.Input<string>;
  readonly certificateName: pulumi.Input<string>;
  readonly pem: pulumi.Input<string>;
  readonly thumbprint: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, string>>;
  readonly purgeOnDelete: pulumi.Input<boolean>;
}

/** Shared, so pulumi.dynamic.Resource serializes it once per program run (it caches by instance). */
const PROVIDER = new KeyVaultCertificateProvider();

export class KeyVaultCertificate extends pulumi.dynamic.Resource {
  declare readonly certificateId: pulumi.Output<string>;
  declare readonly version: pulumi.Output<string>;
  declare readonly thumbprint: pulumi.Output<string>;

  constructor(
    name: string,
    args: KeyVaultCertificateArgs,
    opts?: pulumi.CustomResourceOptions,
    provider: KeyVaultCertificateProvider = PROVIDER,
  ) {
    super(
      provider,
      name,
      { ...args, pem: pulumi.secret(args.pem), certificateId: undefined, version: undefined },
      opts,
      "certificates",
      "KeyVaultCertificate",
    );
  }
}
