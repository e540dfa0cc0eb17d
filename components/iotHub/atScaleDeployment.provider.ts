// Dynamic provider of an IoT Edge at-scale deployment: an IoT Hub configuration (PUT/GET/DELETE
// /configurations/{id}) whose content is the fleet's deployment manifest and whose target condition
// picks devices by twin tags. Create; update in place of what the hub lets change (target condition,
// priority, labels, metrics) with the stored etag; replace on a content change, which the hub refuses
// to update (atScaleDeployment.rules.ts); delete (a missing one is fine); read (`pulumi refresh`).
// Retries 429/5xx like the other hub providers; errors name the deployment and the hub.
import type * as pulumi from "@pulumi/pulumi";
import type { Configuration } from "azure-iothub";
import { validateManifest } from "../manifest/validateManifest";
import { canonicalJson, contentHash, renderManifest } from "../manifest/renderManifest";
import type { RegistryCredential } from "../manifest/registryCredentials";
import { modulesContentOf } from "../manifest/modulesContent";
import { type HubAccess, hubAccessProblems, withRegistry } from "./hubAccess";
import { hubErrorOf } from "./hubErrors";
import { createWithRetry, DEFAULT_RETRY_POLICY, HubRequestError, type RetryPolicy, withRetry, withRetryUnlessNotFound } from "./retry";
import { anyUnknown, sameHost } from "./providerInputs";
import { type DeploymentSettings, deploymentSettingsProblems, UPDATABLE_FIELDS } from "./atScaleDeployment.rules";

export interface AtScaleDeploymentInputs extends HubAccess, DeploymentSettings {
  /** The manifest as written in its file: `modulesContent`, or `{ modulesContent }`. */
  readonly content: Record<string, unknown>;
  /** Secret. Added to $edgeAgent's runtime settings when sending. */
  readonly registryCredentials?: readonly RegistryCredential[];
}

export interface AtScaleDeploymentOutputs extends AtScaleDeploymentInputs {
  /** SHA-256 of the manifest file's content (without credentials); empty when the hub's content drifted. */
  readonly contentHash: string;
  readonly etag: string;
  readonly createdTimeUtc: string;
}

type StoredConfiguration = Configuration & { etag?: string; createdTimeUtc?: string };

/** Input changes that replace the deployment. The content is immutable on the hub. */
export const DEPLOYMENT_REPLACES = ["deploymentId", "hubHostName", "content", "registryCredentials"] as const;

export class AtScaleDeploymentProvider implements pulumi.dynamic.ResourceProvider<AtScaleDeploymentInputs, AtScaleDeploymentOutputs> {
  constructor(private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY) {}

  async check(_olds: AtScaleDeploymentInputs, news: AtScaleDeploymentInputs): Promise<pulumi.dynamic.CheckResult<AtScaleDeploymentInputs>> {
    if (anyUnknown(news)) return { inputs: news };
    const failures = problemsOf(news).map(({ property, reason }) => ({ property, reason }));
    return { inputs: news, failures };
  }

  async diff(_id: string, olds: AtScaleDeploymentOutputs, news: AtScaleDeploymentInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = DEPLOYMENT_REPLACES.filter((k) => {
      if (k === "hubHostName") return !sameHost(olds.hubHostName, news.hubHostName);
      if (k === "content") return olds.contentHash !== contentHash(news.content);
      if (k === "registryCredentials")
        return canonicalJson(olds.registryCredentials ?? []) !== canonicalJson(news.registryCredentials ?? []);
      return olds[k] !== news[k];
    });
    const updates = [...UPDATABLE_FIELDS, "hubAuth", "connectionString", "trustedCaPem"].filter(
      (k) => canonicalJson(settingOf(olds, k)) !== canonicalJson(settingOf(news, k)),
    );
    // The same id on the same hub cannot exist twice: the old one goes first. Devices keep running
    // their modules meanwhile ("Deleting a deployment does not remove the modules from targeted
    // devices", module-deployment-monitoring.md) and take the new one when it is created.
    const sameId = olds.deploymentId === news.deploymentId && sameHost(olds.hubHostName, news.hubHostName);
    return { changes: replaces.length + updates.length > 0, replaces: [...replaces], deleteBeforeReplace: replaces.length > 0 && sameId };
  }

