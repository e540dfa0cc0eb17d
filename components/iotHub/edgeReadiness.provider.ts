// Dynamic provider of the readiness gate: create (and update, when the deployment changed) waits
// until the hub shows the device running its current deployment, or fails naming what is not.
import type * as pulumi from "@pulumi/pulumi";
import { type HubAccess, withRegistry } from "./hubAccess";
import { describeReadiness, evaluateReadiness, type Readiness, runtimeNotReachingHub } from "./edgeReadiness.rules";
import { DEFAULT_RETRY_POLICY, HubRequestError, type RetryPolicy, withRetry } from "./retry";
import { sameHost } from "./providerInputs";

export interface EdgeReadinessInputs extends HubAccess {
  readonly deviceId: string;
  /** The deployment's desired version: a new one makes the gate wait again. */
  readonly desiredVersion: number;
  /** How long to wait in all (iotHub.readinessTimeoutSeconds). */
  readonly timeoutSeconds: number;
  /** Time between two looks at the hub. Default DEFAULT_READINESS_POLL_SECONDS. */
  readonly pollIntervalSeconds?: number;
  /**
   * provisioning.mode dps: DPS, not the stack, creates the device in the hub, so the gate first
   * waits (within the same timeout) for it to appear. The at-scale deployment, not this gate,
   * follows the manifest's versions: `desiredVersion` is then a constant and is kept as given.
   */
  readonly awaitRegistration?: boolean;
}

export interface EdgeReadinessOutputs {
  readonly deviceId: string;
  readonly hubHostName: string;
  readonly desiredVersion: number;
  /** `$edgeAgent` lastDesiredStatus.code when the gate passed: 200. */
  readonly agentStatusCode: number;
  /** runtimeStatus by module when the gate passed. */
  readonly modules: Record<string, string>;
  readonly readyAfterSeconds: number;
  readonly awaitRegistration?: boolean;
}

/** A real edge agent takes tens of seconds to pull and start modules; a look every 5 s is plenty. */
export const DEFAULT_READINESS_POLL_SECONDS = 5;

export class EdgeReadinessProvider implements pulumi.dynamic.ResourceProvider<EdgeReadinessInputs, EdgeReadinessOutputs> {
  constructor(private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY) {}

  async diff(_id: string, olds: EdgeReadinessOutputs, news: EdgeReadinessInputs): Promise<pulumi.dynamic.DiffResult> {
    // Nothing is replaced: the gate holds nothing on the hub. Another device, hub or deployment means waiting again.
    const changes =
      olds.deviceId !== news.deviceId ||
      !sameHost(olds.hubHostName, news.hubHostName) ||
      olds.desiredVersion !== news.desiredVersion ||
      Boolean(olds.awaitRegistration) !== Boolean(news.awaitRegistration);
    return { changes, replaces: [] };
  }

  async create(inputs: EdgeReadinessInputs): Promise<pulumi.dynamic.CreateResult<EdgeReadinessOutputs>> {
    return { id: inputs.deviceId, outs: await this.waitReady(inputs) };
  }

  async update(
    _id: string,
    _olds: EdgeReadinessOutputs,
    news: EdgeReadinessInputs,
  ): Promise<pulumi.dynamic.UpdateResult<EdgeReadinessOutputs>> {
    return { outs: await this.waitReady(news) };
  }

  async delete(): Promise<void> {}

