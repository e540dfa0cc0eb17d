// AtScaleDeploymentGate: a resource whose creation waits until an at-scale deployment has reached
// the fleet, by the hub's own counts (atScaleDeploymentGate.provider.ts).
import * as pulumi from "@pulumi/pulumi";
import { type HubAccessArgs, hubAccessInputs } from "./hubAccessArgs";
import { PackagedResource, packagedProvider } from "../dynamicProviders/packagedResource";

export interface AtScaleDeploymentGateArgs {
  readonly hub: HubAccessArgs;
  readonly deploymentId: pulumi.Input<string>;
  /** AtScaleDeployment.etag: an updated or replaced deployment makes the gate wait again. */
  readonly deploymentEtag: pulumi.Input<string>;
  /** AtScaleDeployment.contentHash: a replaced deployment keeps its id and starts its etag again. */
  readonly deploymentContentHash: pulumi.Input<string>;
  /** How many devices must be applied and reporting success. */
  readonly expectedDeviceCount: pulumi.Input<number>;
  readonly timeoutSeconds: pulumi.Input<number>;
  readonly pollIntervalSeconds?: pulumi.Input<number>;
  /** How long devices may report failure before the gate gives up (image pulls report 500 meanwhile). */
  readonly failureGraceSeconds?: pulumi.Input<number>;
}

/** Shared by every resource of this type; its code comes from the provider package (see iotHubDevice.ts). */
const PROVIDER = packagedProvider({
  module: "iotHub",
  type: "AtScaleDeploymentGate",
});

export class AtScaleDeploymentGate extends PackagedResource {
  declare readonly deploymentId: pulumi.Output<string>;
  /** The hub's counts when the gate passed. */
  declare readonly metrics: pulumi.Output<Record<string, number>>;
  declare readonly readyAfterSeconds: pulumi.Output<number>;

  constructor(name: string, args: AtScaleDeploymentGateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      {
        ...hubAccessInputs(args.hub),
        deploymentId: args.deploymentId,
        deploymentEtag: args.deploymentEtag,
        deploymentContentHash: args.deploymentContentHash,
        expectedDeviceCount: args.expectedDeviceCount,
        timeoutSeconds: args.timeoutSeconds,
        pollIntervalSeconds: args.pollIntervalSeconds,
        failureGraceSeconds: args.failureGraceSeconds,
        metrics: undefined,
        readyAfterSeconds: undefined,
      },
      opts,
    );
  }
}
