// Dynamic provider that applies a device's deployment manifest (applyConfigurationContentOnDevice).
// The manifest is validated before anything is sent, the stack's registry credentials are added
// (secrets, never in the manifest file), createOptions are split into 512-character parts, and
// a manifest whose content has not changed is never sent again.
import type * as pulumi from "@pulumi/pulumi";
import { validateManifest } from "../manifest/validateManifest";
import { canonicalJson, contentHash, renderManifest } from "../manifest/renderManifest";
import type { RegistryCredential } from "../manifest/registryCredentials";
import { modulesContentOf } from "../manifest/modulesContent";
import { type HubAccess, withRegistry } from "./hubAccess";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from "./retry";
import { anyUnknown, sameHost } from "./providerInputs";

export interface EdgeDeploymentInputs extends HubAccess {
  readonly deviceId: string;
  /** The manifest as written in its file: `modulesContent`, or `{ modulesContent }`. */
  readonly manifest: Record<string, unknown>;
  /** Secret. Added to $edgeAgent's runtime settings when sending. */
  readonly registryCredentials?: readonly RegistryCredential[];
  /** The identity's generationId: a re-created identity lost its deployment and gets it again. */
  readonly identityGenerationId?: string;
}

/**
 * No manifest: the inputs hold it, and `diff` compares its hash. Outputs written before 2026-11-30
 * also hold `manifest`; nothing reads it, and the next update writes them without it.
 */
export interface EdgeDeploymentOutputs {
  readonly deviceId: string;
  readonly hubHostName: string;
  /** SHA-256 of the manifest file's content (without credentials). */
  readonly contentHash: string;
  readonly registryCredentials?: readonly RegistryCredential[];
  readonly identityGenerationId?: string;
  /** The $edgeAgent twin's desired $version after the apply: what the readiness gate waits for. */
  readonly desiredVersion: number;
}

export const DEPLOYMENT_REPLACES = ["deviceId", "hubHostName"] as const;

export class EdgeDeploymentProvider implements pulumi.dynamic.ResourceProvider<EdgeDeploymentInputs, EdgeDeploymentOutputs> {
  constructor(private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY) {}

  async check(_olds: EdgeDeploymentInputs, news: EdgeDeploymentInputs): Promise<pulumi.dynamic.CheckResult<EdgeDeploymentInputs>> {
    if (anyUnknown(news.manifest)) return { inputs: news };
    return { inputs: news, failures: validateManifest(news.manifest).map((reason) => ({ property: "manifest", reason })) };
  }

  async diff(_id: string, olds: EdgeDeploymentOutputs, news: EdgeDeploymentInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = DEPLOYMENT_REPLACES.filter((k) => (k === "hubHostName" ? !sameHost(olds[k], news[k]) : olds[k] !== news[k]));
    const resend = contentChanged(olds, news);
    return { changes: replaces.length > 0 || resend, replaces: [...replaces] };
  }

  async create(inputs: EdgeDeploymentInputs): Promise<pulumi.dynamic.CreateResult<EdgeDeploymentOutputs>> {
    return { id: inputs.deviceId, outs: await this.apply(inputs) };
  }

  async update(
    _id: string,
    olds: EdgeDeploymentOutputs,
    news: EdgeDeploymentInputs,
  ): Promise<pulumi.dynamic.UpdateResult<EdgeDeploymentOutputs>> {
    if (!contentChanged(olds, news)) return { outs: outputsOf(olds) };
    return { outs: await this.apply(news) };
  }

  /**
   * Nothing to undo on the hub: the deployment lives in the device's module twins, which go with
   * the identity. (A deployment dropped while its identity stays keeps running on the device;
   * IoT Hub has no "unapply".)
   */
  async delete(): Promise<void> {}

  private async apply(inputs: EdgeDeploymentInputs): Promise<EdgeDeploymentOutputs> {
    const problems = validateManifest(inputs.manifest);
    if (problems.length > 0) {
      throw new Error(
        `The deployment manifest of device '${inputs.deviceId}' is invalid; nothing was sent:\n  - ${problems.join("\n  - ")}`,
      );
    }
    const content = renderManifest(modulesContentOf(inputs.manifest) as Record<string, unknown>, inputs.registryCredentials ?? []);
    const where = `device '${inputs.deviceId}' on ${inputs.hubHostName}`;
    const desiredVersion = await withRegistry(inputs, async (registry) => {
      // applyConfigurationContent replaces each module twin's desired properties whole: repeating it is harmless.
      await withRetry(
        `the deployment of ${where}`,
        () => registry.applyConfigurationContentOnDevice(inputs.deviceId, { modulesContent: content } as never),
        this.retryPolicy,
      );
      const twin = await withRetry(
        `reading the $edgeAgent twin of ${where}`,
        () => registry.getModuleTwin(inputs.deviceId, "$edgeAgent"),
        this.retryPolicy,
      );
      return Number((twin.value.responseBody as { properties?: { desired?: { $version?: unknown } } }).properties?.desired?.$version ?? 0);
    });
    return outputsOf({ ...inputs, contentHash: contentHash(inputs.manifest), desiredVersion });
  }
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): EdgeDeploymentProvider => new EdgeDeploymentProvider();

/** The outputs, field by field: an older stack's manifest is dropped, and no connection string gets in (delete calls nothing). */
function outputsOf(from: EdgeDeploymentOutputs): EdgeDeploymentOutputs {
  return {
    deviceId: from.deviceId,
    hubHostName: from.hubHostName,
    contentHash: from.contentHash,
    ...(from.registryCredentials ? { registryCredentials: from.registryCredentials } : {}),
    ...(from.identityGenerationId ? { identityGenerationId: from.identityGenerationId } : {}),
    desiredVersion: from.desiredVersion,
  };
}

/** True when what would be sent differs from what was: content, credentials, or a re-created identity. */
function contentChanged(olds: EdgeDeploymentOutputs, news: EdgeDeploymentInputs): boolean {
  return (
    olds.contentHash !== contentHash(news.manifest) ||
    canonicalJson(olds.registryCredentials ?? []) !== canonicalJson(news.registryCredentials ?? []) ||
    (olds.identityGenerationId ?? "") !== (news.identityGenerationId ?? "")
  );
}
