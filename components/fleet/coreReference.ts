// A site stack's read of its fleet-core stack through a StackReference: the plain `fleetCore` output
// is awaited before any resource (the site's settings come from it), the secret `fleetCoreSecrets`
// stays an Output, so what comes from it stays a secret in the site's state.
// The engine decrypts the core's secrets with the core's own secrets provider: the site must be
// able to use it (the same passphrase, or access to the same Key Vault key).
import * as pulumi from "@pulumi/pulumi";
import { FLEET_CORE_OUTPUT, FLEET_CORE_SECRETS_OUTPUT, type FleetCoreSecrets } from "./fleetCore";

export interface CoreReading {
  /** The `fleetCore` output as read, unchecked (siteCoreProblems checks it); undefined when absent or secret. */
  readonly core: unknown;
  readonly secrets: pulumi.Output<FleetCoreSecrets>;
}

export async function readFleetCore(coreStack: string): Promise<CoreReading> {
  const reference = new pulumi.StackReference("fleet-core", { name: coreStack });
  const details = await reference.getOutputDetails(FLEET_CORE_OUTPUT);
  return { core: details.value, secrets: reference.getOutput(FLEET_CORE_SECRETS_OUTPUT) as pulumi.Output<FleetCoreSecrets> };
}
