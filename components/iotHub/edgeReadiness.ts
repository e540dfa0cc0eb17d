// EdgeReadiness: a resource whose creation waits until the device runs its deployment.
import * as pulumi from "@pulumi/pulumi";
import { type HubAccessArgs, hubAccessInputs } from "./hubAccessArgs";
import { PackagedResource, packagedProvider } from "../dynamicProviders/packagedResource";

export interface EdgeReadinessArgs {
  readonly hub: HubAccessArgs;
  readonly deviceId: pulumi.Input<string>;
  /** EdgeDeployment.desiredVersion: a new deployment makes the gate wait again. */
  readonly desiredVersion: pulumi.Input<number>;
  /** iotHub.readinessTimeoutSeconds. */
  readonly timeoutSeconds: pulumi.Input<number>;
  readonly pollIntervalSeconds?: pulumi.Input<number>;
  /** provisioning.mode dps: wait for DPS to register the device first (EdgeReadinessInputs.awaitRegistration). */
  readonly awaitRegistration?: boolean;
}

/** Shared by every resource of this type; its code comes from the provider package (see iotHubDevice.ts). */
const PROVIDER = packagedProvider({
  module: "iotHub",
  type: "EdgeReadiness",
});

export class EdgeReadiness extends PackagedResource {
  declare readonly deviceId: pulumi.Output<string>;
  declare readonly agentStatusCode: pulumi.Output<number>;
  declare readonly modules: pulumi.Output<Record<string, string>>;
  declare readonly readyAfterSeconds: pulumi.Output<number>;

  constructor(name: string, args: EdgeReadinessArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      {
        ...hubAccessInputs(args.hub),
        deviceId: args.deviceId,
        desiredVersion: args.desiredVersion,
        timeoutSeconds: args.timeoutSeconds,
        pollIntervalSeconds: args.pollIntervalSeconds,
        awaitRegistration: args.awaitRegistration,
        agentStatusCode: undefined,
        modules: undefined,
        readyAfterSeconds: undefined,
      },
      opts,
    );
  }
}
