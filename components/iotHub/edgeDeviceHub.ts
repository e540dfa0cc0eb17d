// One device's presence in IoT Hub: its identity, its deployment and the readiness gate, in the
// order the graph needs. The identity waits on nothing but its thumbprints (so it is created in
// parallel with the host); the deployment waits on the runtime being up (the bootstrap); the gate
// waits on the deployment.
import * as pulumi from "@pulumi/pulumi";
import type { IotHubSettings } from "../config/settings";
import type { RegistryCredential } from "../manifest/registryCredentials";
import { validateManifest } from "../manifest/validateManifest";
import type { IdentityAuthType } from "./deviceIdentity";
import { EdgeDeployment } from "./edgeDeployment";
import { EdgeReadiness } from "./edgeReadinessGate";
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

export interface EdgeDeviceHubArgs {
  readonly deviceId: string;
  readonly fleetHub: FleetHubContext;
  readonly authentication: HubAuthentication;
  /** The device's deployment manifest, parsed (DeviceSettings.manifest). */
  readonly manifest: Record<string, unknown>;
  /** What must be done before the deployment is sent: the bootstrap's last step. */
  readonly runtimeReady?: pulumi.Input<pulumi.Resource>[];
  /** false: no readiness gate (a decommissioned device never reports). Default true. */
  readonly readinessGate?: boolean;
}

export class EdgeDeviceHub extends pulumi.ComponentResource {
  readonly identity: IotHubDevice;
  readonly deployment: EdgeDeployment;
  readonly readiness?: EdgeReadiness;
  /** runtimeStatus by module when the device passed the gate. */
  readonly modules: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: EdgeDeviceHubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:iotHub:EdgeDeviceHub", name, {}, opts);
    // The program's settings check (validateFleet) has refused a bad manifest already; this guards other callers.
    const problems = validateManifest(args.manifest);
    if (problems.length > 0) {
      throw new Error(`device "${args.deviceId}": the deployment manifest is invalid:\n  - ${problems.join("\n  - ")}`);
    }
    const { type, primaryThumbprint, secondaryThumbprint } = args.authentication;
    const { access, settings, registries, identityDependsOn, accessGrant } = args.fleetHub;
    if (type === "selfSigned" && primaryThumbprint === undefined) {
      throw new Error(`device "${args.deviceId}": selfSigned authentication needs the identity certificate's thumbprint`);
    }

    this.identity = new IotHubDevice(
      `${name}-identity`,
      {
        hub: access,
        deviceId: args.deviceId,
        authType: type,
        primaryThumbprint: type === "selfSigned" ? primaryThumbprint : undefined,
        secondaryThumbprint: type === "selfSigned" ? secondaryThumbprint : undefined,
        adoptExisting: settings.adoptExistingIdentities,
        accessGrant,
      },
      { parent: this, dependsOn: identityDependsOn ?? [] },
    );

    this.deployment = new EdgeDeployment(
      `${name}-deployment`,
      {
        hub: access,
        deviceId: this.identity.deviceId,
        manifest: args.manifest,
        registryCredentials: registries.length > 0 ? [...registries] : undefined,
        identityGenerationId: this.identity.generationId,
      },
      { parent: this, dependsOn: [this.identity, ...(args.runtimeReady ?? [])] },
    );

    if (args.readinessGate === false) {
      this.modules = pulumi.output({} as Record<string, string>);
      this.registerOutputs({ modules: this.modules });
      return;
    }
    this.readiness = new EdgeReadiness(
      `${name}-ready`,
      {
        hub: access,
        deviceId: this.identity.deviceId,
        desiredVersion: this.deployment.desiredVersion,
        timeoutSeconds: settings.readinessTimeoutSeconds,
      },
      { parent: this, dependsOn: [this.deployment] },
    );

    this.modules = this.readiness.modules;
    this.registerOutputs({ modules: this.modules });
  }
}
