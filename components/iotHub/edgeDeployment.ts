// EdgeDeployment: a device's deployment manifest applied through IoT Hub, as a Pulumi resource.
import * as pulumi from "@pulumi/pulumi";
import type { ContainerRegistrySettings } from "../config/settings";
import type { RegistryCredential } from "../manifest/renderManifest";
import { type HubAccessArgs, hubAccessInputs } from "./hubAccessArgs";
import { delegatingProvider } from "../dynamicProviders/delegatingProvider";
import { providerModule } from "../dynamicProviders/providerPackage";

export interface EdgeDeploymentArgs {
  readonly hub: HubAccessArgs;
  readonly deviceId: pulumi.Input<string>;
  /** The manifest file's parsed content (DeviceSettings.manifest). */
  readonly manifest: pulumi.Input<Record<string, unknown>>;
  /** The stack's container registry; its credentials are sent as secrets, never written to the manifest file. */
  readonly registryCredentials?: pulumi.Input<pulumi.Input<RegistryCredential>[]>;
  /** IotHubDevice.generationId: a re-created identity gets the deployment again. */
  readonly identityGenerationId?: pulumi.Input<string>;
}

/** Shared by every resource of this type; its code comes from the provider package (see iotHubDevice.ts). */
const PROVIDER = delegatingProvider(
  providerModule<typeof import("./edgeDeploymentProvider")>("components/iotHub/edgeDeploymentProvider"),
  "EdgeDeploymentProvider",
);

export class EdgeDeployment extends pulumi.dynamic.Resource {
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
      "iotHub",
      "EdgeDeployment",
    );
  }
}

/** The stack's container registry as deployment credentials (none when the stack sets none). */
export function registryCredentialsOf(registry: ContainerRegistrySettings | undefined): RegistryCredential[] | undefined {
  if (!registry) return undefined;
  return [{ address: registry.loginServer, username: registry.username, password: registry.password }];
}
