// Dynamic provider of a DPS X.509 enrollment group (data plane: no azure-native resource for it).
// Create, diff with exact replaces, in-place update, delete (a missing group is fine), and read
// (what `pulumi refresh` calls). Retries 429/5xx like the hub providers; errors name the group.
import type * as pulumi from "@pulumi/pulumi";
import type { EnrollmentGroup } from "azure-iot-provisioning-service/dist/interfaces";
import { anyUnknown, sameHost } from "../iotHub/providerInputs";
import {
  createWithRetry,
  DEFAULT_RETRY_POLICY,
  HubRequestError,
  type RetryPolicy,
  withRetry,
  withRetryUnlessNotFound,
} from "../iotHub/retry";
import { DPS_SERVICE, dpsErrorOf } from "./dpsErrors";
import {
  enrollmentGroupBody,
  enrollmentGroupProblems,
  type EnrollmentGroupSpec,
  GROUP_UPDATABLE_FIELDS,
  groupDifferences,
  sameHosts,
  sameTags,
  type StoredGroup,
  storedGroupOf,
  thumbprintOf,
} from "./enrollmentGroup.rules";
import { type ProvisioningAccess, provisioningAccessProblems, withProvisioningService } from "./provisioningAccess";

export interface EnrollmentGroupInputs extends ProvisioningAccess, EnrollmentGroupSpec {}

export interface EnrollmentGroupOutputs extends EnrollmentGroupInputs {
  readonly etag: string;
  /** SHA-256 thumbprint of the signing certificate the service holds (none with a CA reference). */
  readonly signingThumbprint?: string;
}

/** Input changes that replace the group: another id, or another DPS, is another group. */
export const GROUP_REPLACES = ["enrollmentGroupId", "dpsHostName"] as const;

export class EnrollmentGroupProvider implements pulumi.dynamic.ResourceProvider<EnrollmentGroupInputs, EnrollmentGroupOutputs> {
  constructor(private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY) {}

  async check(_olds: EnrollmentGroupInputs, news: EnrollmentGroupInputs): Promise<pulumi.dynamic.CheckResult<EnrollmentGroupInputs>> {
    if (anyUnknown(news)) return { inputs: news };
    const failures = problemsOf(news).map((reason) => ({ property: propertyOf(reason), reason }));
    return { inputs: news, failures };
  }

  async diff(_id: string, olds: EnrollmentGroupOutputs, news: EnrollmentGroupInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = GROUP_REPLACES.filter((k) => (k === "dpsHostName" ? !sameHost(olds[k], news[k]) : olds[k] !== news[k]));
    const updates = [...GROUP_UPDATABLE_FIELDS, "dpsConnectionString", "dpsTrustedCaPem"].filter((k) => {
      if (k === "tags") return !sameTags(olds.tags ?? {}, news.tags ?? {});
      if (k === "iotHubs") return !sameHosts(olds.iotHubs ?? [], news.iotHubs ?? []);
      // The same certificate in other PEM whitespace is no change.
      if (k === "signingCertificatePem") return thumbprintOf(olds.signingCertificatePem) !== thumbprintOf(news.signingCertificatePem);
      const key = k as keyof EnrollmentGroupInputs;
      return (olds[key] ?? undefined) !== (news[key] ?? undefined);
    });
    return { changes: replaces.length + updates.length > 0, replaces: [...replaces] };
  }

  async create(inputs: EnrollmentGroupInputs): Promise<pulumi.dynamic.CreateResult<EnrollmentGroupOutputs>> {
    const spec = validSpec(inputs);
    const where = whereOf(spec.enrollmentGroupId, inputs.dpsHostName);
    const stored = await withProvisioningService(inputs, async (client) => {
      const body = enrollmentGroupBody(spec) as unknown as EnrollmentGroup;
      try {
        return await createWithRetry(
          `creating ${where}`,
          async () => storedGroupOf((await client.createOrUpdateEnrollmentGroup(body)).responseBody),
          {
            isConflict: (answer) => answer.status === 409,
            readExisting: async () => storedGroupOf((await client.getEnrollmentGroup(spec.enrollmentGroupId)).responseBody),
            isOurs: (existing) => groupDifferences(existing, spec).length === 0,
          },
          this.retryPolicy,
          DPS_SERVICE,
        );
      } catch (error) {
        if (error instanceof HubRequestError && error.status === 409)
          throw new Error(existsHint(spec.enrollmentGroupId, inputs.dpsHostName));
        throw error;
      }
    });
    return { id: spec.enrollmentGroupId, outs: outputsOf(inputs, spec, stored) };
  }

  async update(
    _id: string,
    _olds: EnrollmentGroupOutputs,
    news: EnrollmentGroupInputs,
  ): Promise<pulumi.dynamic.UpdateResult<EnrollmentGroupOutputs>> {
    const spec = validSpec(news);
    const where = whereOf(spec.enrollmentGroupId, news.dpsHostName);
    const stored = await withProvisioningService(news, async (client) => {
      const body = enrollmentGroupBody(spec);
      return (
        await withRetry(
          `updating ${where}`,
          async () => {
            try {
              // The group is the stack's: replace it whole whatever its etag (If-Match "*").
              return storedGroupOf(
                (await client.createOrUpdateEnrollmentGroup({ ...body, etag: "*" } as unknown as EnrollmentGroup)).responseBody,
              );
            } catch (error) {
              // Deleted behind the stack's back: put it back as wanted.
              if (dpsErrorOf(error).status !== 404) throw error;
              return storedGroupOf((await client.createOrUpdateEnrollmentGroup(body as unknown as EnrollmentGroup)).responseBody);
            }
          },
          this.retryPolicy,
          undefined,
          DPS_SERVICE,
        )
      ).value;
    });
    return { outs: outputsOf(news, spec, stored) };
  }

