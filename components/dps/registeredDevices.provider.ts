// Dynamic provider of the hub devices a DPS enrollment group registered for this stack. DPS, not the
// stack, creates them (a device registers itself), so create has nothing to do; what this resource
// holds is the list of the stack's registration ids, so that removing a device from the stack, or
// destroying it, deletes that device from the hub. A device already gone is fine.
import type * as pulumi from "@pulumi/pulumi";
import { type HubAccess, hubAccessProblems, withRegistry } from "../iotHub/hubAccess";
import { anyUnknown, sameHost } from "../iotHub/providerInputs";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetryUnlessNotFound } from "../iotHub/retry";
import { limiter } from "../concurrency";

export interface RegisteredDevicesInputs extends HubAccess {
  /** The enrollment group that registers them: named in messages, and part of the resource's id. */
  readonly enrollmentGroupId: string;
  /** The stack's devices, by registration id (= device id in the hub). */
  readonly deviceIds: readonly string[];
}

export type RegisteredDevicesOutputs = RegisteredDevicesInputs;

/** How many devices are deleted at once: the hub throttles registry operations (S1: 100/min per unit), withRetry backs off on 429. */
export const DELETE_CONCURRENCY = 4;

export class RegisteredDevicesProvider implements pulumi.dynamic.ResourceProvider<RegisteredDevicesInputs, RegisteredDevicesOutputs> {
  constructor(private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY) {}

  async check(_olds: RegisteredDevicesInputs, news: RegisteredDevicesInputs): Promise<pulumi.dynamic.CheckResult<RegisteredDevicesInputs>> {
    if (anyUnknown(news)) return { inputs: news };
    return {
      inputs: news,
      failures: hubAccessProblems(news).map((reason) => ({
        property: /connection string/.test(reason) ? "connectionString" : "hubHostName",
        reason,
      })),
    };
  }

  async diff(_id: string, olds: RegisteredDevicesOutputs, news: RegisteredDevicesInputs): Promise<pulumi.dynamic.DiffResult> {
    // Another hub: the devices on the old one are deleted with the old resource.
    const replaces = sameHost(olds.hubHostName, news.hubHostName) ? [] : ["hubHostName"];
    const changes =
      replaces.length > 0 ||
      olds.enrollmentGroupId !== news.enrollmentGroupId ||
      !sameIds(olds.deviceIds, news.deviceIds) ||
      olds.hubAuth !== news.hubAuth ||
      (olds.connectionString ?? undefined) !== (news.connectionString ?? undefined) ||
      (olds.trustedCaPem ?? undefined) !== (news.trustedCaPem ?? undefined);
    return { changes, replaces };
  }

  async create(inputs: RegisteredDevicesInputs): Promise<pulumi.dynamic.CreateResult<RegisteredDevicesOutputs>> {
    // Nothing to send: each device registers itself through DPS.
    return { id: `${inputs.hubHostName}/${inputs.enrollmentGroupId}`, outs: outputsOf(inputs) };
  }

  async update(
    _id: string,
    olds: RegisteredDevicesOutputs,
    news: RegisteredDevicesInputs,
  ): Promise<pulumi.dynamic.UpdateResult<RegisteredDevicesOutputs>> {
    const kept = new Set(news.deviceIds);
    await this.deleteDevices(
      news,
      olds.deviceIds.filter((id) => !kept.has(id)),
    );
    return { outs: outputsOf(news) };
  }

  async delete(_id: string, olds: RegisteredDevicesOutputs): Promise<void> {
    await this.deleteDevices(olds, olds.deviceIds);
  }

  /** `pulumi refresh`: which devices the group registered is the stack's list, not something the hub can tell. */
  async read(id: string, props?: RegisteredDevicesOutputs): Promise<pulumi.dynamic.ReadResult<RegisteredDevicesOutputs>> {
    return { id, props };
  }

  private async deleteDevices(access: RegisteredDevicesInputs, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await withRegistry(access, async (registry) => {
      const limit = limiter(DELETE_CONCURRENCY);
      await Promise.all(
        ids.map((deviceId) =>
          limit(() =>
            // A 404: never registered, or already deleted.
            withRetryUnlessNotFound(
              `deleting device '${deviceId}' (registered by DPS enrollment group '${access.enrollmentGroupId}') on ${access.hubHostName}`,
              () => registry.delete(deviceId),
              this.retryPolicy,
            ),
          ),
        ),
      );
    });
  }
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): RegisteredDevicesProvider => new RegisteredDevicesProvider();

function sameIds(a: readonly string[] = [], b: readonly string[] = []): boolean {
  const norm = (l: readonly string[]) => [...new Set(l)].sort().join("\n");
  return norm(a) === norm(b);
}

/** Fields by name (inputs carry `__provider`); the connection string stays for delete, and the resource marks it secret. */
function outputsOf(inputs: RegisteredDevicesInputs): RegisteredDevicesOutputs {
  return {
    hubHostName: inputs.hubHostName,
    hubAuth: inputs.hubAuth,
    ...(inputs.hubAuth === "connectionString" ? { connectionString: inputs.connectionString } : {}),
    ...(inputs.trustedCaPem ? { trustedCaPem: inputs.trustedCaPem } : {}),
    enrollmentGroupId: inputs.enrollmentGroupId,
    deviceIds: [...inputs.deviceIds],
  };
}
