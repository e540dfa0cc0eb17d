// The pure parts of `npm run test:azure`: whether it can run, the one-VM stack it writes, and what
// counts as left behind after `pulumi destroy`. scripts/azure/live-check.ts runs them for real.
import * as YAML from "yaml";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Why the live check cannot run here, or undefined when it can: it needs a subscription and a way
 * to log in (a service principal or OIDC federation in CI, or an `az login` session).
 */
export function skipReason(env: Env, azLoggedIn: () => boolean): string | undefined {
  const subscription = env.AZURE_SUBSCRIPTION_ID ?? env.ARM_SUBSCRIPTION_ID;
  if (!subscription)
    return "no Azure subscription: set AZURE_SUBSCRIPTION_ID (and log in with `az login`, or AZURE_CLIENT_ID with a secret or OIDC)";
  const servicePrincipal =
    Boolean(env.AZURE_CLIENT_ID ?? env.ARM_CLIENT_ID) &&
    Boolean(env.AZURE_CLIENT_SECRET ?? env.ARM_CLIENT_SECRET ?? env.AZURE_FEDERATED_TOKEN_FILE ?? env.ACTIONS_ID_TOKEN_REQUEST_URL);
  if (!servicePrincipal && !azLoggedIn())
    return `no Azure credentials for subscription ${subscription}: run \`az login\`, or set AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or OIDC`;
  return undefined;
}

export interface LiveStackOptions {
  /** Short, unique per run: names the resource group, the hub and the device. */
  readonly suffix: string;
  readonly location: string;
  /** Where `pulumi up` runs from (CIDR or address): the VM's SSH rule. */
  readonly sshFrom: string;
  /** An existing vault whose certificates the stack writes (then soft-deletes on destroy); optional. */
  readonly keyVault?: string;
}

export interface LiveStackNames {
  readonly resourceGroup: string;
  readonly hub: string;
  readonly deviceId: string;
}

export function liveStackNames(suffix: string): LiveStackNames {
  if (!/^[a-z0-9]{3,12}$/.test(suffix))
    throw new Error(`the live check's suffix must be 3-12 lower-case letters or digits, not "${suffix}"`);
  return { resourceGroup: `rg-edge-live-${suffix}`, hub: `edge-live-${suffix}`, deviceId: `live-${suffix}-01` };
}

/** Pulumi.<stack>.yaml of the live check: one Azure VM, a hub the stack creates (Entra ID), generated certificates. */
export function liveStackYaml(o: LiveStackOptions): string {
  const names = liveStackNames(o.suffix);
  return YAML.stringify({
    config: {
      "edge:location": o.location,
      "edge:resourceGroup": { name: names.resourceGroup, create: true },
      "edge:iotHub": { name: names.hub, create: true, auth: "entraId", sku: "S1", readinessTimeoutSeconds: 900 },
      ...(o.keyVault ? { "edge:keyVault": { name: o.keyVault, purgeOnDelete: false } } : {}),
      "edge:defaults": { deploymentManifest: "manifests/simulated-temperature.json" },
      "edge:devices": [{ id: names.deviceId, host: { type: "azureVm", sshSourceRanges: [o.sshFrom] } }],
    },
  });
}

/** What the leftover check asks Azure (fakes in tests; `az` and the Key Vault client for real). */
export interface AzureProbe {
  resourceGroupExists(name: string): Promise<boolean>;
  iotHubExists(name: string): Promise<boolean>;
  /** "live", "deleted" (soft-deleted, recoverable) or "absent". */
  vaultCertificateState(vault: string, name: string): Promise<"live" | "deleted" | "absent">;
}

/** Everything the destroyed stack left behind, one line each; empty when nothing is. */
export async function leftovers(
  probe: AzureProbe,
  names: LiveStackNames,
  vault?: { name: string; certificates: readonly string[] },
): Promise<string[]> {
  const found: string[] = [];
  if (await probe.resourceGroupExists(names.resourceGroup)) found.push(`resource group ${names.resourceGroup} still exists`);
  if (await probe.iotHubExists(names.hub)) found.push(`IoT Hub ${names.hub} still exists`);
  for (const certificate of vault?.certificates ?? []) {
    const state = await probe.vaultCertificateState(vault!.name, certificate);
    // Destroy soft-deletes what the stack imported (purgeOnDelete false): recoverable, not live.
    if (state !== "deleted") found.push(`Key Vault ${vault!.name} certificate ${certificate} is ${state}, not soft-deleted`);
  }
  return found;
}