  private async waitReady(inputs: EdgeReadinessInputs): Promise<EdgeReadinessOutputs> {
    const timeoutMs = inputs.timeoutSeconds * 1000;
    const intervalMs = (inputs.pollIntervalSeconds ?? DEFAULT_READINESS_POLL_SECONDS) * 1000;
    const started = Date.now();
    const where = `device '${inputs.deviceId}' on ${inputs.hubHostName}`;
    return withRegistry(inputs, async (registry) => {
      if (inputs.awaitRegistration) await this.waitRegistered(registry, inputs, started, timeoutMs, intervalMs);
      for (;;) {
        const agent = await withRetry(
          `reading the $edgeAgent twin of ${where}`,
          () => registry.getModuleTwin(inputs.deviceId, "$edgeAgent"),
          this.retryPolicy,
        );
        // Not the device twin: an edge device's own connectionState stays Disconnected (Azure/iotedge #80, #809).
        const edgeHub = await withRetry(
          `reading the $edgeHub twin of ${where}`,
          () => registry.getModuleTwin(inputs.deviceId, "$edgeHub"),
          this.retryPolicy,
        );
        const readiness: Readiness = evaluateReadiness(agent.value.responseBody, edgeHub.value.responseBody);
        const elapsedMs = Date.now() - started;
        if (readiness.ready) {
          return {
            deviceId: inputs.deviceId,
            hubHostName: inputs.hubHostName,
            desiredVersion: inputs.awaitRegistration ? inputs.desiredVersion : (readiness.desiredVersion ?? inputs.desiredVersion),
            agentStatusCode: readiness.agentCode ?? 200,
            modules: { ...readiness.modules },
            readyAfterSeconds: Math.round(elapsedMs / 100) / 10,
            ...(inputs.awaitRegistration ? { awaitRegistration: true } : {}),
          };
        }
        if (readiness.refused) {
          throw new Error(
            `The edge agent refused the deployment of ${describeReadiness(inputs.deviceId, readiness)} Fix the manifest and run again.`,
          );
        }
        if (elapsedMs + intervalMs > timeoutMs) {
          throw new Error(
            `The deployment did not become ready within ${timeoutMs / 1000} s on ${describeReadiness(inputs.deviceId, readiness)} ` +
              notConnectedHint(readiness) +
              `On the device: \`sudo iotedge list\`, \`sudo iotedge logs <module>\`, \`sudo iotedge check\`.`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    });
  }

  /** Until DPS has registered the device in the hub (404 DeviceNotFound until then), saying so every REGISTRATION_PROGRESS_SECONDS. */
  private async waitRegistered(
    registry: Parameters<Parameters<typeof withRegistry>[1]>[0],
    inputs: EdgeReadinessInputs,
    started: number,
    timeoutMs: number,
    intervalMs: number,
  ): Promise<void> {
    let saidAt = started;
    for (;;) {
      try {
        await withRetry(
          `reading device '${inputs.deviceId}' on ${inputs.hubHostName}`,
          () => registry.get(inputs.deviceId),
          this.retryPolicy,
        );
        return;
      } catch (error) {
        if (!(error instanceof HubRequestError) || error.status !== 404) throw error;
      }
      const elapsedMs = Date.now() - started;
      if (elapsedMs + intervalMs > timeoutMs) {
        throw new Error(
          `Device '${inputs.deviceId}' did not appear in ${inputs.hubHostName} within ${timeoutMs / 1000} s: DPS has not registered it. ` +
            "DPS refuses a device (401) whose certificate CN is not its registration id, whose chain does not end at the enrollment group's CA, " +
            "or whose group is missing or disabled; the runtime also needs the right id_scope and global_endpoint. " +
            "On the device: `sudo iotedge check`, `sudo iotedge system logs -- -n 100` (look for the DPS answer).",
        );
      }
      if (Date.now() - saidAt >= REGISTRATION_PROGRESS_SECONDS * 1000) {
        saidAt = Date.now();
        process.stderr.write(
          `device '${inputs.deviceId}': waiting for DPS to register it in ${inputs.hubHostName} (${Math.round(elapsedMs / 1000)} s of ${timeoutMs / 1000} s)\n`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): EdgeReadinessProvider => new EdgeReadinessProvider();

/** How often the wait for a DPS registration says it is still waiting (stderr, which the engine shows as the provider's output). */
export const REGISTRATION_PROGRESS_SECONDS = 30;

/**
 * The hub's twins cannot show why a runtime never connected. The usual cause after a provisioning
 * run is its certificate: IoT Hub answers 401 (IotHubUnauthorizedAccess) to a thumbprint that is not
 * the registered one, or to a CA-signed certificate whose chain does not end at a CA verified on the hub.
 */
function notConnectedHint(readiness: Readiness): string {
  if (!runtimeNotReachingHub(readiness)) return "";
  return (
    "The edge runtime shows no sign of reaching IoT Hub ($edgeAgent has not answered the current deployment, or reports 406, and the $edgeHub module is not connected). " +
    "IoT Hub refuses with 401 (ErrorCode:IotHubUnauthorizedAccess) a certificate whose thumbprint is not the identity's primary or secondary thumbprint, " +
    "or, for certificateAuthority authentication, one whose chain does not end at a CA certificate registered and verified on the hub: " +
    "compare the device's identity certificate with them. "
  );
}
