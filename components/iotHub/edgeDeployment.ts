// EdgeDeployment: a device's deployment manifest applied through IoT Hub, as a Pulumi resource.
import * as pulumi from "@pulumi/pulumi";
import type { RegistryCredential } from "../manifest/registryCredentials";
import { type HubAccessArgs, hubAccessInputs } from "./hubAccessArgs";
import { PackagedResource, packagedProvider } from "../dynamicProviders/packagedResource";

export interface EdgeDeploymentArgs {
  readonly hub: HubAccessArgs;
  readonly deviceId: pulumi.Input<string>;
  /** The manifest file's parsed content (DeviceSettings.manifest). */
  readonly manifest: pulumi.Input<Record<string, unknown>>;
  /** The stack's container registries; their credentials are sent as secrets, never written to the manifest file. */
  readonly registryCredentials?: pulumi.Input<pulumi.Input<RegistryCredential>[]>;
  /** IotHubDevice.generationId: a re-created identity gets the deployment again. */
  readonly identityGenerationId?: pulumi.Input<string>;
}

/** Shared by every resource of this type; its code comes from the provider package (see iotHubDevice.ts). */
const PROVIDER = packagedProvider({
  module: "iotHub",
  type: "EdgeDeployment",
});

export class EdgeDeployment extends PackagedResource {
  declare readonly deviceId: pulumi.Output<string>;
  declare readonly hubHostName: pulumi.Output<string>;
  declare readonly contentHash: pulumi.Output<string>;
  /** The $edgeAgent desired version this deployment produced. */
  declare readonly desiredVersion: pulumi.Output<number>;

  constructor(name: string, args: EdgeDeploymentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      {
        ...hubAccessInputs(args.hub),
        deviceId: args.deviceId,
        manifest: args.manifest,
        registryCredentials: args.registryCredentials === undefined ? undefined : pulumi.secret(args.registryCredentials),
        identityGenerationId: args.identityGenerationId,
        contentHash: undefined,
        desiredVersion: undefined,
      },
      // The connection string is an input only: the outputs never hold it (delete calls nothing).
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["registryCredentials"] }),
    );
  }
}
