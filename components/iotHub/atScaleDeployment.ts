// AtScaleDeployment: an IoT Edge at-scale (automatic) deployment on IoT Hub, as a Pulumi resource.
// One resource for the whole fleet: the hub applies its content to every edge device whose twin tags
// match the target condition (atScaleDeployment.provider.ts).
import * as pulumi from "@pulumi/pulumi";
import type { RegistryCredential } from "../manifest/registryCredentials";
import { type HubAccessArgs, hubAccessInputs } from "./hubAccessArgs";
import { PackagedResource, packagedProvider } from "../dynamicProviders/packagedResource";

export interface AtScaleDeploymentArgs {
  readonly hub: HubAccessArgs;
  /** The deployment's id on the hub: lower case, at most 128 characters (atScaleDeployment.rules.ts). */
  readonly deploymentId: pulumi.Input<string>;
  /** The manifest file's parsed content, as EdgeDeployment takes it. A change replaces the deployment. */
  readonly content: pulumi.Input<Record<string, unknown>>;
  /** The stack's container registries; their credentials are sent as secrets, never written to the manifest file. */
  readonly registryCredentials?: pulumi.Input<pulumi.Input<RegistryCredential>[]>;
  /** Which devices get it, by twin tags: see targetConditionForTags. */
  readonly targetCondition: pulumi.Input<string>;
  /** The higher wins where deployments overlap; equal priorities: the most recently created wins. */
  readonly priority: pulumi.Input<number>;
  readonly labels?: pulumi.Input<Record<string, string>>;
  /** Custom metrics, name → query (at most 5). */
  readonly metrics?: pulumi.Input<Record<string, string>>;
}

/** Shared by every resource of this type; its code comes from the provider package (see iotHubDevice.ts). */
const PROVIDER = packagedProvider({
  module: "iotHub",
  type: "AtScaleDeployment",
});

export class AtScaleDeployment extends PackagedResource {
  declare readonly deploymentId: pulumi.Output<string>;
  declare readonly hubHostName: pulumi.Output<string>;
  declare readonly targetCondition: pulumi.Output<string>;
  declare readonly priority: pulumi.Output<number>;
  declare readonly contentHash: pulumi.Output<string>;
  /** The hub's etag of the deployment: it changes with every update and replacement. */
  declare readonly etag: pulumi.Output<string>;
  declare readonly createdTimeUtc: pulumi.Output<string>;

  constructor(name: string, args: AtScaleDeploymentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      {
        ...hubAccessInputs(args.hub),
        deploymentId: args.deploymentId,
        content: args.content,
        registryCredentials: args.registryCredentials === undefined ? undefined : pulumi.secret(args.registryCredentials),
        targetCondition: args.targetCondition,
        priority: args.priority,
        labels: args.labels,
        metrics: args.metrics,
        contentHash: undefined,
        etag: undefined,
        createdTimeUtc: undefined,
      },
      // The connection string stays in state only so destroy can reach the hub: encrypted, as are the credentials.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connectionString", "registryCredentials"] }),
    );
  }
}