  async delete(id: string, olds: EnrollmentGroupOutputs): Promise<void> {
    await withProvisioningService(olds, (client) =>
      withRetryUnlessNotFound(
        `deleting ${whereOf(id, olds.dpsHostName)}`,
        () => client.deleteEnrollmentGroup(id),
        this.retryPolicy,
        DPS_SERVICE,
      ),
    );
  }

  /**
   * The group as the service holds it now (`pulumi refresh`). Gone: no id, so the engine drops it
   * from the state. A changed signing certificate shows as a cleared `signingCertificatePem`.
   */
  async read(id: string, props?: EnrollmentGroupOutputs): Promise<pulumi.dynamic.ReadResult<EnrollmentGroupOutputs>> {
    if (!props) throw new Error(`DPS enrollment group '${id}': read needs the stack's state (import is not supported)`);
    const stored = await withProvisioningService(props, (client) =>
      withRetryUnlessNotFound(
        `reading ${whereOf(id, props.dpsHostName)}`,
        async () => storedGroupOf((await client.getEnrollmentGroup(id)).responseBody),
        this.retryPolicy,
        DPS_SERVICE,
      ),
    );
    if (!stored) return {};
    const { etag, signingThumbprint, ...spec } = stored;
    const keepPem = signingThumbprint !== undefined && signingThumbprint === thumbprintOf(props.signingCertificatePem);
    const outs: EnrollmentGroupOutputs = {
      ...accessOf(props),
      ...spec,
      ...(keepPem ? { signingCertificatePem: props.signingCertificatePem } : {}),
      ...(signingThumbprint ? { signingThumbprint } : {}),
      etag: etag ?? "",
    };
    return { id, props: outs };
  }
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): EnrollmentGroupProvider => new EnrollmentGroupProvider();

/** The message for a group that exists but the stack did not create. */
export function existsHint(groupId: string, dpsHostName: string): string {
  return (
    `DPS ${dpsHostName} already has an enrollment group '${groupId}' (409), and this stack did not create it. ` +
    `Delete it first (az iot dps enrollment-group delete --dps-name <dps> --enrollment-id '${groupId}') or choose another group id.`
  );
}

function whereOf(groupId: string, dpsHostName: string): string {
  return `enrollment group '${groupId}' on ${dpsHostName}`;
}

/** The input a problem is about: it names the field first, or it is about the DPS access. */
function propertyOf(problem: string): string {
  const first = problem.split(/[ :.]/)[0];
  if ((GROUP_UPDATABLE_FIELDS as readonly string[]).includes(first) || first === "enrollmentGroupId" || first === "dpsHostName")
    return first;
  return /connection string/.test(problem) ? "dpsConnectionString" : first;
}

function problemsOf(inputs: EnrollmentGroupInputs): string[] {
  return [...enrollmentGroupProblems(inputs), ...provisioningAccessProblems(inputs)];
}

function validSpec(inputs: EnrollmentGroupInputs): EnrollmentGroupSpec {
  const problems = problemsOf(inputs);
  if (problems.length > 0) throw new Error(`DPS enrollment group '${String(inputs.enrollmentGroupId)}': ${problems.join("; ")}`);
  return {
    enrollmentGroupId: inputs.enrollmentGroupId,
    ...(inputs.signingCertificatePem ? { signingCertificatePem: inputs.signingCertificatePem } : { caReference: inputs.caReference }),
    iotEdge: inputs.iotEdge,
    tags: { ...inputs.tags },
    provisioningStatus: inputs.provisioningStatus,
    updateHubAssignment: inputs.updateHubAssignment,
    migrateDeviceData: inputs.migrateDeviceData,
    allocationPolicy: inputs.allocationPolicy,
    iotHubs: [...inputs.iotHubs],
  };
}

/** Access fields by name: inputs are never spread (they carry `__provider`). */
function accessOf(inputs: ProvisioningAccess): ProvisioningAccess {
  return {
    dpsHostName: inputs.dpsHostName,
    dpsConnectionString: inputs.dpsConnectionString,
    ...(inputs.dpsTrustedCaPem ? { dpsTrustedCaPem: inputs.dpsTrustedCaPem } : {}),
  };
}

/** Outputs: the spec as sent and what the service holds; the connection string stays for `delete` (the resource marks it secret). */
function outputsOf(
  inputs: EnrollmentGroupInputs,
  spec: EnrollmentGroupSpec,
  stored: StoredGroup & { signingThumbprint?: string },
): EnrollmentGroupOutputs {
  return {
    ...accessOf(inputs),
    ...spec,
    ...(stored.signingThumbprint ? { signingThumbprint: stored.signingThumbprint } : {}),
    etag: stored.etag ?? "",
  };
}
