// The IoT Hub device identity the stack wants: validation, the REST body, and what a change
// means (in-place update or replacement). Pure: no I/O, no Pulumi resources.
import { DEVICE_ID_PATTERN } from "../config/deviceIdPattern";

export type IdentityAuthType = "selfSigned" | "certificateAuthority";
export type IdentityStatus = "enabled" | "disabled";

export interface IdentitySpec {
  readonly deviceId: string;
  readonly authType: IdentityAuthType;
  /** SHA-1 (40 hex) or SHA-256 (64 hex) of the identity certificate's DER; selfSigned only. */
  readonly primaryThumbprint?: string;
  readonly secondaryThumbprint?: string;
  readonly status: IdentityStatus;
}

/** Upper case, no colons or spaces: how the hub stores thumbprints (`ab:cd…` from openssl works too). */
export function normalizeThumbprint(value: string | undefined | null): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  return value.replace(/[:\s]/g, "").toUpperCase();
}

const THUMBPRINT = /^([0-9A-F]{40}|[0-9A-F]{64})$/;

/** Every problem with a spec, one line each, naming the field and the fix. Empty when valid. */
export function identityProblems(spec: Partial<IdentitySpec>): string[] {
  const problems: string[] = [];
  const id = spec.deviceId;
  if (typeof id !== "string" || id.length === 0 || id.length > 128 || !DEVICE_ID_PATTERN.test(id)) {
    problems.push(
      `deviceId ${JSON.stringify(id)} is not a valid IoT Hub device id (1-128 of letters, digits and - . + % _ # * ? ! ( ) , : = @ $ ')`,
    );
  }
  if (spec.status !== "enabled" && spec.status !== "disabled")
    problems.push(`status must be "enabled" or "disabled", not ${JSON.stringify(spec.status)}`);
  const primary = normalizeThumbprint(spec.primaryThumbprint);
  const secondary = normalizeThumbprint(spec.secondaryThumbprint);
  if (spec.authType === "selfSigned") {
    if (!primary) problems.push("primaryThumbprint is required for selfSigned authentication");
    for (const [field, value] of [
      ["primaryThumbprint", primary],
      ["secondaryThumbprint", secondary],
    ] as const) {
      if (value && !THUMBPRINT.test(value)) {
        problems.push(`${field} must be the SHA-1 (40 hex) or SHA-256 (64 hex) of the certificate's DER, got ${value.length} characters`);
      }
    }
  } else if (spec.authType === "certificateAuthority") {
    // A CA-signed device proves itself with a chain to a CA verified on the hub; thumbprints would be ignored, so refuse them.
    if (primary || secondary) problems.push("certificateAuthority authentication takes no thumbprints; remove them or use selfSigned");
  } else {
    problems.push(`authType must be "selfSigned" or "certificateAuthority" (X.509 only), not ${JSON.stringify(spec.authType)}`);
  }
  return problems;
}

/** The body of `PUT /devices/{id}`: an edge-enabled X.509 identity. */
export function identityBody(spec: IdentitySpec): {
  deviceId: string;
  status: IdentityStatus;
  capabilities: { iotEdge: true };
  authentication: { type: IdentityAuthType; x509Thumbprint: { primaryThumbprint: string | null; secondaryThumbprint: string | null } };
} {
  const selfSigned = spec.authType === "selfSigned";
  return {
    deviceId: spec.deviceId,
    status: spec.status,
    capabilities: { iotEdge: true },
    authentication: {
      type: spec.authType,
      x509Thumbprint: {
        primaryThumbprint: selfSigned ? (normalizeThumbprint(spec.primaryThumbprint) ?? null) : null,
        secondaryThumbprint: selfSigned ? (normalizeThumbprint(spec.secondaryThumbprint) ?? null) : null,
      },
    },
  };
}

/** The fields an in-place update applies. */
export const UPDATABLE_FIELDS = ["authType", "primaryThumbprint", "secondaryThumbprint", "status"] as const;

/** True when the identity the hub holds differs from the spec (in what an update would send). */
export function identityDiffers(current: Partial<IdentitySpec>, wanted: IdentitySpec): boolean {
  return UPDATABLE_FIELDS.some((f) => {
    const norm = (v: unknown) => (f.endsWith("Thumbprint") ? normalizeThumbprint(v as string | undefined) : v);
    return norm(current[f]) !== norm(wanted[f]);
  });
}

/** What the hub reported back, as a spec, so outputs show the hub's view. */
export function specOfDevice(device: {
  deviceId?: string;
  status?: string;
  authentication?: { type?: string; x509Thumbprint?: { primaryThumbprint?: string | null; secondaryThumbprint?: string | null } };
}): Partial<IdentitySpec> {
  return {
    deviceId: device.deviceId,
    status: device.status as IdentityStatus,
    authType: device.authentication?.type as IdentityAuthType,
    primaryThumbprint: normalizeThumbprint(device.authentication?.x509Thumbprint?.primaryThumbprint),
    secondaryThumbprint: normalizeThumbprint(device.authentication?.x509Thumbprint?.secondaryThumbprint),
  };
}