  async create(inputs: AtScaleDeploymentInputs): Promise<pulumi.dynamic.CreateResult<AtScaleDeploymentOutputs>> {
    const body = bodyOf(inputs);
    const where = whereOf(inputs);
    const stored = await withRegistry(inputs, async (registry) => {
      try {
        return await createWithRetry(
          `creating ${where}`,
          async () => (await registry.addConfiguration(structuredClone(body))).responseBody as StoredConfiguration,
          {
            isConflict: (answer) => answer.status === 409,
            readExisting: async () => (await registry.getConfiguration(inputs.deploymentId)).responseBody as StoredConfiguration,
            isOurs: (existing) => sameConfiguration(existing, body),
          },
          this.retryPolicy,
        );
      } catch (error) {
        if (error instanceof HubRequestError && error.status === 409) throw new Error(existsHint(inputs.deploymentId, inputs.hubHostName));
        throw error;
      }
    });
    return { id: inputs.deploymentId, outs: outputsOf(inputs, stored, contentHash(inputs.content)) };
  }

  async update(
    _id: string,
    olds: AtScaleDeploymentOutputs,
    news: AtScaleDeploymentInputs,
  ): Promise<pulumi.dynamic.UpdateResult<AtScaleDeploymentOutputs>> {
    const body = bodyOf(news);
    const where = whereOf(news);
    if (UPDATABLE_FIELDS.every((k) => canonicalJson(settingOf(olds, k)) === canonicalJson(settingOf(news, k)))) {
      // Only how the hub is reached changed (a rotated key, say): nothing to send.
      return { outs: outputsOf(news, { etag: olds.etag, createdTimeUtc: olds.createdTimeUtc } as StoredConfiguration, olds.contentHash) };
    }
    const stored = await withRegistry(
      news,
      async (registry) =>
        (
          await withRetry(
            `updating ${where}`,
            async () => {
              try {
                // If-Match: the etag this stack last saw, so a change made outside the stack is not overwritten unseen.
                return (await registry.updateConfiguration({ ...structuredClone(body), etag: olds.etag }))
                  .responseBody as StoredConfiguration;
              } catch (error) {
                const status = hubErrorOf(error).status;
                if (status === 412) throw new Error(changedOutsideHint(news.deploymentId, news.hubHostName));
                // Deleted behind the stack's back: put it back as wanted.
                if (status !== 404) throw error;
                return (await registry.addConfiguration(structuredClone(body))).responseBody as StoredConfiguration;
              }
            },
            this.retryPolicy,
          )
        ).value,
    );
    return { outs: outputsOf(news, stored, olds.contentHash) };
  }

  /** The devices keep their modules: a deleted deployment removes none (module-deployment-monitoring.md "Rollback"). */
  async delete(id: string, olds: AtScaleDeploymentOutputs): Promise<void> {
    await withRegistry(olds, (registry) =>
      withRetryUnlessNotFound(`deleting ${whereOf(olds)}`, () => registry.removeConfiguration(id), this.retryPolicy),
    );
  }

  /**
   * The deployment as the hub holds it now (`pulumi refresh`). Gone: no id, so the engine drops it
   * from the state. Content that differs from what the stack sends shows as an empty contentHash,
   * so the next `pulumi up` replaces it.
   */
  async read(id: string, props?: AtScaleDeploymentOutputs): Promise<pulumi.dynamic.ReadResult<AtScaleDeploymentOutputs>> {
    if (!props) throw new Error(`IoT Edge deployment '${id}': read needs the stack's state (import is not supported)`);
    const stored = await withRegistry(props, (registry) =>
      withRetryUnlessNotFound(
        `reading ${whereOf(props)}`,
        async () => (await registry.getConfiguration(id)).responseBody as StoredConfiguration,
        this.retryPolicy,
      ),
    );
    if (!stored) return {};
    const sent = bodyOf(props);
    const drifted = canonicalJson(stored.content ?? null) !== canonicalJson(sent.content);
    const hubSide: AtScaleDeploymentInputs = {
      ...props,
      targetCondition: stored.targetCondition ?? "",
      priority: stored.priority ?? 0,
      labels: stored.labels ?? {},
      metrics: (stored.metrics?.queries as Record<string, string> | undefined) ?? {},
    };
    return { id, props: outputsOf(hubSide, stored, drifted ? "" : props.contentHash) };
  }
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): AtScaleDeploymentProvider => new AtScaleDeploymentProvider();

