// The two thumbprint slots of a self-signed (thumbprint) hub identity, held in state between runs
// (the rules of how a renewed certificate moves through them: thumbprintSlots.rules.ts).
import * as pulumi from "@pulumi/pulumi";
import { PackagedResource, packagedProvider } from "../dynamicProviders/packagedResource";

export interface ThumbprintSlotsArgs {
  /** Thumbprint of the identity certificate the device gets in this run. */
  readonly current: pulumi.Input<string>;
  /**
   * Whether a staged certificate may become primary in this run. Default true: a certificate
   * staged in one run was copied to the device by that run's bootstrap.
   */
  readonly promote?: pulumi.Input<boolean>;
}

/** Its code comes from the provider package (thumbprintSlots.provider.ts, packagedResource.ts). */
const PROVIDER = packagedProvider({
  module: "certificates",
  type: "ThumbprintSlots",
});

/** Holds the slots in state between runs; outputs `primary` and `secondary` for the hub identity. */
export class ThumbprintSlots extends PackagedResource {
  declare readonly primary: pulumi.Output<string>;
  declare readonly secondary: pulumi.Output<string>;

  constructor(name: string, args: ThumbprintSlotsArgs, opts?: pulumi.CustomResourceOptions) {
    super(PROVIDER, name, { current: args.current, promote: args.promote ?? true, primary: undefined, secondary: undefined }, opts);
  }
}
