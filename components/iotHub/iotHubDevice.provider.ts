// Dynamic provider of an IoT Hub device identity: edge-enabled, X.509 (self-signed thumbprints or
// CA-signed). Create, in-place update of authentication and status, delete (a missing identity is
// fine). An identity that already exists is adopted only when the stack says so.
import type * as pulumi from "@pulumi/pulumi";
import { type HubAccess, hubAccessProblems, withRegistry } from "./hubAccess";
import { hubErrorOf } from "./hubErrors";
import { createWithRetry, DEFAULT_RETRY_POLICY, HubRequestError, type RetryPolicy, withRetry, withRetryUnlessNotFound } from "./retry";
import {
  identityBody,
  identityDiffers,
  identityProblems,
  type IdentitySpec,
  normalizeThumbprint,
  specOfDevice,
  UPDATABLE_FIELDS,
} from "./iotHubDevice.rules";
import { anyUnknown, sameHost } from "./providerInputs";
import { type AccessGrant, withAccessGrant } from "./accessGrant";
import type { TokenCredential } from "@azure/identity";

export interface IotHubDeviceInputs extends HubAccess, IdentitySpec {
  /** Take over an identity that already exists (iotHub.adoptExistingIdentities). */
  readonly adoptExisting: boolean;
  /** A data-plane role the stack just granted: creating waits out 401/403 while it applies. */
  readonly accessGrant?: AccessGrant;
}

export interface IotHubDeviceOutputs extends IotHubDeviceInputs {
  readonly etag: string;
  readonly generationId: string;
  /** True when the identity existed before and the stack took it over. */
  readonly adopted: boolean;
}

type Device = Parameters<typeof specOfDevice>[0] & { etag?: string; generationId?: string };

/** Input changes that replace the identity: another id, or another hub, is another identity. */
export const IDENTITY_REPLACES = ["deviceId", "hubHostName"] as const;

export class IotHubDeviceProvider implements pulumi.dynamic.ResourceProvider<IotHubDeviceInputs, IotHubDeviceOutputs> {
  /** `credential` replaces DefaultAzureCredential (tests). */
  constructor(
    private readonly retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY,
    private readonly credential?: TokenCredential,
  ) {}

  async check(_olds: IotHubDeviceInputs, news: IotHubDeviceInputs): Promise<pulumi.dynamic.CheckResult<IotHubDeviceInputs>> {
    // During preview some inputs are not known yet; they are checked again when they are.
    if (anyUnknown(news)) return { inputs: news };
    const failures = problemsOf(news).map((reason) => ({ property: propertyOf(reason), reason }));
    return { inputs: news, failures };
  }

  async diff(_id: string, olds: IotHubDeviceOutputs, news: IotHubDeviceInputs): Promise<pulumi.dynamic.DiffResult> {
    const replaces = IDENTITY_REPLACES.filter((k) => (k === "hubHostName" ? !sameHost(olds[k], news[k]) : olds[k] !== news[k]));
    const updates = [...UPDATABLE_FIELDS, "hubAuth", "connectionString", "trustedCaPem", "adoptExisting"].filter((k) => {
      const key = k as keyof IotHubDeviceInputs;
      const norm = (v: unknown) => (k.endsWith("Thumbprint") ? normalizeThumbprint(v as string | undefined) : (v ?? undefined));
      return norm(olds[key]) !== norm(news[key]);
    });
    return { changes: replaces.length + updates.length > 0, replaces: [...replaces] };
  }

  async create(inputs: IotHubDeviceInputs): Promise<pulumi.dynamic.CreateResult<IotHubDeviceOutputs>> {
    const spec = validSpec(inputs);
    const policy = this.retryPolicy;
    const where = `device '${spec.deviceId}' on ${inputs.hubHostName}`;
    const { device, adopted } = await withAccessGrant(inputs.accessGrant, () =>
      withRegistry(
        inputs,
        async (registry) => {
          const body = identityBody(spec);
          try {
            const created = await createWithRetry(
              `creating ${where}`,
              async () => (await registry.create(body)).responseBody as Device,
              {
                isConflict: (answer) => answer.code === "DeviceAlreadyExists",
                readExisting: async () => (await registry.get(spec.deviceId)).responseBody as Device,
                isOurs: (existing) => !identityDiffers(specOfDevice(existing), spec),
              },
              policy,
            );
            return { device: created, adopted: false };
          } catch (error) {
            if (!(error instanceof HubRequestError) || error.code !== "DeviceAlreadyExists") throw error;
            if (!inputs.adoptExisting) throw new Error(adoptionHint(spec.deviceId, inputs.hubHostName));
            const taken = await withRetry(`adopting ${where}`, async () => (await registry.update(body)).responseBody as Device, policy);
            return { device: taken.value, adopted: true };
          }
        },
        this.credential,
      ),
    );
    return { id: spec.deviceId, outs: outputsOf(inputs, spec, device, adopted) };
  }

