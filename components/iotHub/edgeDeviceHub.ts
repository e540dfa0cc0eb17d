// One device in IoT Hub, in the order the device's graph needs: its identity (edgeDeviceIdentity),
// which waits only on its thumbprints and so is made in parallel with the host, before the
// bootstrap; then, once the bootstrap has the runtime up, the deployment and the readiness gate
// that waits for it (EdgeDeviceHub).
import * as pulumi from "@pulumi/pulumi";
import type { IotHubSettings } from "../config/settings";
import type { RegistryCredential } from "../manifest/registryCredentials";
import { validateManifest } from "../manifest/validateManifest";
import type { IdentityAuthType } from "./iotHubDevice.rules";
import { EdgeDeployment } from "./edgeDeployment";
import { EdgeReadiness } from "./edgeReadiness";
import type { HubAccessArgs } from "./hubAccessArgs";
import { IotHubDevice } from "./iotHubDevice";
import type { AccessGrant } from "./accessGrant";

/** The identity's X.509 authentication: DeviceCertificates.hubAuthentication(). */
export interface HubAuthentication {
  readonly type: IdentityAuthType;
  /** selfSigned only: the identity certificate's thumbprints (current and next, for rotation). */
  readonly primaryThumbprint?: pulumi.Input<string>;
  readonly secondaryThumbprint?: pulumi.Input<string>;
}

/** What every device shares about the fleet's hub. */
export interface FleetHubContext {
  readonly access: HubAccessArgs;
  readonly settings: Pick<IotHubSettings, "adoptExistingIdentities" | "readinessTimeoutSeconds">;
  /** The stack's container registries: their credentials go with every deployment, as secrets. */
  readonly registries: readonly RegistryCredential[];
  /** What must exist on the hub before any identity: the verified CA certificates, the data-plane role. */
  readonly identityDependsOn?: pulumi.Input<pulumi.Resource>[];
  /** The data-plane role the stack granted on a hub it creates (Entra ID), which identities wait for. */
  readonly accessGrant?: pulumi.Input<AccessGrant>;
}

/** The fleet's hub as EdgeFleet has it: FleetHub's host name and connection string, and the settings. */
export function fleetHubContext(
  hub: { readonly hostName: pulumi.Input<string>; readonly connectionString?: pulumi.Input<string> },
  settings: { readonly iotHub: IotHubSettings; readonly registries?: readonly RegistryCredential[] },
): FleetHubContext {
  return {
    access: { hostName: hub.hostName, auth: settings.iotHub.auth, connectionString: hub.connectionString },
    settings: settings.iotHub,
    registries: settings.registries ?? [],
  };
}

/** What a device's hub identity is made from. */
export interface EdgeDeviceIdentityArgs {
  readonly deviceId: string;
  readonly fleetHub: FleetHubContext;
  readonly authentication: HubAuthentication;
}

/**
 * The device's identity in IoT Hub (edge-enabled, X.509 by thumbprints or by CA), made after what
 * the hub needs first (FleetHubContext.identityDependsOn) and nothing else.
 */
export function edgeDeviceIdentity(name: string, args: EdgeDeviceIdentityArgs, opts: pulumi.CustomResourceOptions = {}): IotHubDevice {
  const { type, primaryThumbprint, secondaryThumbprint } = args.authentication;
  const { access, settings, identityDependsOn, accessGrant } = args.fleetHub;
  if (type === "selfSigned" && primaryThumbprint === undefined) {
    throw new Error(`device "${args.deviceId}": selfSigned authentication needs the identity certificate's thumbprint`);
  }
  return new IotHubDevice(
    name,
    {
      hub: access,
      deviceId: args.deviceId,
      authType: type,
      primaryThumbprint: type === "selfSigned" ? primaryThumbprint : undefined,
      secondaryThumbprint: type === "selfSigned" ? secondaryThumbprint : undefined,
      adoptExisting: settings.adoptExistingIdentities,
      accessGrant,
    },
    pulumi.mergeOptions(opts, { dependsOn: identityDependsOn ?? [] }),
  );
}

/** Throws, naming the device, when its deployment manifest is invalid. */
export function assertValidManifest(deviceId: string, manifest: Record<string, unknown>): void {
  const problems = validateManifest(manifest);
  if (problems.length > 0) {
    throw new Error(`device "${deviceId}": the deployment manifest is invalid:\n  - ${problems.join("\n  - ")}`);
  }
}

export interface EdgeDeviceHubArgs {
  readonly deviceId: string;
  /** The device's identity (edgeDeviceIdentity): the deployment goes to it, and again when it is re-created. */
  readonly identity: IotHubDevice;
  readonly fleetHub: FleetHubContext;
  /** The device's deployment manifest, parsed (DeviceSettings.manifest). */
  readonly manifest: Record<string, unknown>;
  /**
   * The bootstrap's last step (DeviceBootstrap.ready): the deployment is sent once the runtime is up.
   * Absent for a decommissioned device, which gets no bootstrap steps and no readiness gate.
   */
  readonly runtimeReady?: pulumi.Resource;
}

/**
 * The device's deployment and the readiness gate on it. The deployment waits for the identity and
 * the running runtime; the gate for the deployment.
 */
export class EdgeDeviceHub extends pulumi.ComponentResource {
  readonly deployment: EdgeDeployment;
  /** Absent for a decommissioned device (it never reports). */
  readonly readiness?: EdgeReadiness;
  /** runtimeStatus by module when the device passed the gate. */
  readonly modules: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: EdgeDeviceHubArgs, opts?: pulumi.ComponentResourceOptions) {
    // The type token is older than this split (the component held the identity too); it stays, as
    // it is part of the URNs of the deployment and the gate in every existing stack.
    super("edge:iotHub:EdgeDeviceHub", name, {}, opts);
    assertValidManifest(args.deviceId, args.manifest);
    const { access, settings, registries } = args.fleetHub;
    const { identity } = args;

    // The device id as given, not the identity's output of it (the same text): each input taken
    // from another resource's output costs that resource's URN in the state's property dependencies.
    this.deployment = new EdgeDeployment(
      `${name}-deployment`,
      {
        hub: access,
        deviceId: args.deviceId,
        manifest: args.manifest,
        registryCredentials: registries.length > 0 ? [...registries] : undefined,
        identityGenerationId: identity.generationId,
      },
      { parent: this, dependsOn: [identity, ...(args.runtimeReady ? [args.runtimeReady] : [])] },
    );

    if (args.runtimeReady === undefined) {
      this.modules = pulumi.output({} as Record<string, string>);
      this.registerOutputs({ modules: this.modules });
      return;
    }

    this.readiness = new EdgeReadiness(
      `${name}-ready`,
      {
        hub: access,
        deviceId: args.deviceId,
        desiredVersion: this.deployment.desiredVersion,
        timeoutSeconds: settings.readinessTimeoutSeconds,
      },
      { parent: this, dependsOn: [this.deployment] },
    );

    this.modules = this.readiness.modules;
    this.registerOutputs({ modules: this.modules });
  }
}
