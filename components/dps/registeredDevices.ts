// RegisteredDevices: the hub devices a DPS enrollment group registers for this stack, as one
// resource for the fleet (its provider is registeredDevices.provider.ts). One per fleet, not one per
// device, because of the order destroy needs: the enrollment group depends on it, so the group is
// deleted first and no device can register again while its hub device is being deleted.
import * as pulumi from "@pulumi/pulumi";
import { PackagedResource, packagedProvider } from "../dynamicProviders/packagedResource";
import { type HubAccessArgs, hubAccessInputs } from "../iotHub/hubAccessArgs";

export interface RegisteredDevicesArgs {
  readonly hub: HubAccessArgs;
  readonly enrollmentGroupId: string;
  /** The stack's registration ids (= device ids in the hub). */
  readonly deviceIds: readonly string[];
}

const PROVIDER = packagedProvider({
  module: "dps",
  type: "RegisteredDevices",
});

export class RegisteredDevices extends PackagedResource {
  declare readonly deviceIds: pulumi.Output<string[]>;

  constructor(name: string, args: RegisteredDevicesArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      { ...hubAccessInputs(args.hub), enrollmentGroupId: args.enrollmentGroupId, deviceIds: [...args.deviceIds] },
      // The connection string stays in state only so destroy can reach the hub: encrypted.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connectionString"] }),
    );
  }
}
