// The hub access as resource arguments (Pulumi inputs), shared by IotHubDevice, EdgeDeployment and
// EdgeReadiness. FleetHub (components/fleet/fleetHub.ts) gives the host name and the connection string.
import * as pulumi from "@pulumi/pulumi";
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
