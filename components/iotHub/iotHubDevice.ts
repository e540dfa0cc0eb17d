// IotHubDevice: the edge device's identity in IoT Hub, as a Pulumi resource.
import * as pulumi from "@pulumi/pulumi";
import type { IdentityAuthType, IdentityStatus } from "./iotHubDevice.rules";
import { type HubAccessArgs, hubAccessInputs } from "./hubAccessArgs";
import type { AccessGrant } from "./accessGrant";
import { PackagedResource, packagedProvider } from "../dynamicProviders/packagedResource";

export interface IotHubDeviceArgs {
  readonly hub: HubAccessArgs;
  readonly deviceId: pulumi.Input<string>;
  /** selfSigned: the hub checks the thumbprints; certificateAuthority: a chain to a CA verified on the hub. */
  readonly authType: pulumi.Input<IdentityAuthType>;
  readonly primaryThumbprint?: pulumi.Input<string>;
  readonly secondaryThumbprint?: pulumi.Input<string>;
  /** Default "enabled". */
  readonly status?: pulumi.Input<IdentityStatus>;
  /** Take over an identity that already exists instead of failing (iotHub.adoptExistingIdentities). Default false. */
  readonly adoptExisting?: pulumi.Input<boolean>;
  /** A data-plane role the stack just granted (a hub it creates, Entra ID): creating waits out 401/403 while it applies. */
  readonly accessGrant?: pulumi.Input<AccessGrant>;
}

/** Its code is required from the provider package, not stored with each resource (packagedResource.ts). */
const PROVIDER = packagedProvider({
  module: "iotHub",
  type: "IotHubDevice",
});

export class IotHubDevice extends PackagedResource {
  declare readonly deviceId: pulumi.Output<string>;
  declare readonly hubHostName: pulumi.Output<string>;
  declare readonly authType: pulumi.Output<IdentityAuthType>;
  declare readonly primaryThumbprint: pulumi.Output<string | undefined>;
  declare readonly secondaryThumbprint: pulumi.Output<string | undefined>;
  declare readonly status: pulumi.Output<IdentityStatus>;
  declare readonly etag: pulumi.Output<string>;
  declare readonly generationId: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: IotHubDeviceArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      {
        ...hubAccessInputs(args.hub),
        deviceId: args.deviceId,
        authType: args.authType,
        primaryThumbprint: args.primaryThumbprint,
        secondaryThumbprint: args.secondaryThumbprint,
        status: args.status ?? "enabled",
        adoptExisting: args.adoptExisting ?? false,
        accessGrant: args.accessGrant,
        etag: undefined,
        generationId: undefined,
        adopted: undefined,
      },
      // The connection string stays in state only so destroy can reach the hub: encrypted.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connectionString"] }),
    );
  }
}
