// The hub access as resource arguments (Pulumi inputs), shared by IotHubDevice, EdgeDeployment and
// EdgeReadiness, and how the stack's settings choose it.
import * as pulumi from "@pulumi/pulumi";
import type { IotHubSettings } from "../config/settings";
import type { HubAuth } from "./hubAccess";

export interface HubAccessArgs {
  /** `<hub>.azure-devices.net`. */
  readonly hostName: pulumi.Input<string>;
  readonly auth: HubAuth;
  /** Required for `connectionString`; always stored as a secret. */
  readonly connectionString?: pulumi.Input<string>;
  /** Extra PEM trust anchors for the hub's TLS certificate (a TLS-inspecting proxy, a local stand-in). */
  readonly trustedCaPem?: pulumi.Input<string>;
}

/** The provider input fields for a hub access; the connection string is wrapped as a secret. */
export function hubAccessInputs(hub: HubAccessArgs): Record<string, pulumi.Input<string> | undefined> {
  return {
    hubHostName: hub.hostName,
    hubAuth: hub.auth,
    connectionString: hub.connectionString === undefined ? undefined : pulumi.secret(hub.connectionString),
    trustedCaPem: hub.trustedCaPem,
  };
}

/** Every IoT Hub host name ends so; a stack gives the hub's name. */
export function hubHostNameOf(hubName: string): string {
  return `${hubName}.azure-devices.net`;
}

/**
 * The access the settings ask for. `createdHubConnectionString` is the connection string of the
 * hub the stack creates (iotHub.create: true), used when config sets none.
 */
export function hubAccessFromSettings(settings: IotHubSettings, createdHubConnectionString?: pulumi.Input<string>): HubAccessArgs {
  const hostName = hubHostNameOf(settings.name);
  if (settings.auth === "entraId") return { hostName, auth: "entraId" };
  const connectionString = settings.connectionString ?? createdHubConnectionString;
  if (connectionString === undefined) {
    throw new Error(
      `iotHub.connectionString: iotHub.auth is "connectionString" but no connection string is set and the stack does not create the hub. ` +
        `Set it as a secret (pulumi config set --secret --path iotHub.connectionString "HostName=${hostName};SharedAccessKeyName=…;SharedAccessKey=…"), ` +
        `or set iotHub.auth to "entraId".`,
    );
  }
  return { hostName, auth: "connectionString", connectionString: pulumi.secret(connectionString) };
}