/** The message for a deployment id already taken on the hub by someone else. */
export function existsHint(deploymentId: string, hubHostName: string): string {
  return (
    `IoT Hub ${hubHostName} already has a deployment '${deploymentId}' (409), and this stack did not create it. ` +
    `Delete it first (az iot edge deployment delete --hub-name <hub> --deployment-id '${deploymentId}') or choose another deployment id.`
  );
}

function changedOutsideHint(deploymentId: string, hubHostName: string): string {
  return (
    `IoT Edge deployment '${deploymentId}' on ${hubHostName} was changed outside this stack since it was last read (412: etag mismatch); nothing was sent. ` +
    "Run `pulumi refresh` to take in the hub's version, then `pulumi up` again."
  );
}

function whereOf(inputs: { deploymentId: string; hubHostName: string }): string {
  return `IoT Edge deployment '${inputs.deploymentId}' on ${inputs.hubHostName}`;
}

interface Problem {
  readonly property: string;
  readonly reason: string;
}

function problemsOf(inputs: AtScaleDeploymentInputs): Problem[] {
  return [
    // Each settings problem begins with its field's name.
    ...deploymentSettingsProblems(inputs).map((reason) => ({ property: /^[a-zA-Z]+/.exec(reason)![0], reason })),
    ...validateManifest(inputs.content).map((reason) => ({ property: "content", reason })),
    ...hubAccessProblems(inputs).map((reason) => ({ property: /connection string/.test(reason) ? "connectionString" : "hubAuth", reason })),
  ];
}

/** The configuration sent to the hub. Built field by field: inputs carry `__provider` and must never be sent whole. */
function bodyOf(inputs: AtScaleDeploymentInputs): Configuration {
  const problems = problemsOf(inputs);
  if (problems.length > 0) {
    throw new Error(
      `IoT Edge deployment '${String(inputs.deploymentId)}' on ${inputs.hubHostName} is invalid; nothing was sent:\n  - ${problems.map((p) => p.reason).join("\n  - ")}`,
    );
  }
  const modulesContent = renderManifest(modulesContentOf(inputs.content) as Record<string, unknown>, inputs.registryCredentials ?? []);
  return {
    id: inputs.deploymentId,
    schemaVersion: "1.0",
    labels: { ...(inputs.labels ?? {}) },
    content: { modulesContent },
    targetCondition: inputs.targetCondition,
    priority: inputs.priority,
    metrics: { queries: { ...(inputs.metrics ?? {}) } },
  };
}

/** A field as compared between runs: absent labels and metrics are empty ones. */
function settingOf(inputs: AtScaleDeploymentInputs, key: string): unknown {
  const value = inputs[key as keyof AtScaleDeploymentInputs];
  if (key === "labels" || key === "metrics") return value ?? {};
  return value ?? null;
}

/** The hub's deployment is the wanted one: same content, target, priority, labels and metrics. */
function sameConfiguration(stored: StoredConfiguration, wanted: Configuration): boolean {
  const view = (c: Configuration) => canonicalJson([c.content, c.targetCondition, c.priority, c.labels ?? {}, c.metrics?.queries ?? {}]);
  return view(stored) === view(wanted);
}

/**
 * Outputs name each field. The connection string is kept for connection-string access only, because
 * `delete` gets nothing but these outputs; the resource marks it secret, with the credentials.
 */
function outputsOf(inputs: AtScaleDeploymentInputs, stored: StoredConfiguration, hash: string): AtScaleDeploymentOutputs {
  return {
    hubHostName: inputs.hubHostName,
    hubAuth: inputs.hubAuth,
    ...(inputs.hubAuth === "connectionString" ? { connectionString: inputs.connectionString } : {}),
    ...(inputs.trustedCaPem ? { trustedCaPem: inputs.trustedCaPem } : {}),
    deploymentId: inputs.deploymentId,
    content: inputs.content,
    ...(inputs.registryCredentials ? { registryCredentials: inputs.registryCredentials } : {}),
    targetCondition: inputs.targetCondition,
    priority: inputs.priority,
    labels: { ...(inputs.labels ?? {}) },
    metrics: { ...(inputs.metrics ?? {}) },
    contentHash: hash,
    etag: stored.etag ?? "",
    createdTimeUtc: stored.createdTimeUtc ?? "",
  };
}
