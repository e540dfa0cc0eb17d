// Dynamic provider of the at-scale deployment gate: create (and update, when the deployment or the
// expected count changed) waits until the hub counts the deployment as applied to, and reporting
// success on, the expected number of devices; it fails with the hub's counts when devices keep
// reporting failure, or when the time is up.
import type * as pulumi from "@pulumi/pulumi";
import type { Registry } from "azure-iothub";
import { type HubAccess, withRegistry } from "./hubAccess";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetryUnlessNotFound } from "./retry";
import { sameHost } from "./providerInputs";
import { type DeploymentMetrics, deploymentMetricsOf, describeMetrics, rolloutOf } from "./atScaleDeployment.rules";

export interface AtScaleDeploymentGateInputs extends HubAccess {
  readonly deploymentId: string;
  /** The deployment's etag: a new one makes the gate wait again. */
  readonly deploymentEtag: string;
  /**
   * The deployment's content hash: new content replaces the deployment under the same id, and the
   * hub starts the new one's etag again at "MQ==", so the etag alone would not make the gate wait.
   */
  readonly deploymentContentHash: string;
  readonly expectedDeviceCount: number;
  readonly timeoutSeconds: number;
  /** Time between two looks at the hub. Default DEFAULT_GATE_POLL_SECONDS. */
  readonly pollIntervalSeconds?: number;
  /** How long a failure count may last before the gate gives up. Default DEFAULT_FAILURE_GRACE_SECONDS. */
  readonly failureGraceSeconds?: number;
}

export interface AtScaleDeploymentGateOutputs {
  readonly deploymentId: string;
  readonly hubHostName: string;
  readonly deploymentEtag: string;
  readonly deploymentContentHash: string;
  readonly expectedDeviceCount: number;
  /** The hub's counts when the gate passed. */
  readonly metrics: DeploymentMetrics;
  readonly readyAfterSeconds: number;
}

/** The hub recomputes a deployment's metrics every five minutes (iot-hub-automatic-device-management.md); a look every 10 s is plenty. */
export const DEFAULT_GATE_POLL_SECONDS = 10;
/** An edge agent reports 500 while it still pulls an image (reported_states_during_deployment.md): give failures this long to clear. */
export const DEFAULT_FAILURE_GRACE_SECONDS = 120;

/** The counts the hub shows for a deployment now; undefined when it has none yet or the deployment is not there (yet). */
export async function readDeploymentMetrics(
  registry: Registry,
  deploymentId: string,
  where: string,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<DeploymentMetrics | undefined> {
  // A 404: configurations are eventually consistent, so a deployment just created may not be
  // readable yet (azure-iot-sdk-node e2etests/test/configurations.js waits for it).
  const found = await withRetryUnlessNotFound(
    `reading the metrics of ${where}`,
    async () => (await registry.getConfiguration(deploymentId)).responseBody,
    policy,
  );
  return deploymentMetricsOf(found);
}

export class AtScaleDeploymentGateProvider implements pulumi.dynamic.ResourceProvider<
  AtScaleDeploymentGateInputs,
  AtScaleDeploymentGateOutputs
> {
  /** `onProgress` hears each look's counts (tests). */
  constructor(
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly onProgress?: (line: string) => void,
  ) {}

  async diff(_id: string, olds: AtScaleDeploymentGateOutputs, news: AtScaleDeploymentGateInputs): Promise<pulumi.dynamic.DiffResult> {
    // Nothing is replaced: the gate holds nothing on the hub.
    const changes =
      olds.deploymentId !== news.deploymentId ||
      !sameHost(olds.hubHostName, news.hubHostName) ||
      olds.deploymentEtag !== news.deploymentEtag ||
      olds.deploymentContentHash !== news.deploymentContentHash ||
      olds.expectedDeviceCount !== news.expectedDeviceCount;
    return { changes, replaces: [] };
  }

  async create(inputs: AtScaleDeploymentGateInputs): Promise<pulumi.dynamic.CreateResult<AtScaleDeploymentGateOutputs>> {
    return { id: inputs.deploymentId, outs: await this.waitRolledOut(inputs) };
  }

  async update(
    _id: string,
    _olds: AtScaleDeploymentGateOutputs,
    news: AtScaleDeploymentGateInputs,
  ): Promise<pulumi.dynamic.UpdateResult<AtScaleDeploymentGateOutputs>> {
    return { outs: await this.waitRolledOut(news) };
  }

  async delete(): Promise<void> {}

  private async waitRolledOut(inputs: AtScaleDeploymentGateInputs): Promise<AtScaleDeploymentGateOutputs> {
    const timeoutMs = inputs.timeoutSeconds * 1000;
    const intervalMs = (inputs.pollIntervalSeconds ?? DEFAULT_GATE_POLL_SECONDS) * 1000;
    const graceMs = (inputs.failureGraceSeconds ?? DEFAULT_FAILURE_GRACE_SECONDS) * 1000;
    const where = `IoT Edge deployment '${inputs.deploymentId}' on ${inputs.hubHostName}`;
    const started = Date.now();
    let failingSince: number | undefined;
    return withRegistry(inputs, async (registry) => {
      for (;;) {
        const metrics = await readDeploymentMetrics(registry, inputs.deploymentId, where, this.retryPolicy);
        const rollout = rolloutOf(metrics, inputs.expectedDeviceCount);
        const now = Date.now();
        const elapsed = `${Math.round((now - started) / 1000)} s`;
        this.onProgress?.(`${where}: ${describeMetrics(metrics)} after ${elapsed}`);
        if (rollout.state === "done") {
          return {
            deploymentId: inputs.deploymentId,
            hubHostName: inputs.hubHostName,
            deploymentEtag: inputs.deploymentEtag,
            deploymentContentHash: inputs.deploymentContentHash,
            expectedDeviceCount: inputs.expectedDeviceCount,
            metrics: metrics!,
            readyAfterSeconds: Math.round((now - started) / 100) / 10,
          };
        }
        failingSince = rollout.state === "failing" ? (failingSince ?? now) : undefined;
        if (failingSince !== undefined && now - failingSince >= graceMs) {
          throw new Error(
            `${where} failed: ${rollout.reason}, for ${Math.round((now - failingSince) / 1000)} s. ` +
              `List them with \`az iot hub query --hub-name <hub> -q "select deviceId, properties.reported.lastDesiredStatus from devices.modules where moduleId = '$edgeAgent' and configurations.[[${inputs.deploymentId}]].status = 'Applied'"\`; ` +
              "on a device: `sudo iotedge list`, `sudo iotedge logs <module>`.",
          );
        }
        if (now - started + intervalMs > timeoutMs) {
          throw new Error(
            `${where} did not reach ${inputs.expectedDeviceCount} device(s) within ${inputs.timeoutSeconds} s: ${describeMetrics(metrics)}. ` +
              "Targeted counts the edge devices whose twin tags match the target condition, applied those no higher-priority deployment takes; " +
              "a device missing from both has not registered or lacks the tags.",
          );
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    });
  }
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): AtScaleDeploymentGateProvider => new AtScaleDeploymentGateProvider();