  async update(
    _id: string,
    olds: IotHubDeviceOutputs,
    news: IotHubDeviceInputs,
  ): Promise<pulumi.dynamic.UpdateResult<IotHubDeviceOutputs>> {
    const spec = validSpec(news);
    if (!identityDiffers(olds, spec)) {
      // Only how the hub is reached changed (a rotated key, say): nothing to send.
      return { outs: outputsOf(news, spec, { etag: olds.etag, generationId: olds.generationId }, olds.adopted) };
    }
    const where = `device '${spec.deviceId}' on ${news.hubHostName}`;
    const device = await withRegistry(news, async (registry) => {
      const body = identityBody(spec);
      const updated = await withRetry(
        `updating ${where}`,
        async () => {
          try {
            return (await registry.update(body)).responseBody as Device;
          } catch (error) {
            // Deleted behind the stack's back: put it back as wanted.
            if (hubErrorOf(error).code !== "DeviceNotFound") throw error;
            return (await registry.create(body)).responseBody as Device;
          }
        },
        this.retryPolicy,
      );
      return updated.value;
    });
    return { outs: outputsOf(news, spec, device, olds.adopted) };
  }

  async delete(id: string, olds: IotHubDeviceOutputs): Promise<void> {
    await withRegistry(olds, (registry) =>
      withRetryUnlessNotFound(`deleting device '${id}' on ${olds.hubHostName}`, () => registry.delete(id), this.retryPolicy),
    );
  }
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): IotHubDeviceProvider => new IotHubDeviceProvider();

/** The message for an identity that exists but the stack did not create. */
export function adoptionHint(deviceId: string, hubHostName: string): string {
  return (
    `IoT Hub ${hubHostName} already has a device identity '${deviceId}' (409 DeviceAlreadyExists), and this stack did not create it. ` +
    `To take it over (its authentication and status are overwritten, and destroy deletes it), set ` +
    `\`pulumi config set --path 'edge:iotHub.adoptExistingIdentities' true\`. ` +
    `Otherwise delete it first (az iot hub device-identity delete --hub-name <hub> --device-id '${deviceId}') or choose another device id.`
  );
}

function problemsOf(inputs: IotHubDeviceInputs): string[] {
  return [...identityProblems(inputs), ...hubAccessProblems(inputs)];
}

/** The input a problem is about: it names the field first, or it is about the connection string or the authentication. */
function propertyOf(problem: string): string {
  const first = problem.split(" ")[0];
  if (["deviceId", "status", "primaryThumbprint", "secondaryThumbprint", "authType", "hubHostName", "hubAuth"].includes(first))
    return first;
  return /connection string/.test(problem) ? "connectionString" : "authType";
}

function validSpec(inputs: IotHubDeviceInputs): IdentitySpec {
  const problems = problemsOf(inputs);
  if (problems.length > 0) throw new Error(`IoT Hub device '${String(inputs.deviceId)}': ${problems.join("; ")}`);
  return {
    deviceId: inputs.deviceId,
    authType: inputs.authType,
    primaryThumbprint: normalizeThumbprint(inputs.primaryThumbprint),
    secondaryThumbprint: normalizeThumbprint(inputs.secondaryThumbprint),
    status: inputs.status,
  };
}

/**
 * Outputs name each field; inputs are never spread (they carry `__provider`). The connection
 * string is kept only for connection-string access, because `delete` gets nothing but these
 * outputs; the resource marks it secret.
 */
function outputsOf(inputs: IotHubDeviceInputs, spec: IdentitySpec, device: Device, adopted: boolean): IotHubDeviceOutputs {
  const hub = specOfDevice(device);
  return {
    deviceId: spec.deviceId,
    hubHostName: inputs.hubHostName,
    hubAuth: inputs.hubAuth,
    ...(inputs.hubAuth === "connectionString" ? { connectionString: inputs.connectionString } : {}),
    ...(inputs.trustedCaPem ? { trustedCaPem: inputs.trustedCaPem } : {}),
    authType: hub.authType ?? spec.authType,
    ...(spec.authType === "selfSigned"
      ? {
          primaryThumbprint: hub.primaryThumbprint ?? spec.primaryThumbprint,
          secondaryThumbprint: hub.secondaryThumbprint ?? spec.secondaryThumbprint,
        }
      : {}),
    status: hub.status ?? spec.status,
    adoptExisting: inputs.adoptExisting,
    etag: device.etag ?? "",
    generationId: device.generationId ?? "",
    adopted,
  };
}
