// An X.509 enrollment group as the stack wants it, and the rules between that and the service's
// EnrollmentGroup record (REST "Enrollment Group - Create Or Update", api-version 2021-10-01). Pure.
import { X509Certificate } from "node:crypto";
import { twinKeyBreak } from "../manifest/twinProperties";

export type AllocationPolicy = "hashed" | "static" | "geoLatency";

export interface EnrollmentGroupSpec {
  readonly enrollmentGroupId: string;
  /** The fleet's signing CA (PEM), uploaded with the group; or… */
  readonly signingCertificatePem?: string;
  /** …the name of a CA certificate registered and verified on the DPS. Exactly one of the two. */
  readonly caReference?: string;
  readonly iotEdge: boolean;
  /** Initial device twin tags: what at-scale deployments target. */
  readonly tags: Readonly<Record<string, string>>;
  readonly provisioningStatus: "enabled" | "disabled";
  readonly updateHubAssignment: boolean;
  readonly migrateDeviceData: boolean;
  readonly allocationPolicy: AllocationPolicy;
  /** Host names of linked hubs the group allocates to. */
  readonly iotHubs: readonly string[];
}

/** Fields an update sends in place; every other change replaces the group. */
export const GROUP_UPDATABLE_FIELDS = [
  "signingCertificatePem",
  "caReference",
  "iotEdge",
  "tags",
  "provisioningStatus",
  "updateHubAssignment",
  "migrateDeviceData",
  "allocationPolicy",
  "iotHubs",
] as const;

// "alphanumeric, lowercase, and may contain hyphens" (azure-iot-provisioning-service interfaces.d.ts).
const GROUP_ID = /^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$/;

/** What is wrong with a group spec, one line each, naming the field. */
export function enrollmentGroupProblems(spec: Partial<EnrollmentGroupSpec>): string[] {
  const problems: string[] = [];
  const id = spec.enrollmentGroupId;
  if (typeof id !== "string" || !GROUP_ID.test(id)) {
    problems.push(
      `enrollmentGroupId ${JSON.stringify(id)} must be 1-128 lowercase letters, digits and hyphens, starting and ending with a letter or digit`,
    );
  }
  const hasCert = typeof spec.signingCertificatePem === "string" && spec.signingCertificatePem !== "";
  const hasRef = typeof spec.caReference === "string" && spec.caReference !== "";
  if (hasCert === hasRef)
    problems.push(
      "signingCertificatePem or caReference: give exactly one (the fleet's signing CA, or the name of a CA verified on the DPS)",
    );
  if (hasCert) {
    const cert = parseCa(spec.signingCertificatePem!);
    if (!cert) problems.push("signingCertificatePem is not a PEM X.509 certificate");
    else if (!cert.ca)
      problems.push("signingCertificatePem is not a CA certificate (basicConstraints CA:TRUE): devices' certificates must chain to it");
  }
  for (const [key, value] of Object.entries(spec.tags ?? {})) {
    // Tag keys follow the twin key rule (twinProperties.ts); values up to 4 KB (learn.microsoft.com
    // "Understand and use device twins in IoT Hub", Tags and properties format).
    if (twinKeyBreak(key))
      problems.push(`tags: ${JSON.stringify(key)} is not a twin tag name (no '.', '$', spaces or control characters; at most 1024)`);
    if (typeof value !== "string" || value.length > 4096) problems.push(`tags.${key} must be a string of at most 4096 characters`);
  }
  if (spec.provisioningStatus !== "enabled" && spec.provisioningStatus !== "disabled")
    problems.push(`provisioningStatus must be "enabled" or "disabled", not ${JSON.stringify(spec.provisioningStatus)}`);
  if (!["hashed", "static", "geoLatency"].includes(String(spec.allocationPolicy)))
    problems.push(`allocationPolicy must be "hashed", "static" or "geoLatency", not ${JSON.stringify(spec.allocationPolicy)}`);
  const hubs = spec.iotHubs ?? [];
  if (hubs.length === 0) problems.push("iotHubs must name at least one linked IoT hub");
  if (spec.allocationPolicy === "static" && hubs.length !== 1)
    problems.push(`iotHubs: a static allocation takes exactly one hub, not ${hubs.length}`);
  return problems;
}

/** The service's EnrollmentGroup record for a spec (etag added by the caller). */
export function enrollmentGroupBody(spec: EnrollmentGroupSpec): Record<string, unknown> {
  const x509 = spec.caReference
    ? { caReferences: { primary: spec.caReference } }
    : { signingCertificates: { primary: { certificate: spec.signingCertificatePem } } };
  return {
    enrollmentGroupId: spec.enrollmentGroupId,
    attestation: { type: "x509", x509 },
    capabilities: { iotEdge: spec.iotEdge },
    initialTwin: { tags: { ...spec.tags }, properties: { desired: {} } },
    provisioningStatus: spec.provisioningStatus,
    reprovisionPolicy: { updateHubAssignment: spec.updateHubAssignment, migrateDeviceData: spec.migrateDeviceData },
    // iotHubs needs an allocationPolicy (azure-sdk-for-python #35368: 400004).
    allocationPolicy: spec.allocationPolicy,
    iotHubs: [...spec.iotHubs],
  };
}

/** What the service holds, in the spec's terms; the signing certificate is known by its SHA-256 thumbprint only. */
export interface StoredGroup extends Omit<EnrollmentGroupSpec, "signingCertificatePem"> {
  readonly signingThumbprint?: string;
  readonly etag?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON (the service's record; a stack file), read field by field
type Json = Record<string, any>;

/** Reads a record the service returned (GET or PUT). */
export function storedGroupOf(record: Json): StoredGroup {
  const x509 = record.attestation?.x509 ?? {};
  const info = x509.signingCertificates?.primary?.info;
  const reprovision = record.reprovisionPolicy ?? {};
  return {
    enrollmentGroupId: record.enrollmentGroupId,
    ...(typeof x509.caReferences?.primary === "string" ? { caReference: x509.caReferences.primary } : {}),
    ...(typeof info?.sha256Thumbprint === "string" ? { signingThumbprint: info.sha256Thumbprint.toUpperCase() } : {}),
    iotEdge: record.capabilities?.iotEdge === true,
    tags: { ...(record.initialTwin?.tags ?? {}) },
    provisioningStatus: record.provisioningStatus ?? "enabled",
    // Both default to true (REST ReprovisionPolicy).
    updateHubAssignment: reprovision.updateHubAssignment !== false,
    migrateDeviceData: reprovision.migrateDeviceData !== false,
    allocationPolicy: record.allocationPolicy,
    iotHubs: [...(record.iotHubs ?? [])],
    ...(typeof record.etag === "string" ? { etag: record.etag } : {}),
  };
}

/** SHA-256 thumbprint (upper-case hex, no colons) of a PEM certificate, or undefined when it does not parse. */
export function thumbprintOf(pem: string | undefined): string | undefined {
  return pem ? parseCa(pem)?.fingerprint256.replace(/:/g, "").toUpperCase() : undefined;
}

/** The fields in which the service's group differs from the spec (empty: nothing to send). */
export function groupDifferences(stored: StoredGroup, spec: EnrollmentGroupSpec): string[] {
  const differs: string[] = [];
  if (spec.caReference !== stored.caReference) differs.push("caReference");
  if (thumbprintOf(spec.signingCertificatePem) !== stored.signingThumbprint) differs.push("signingCertificatePem");
  if (spec.iotEdge !== stored.iotEdge) differs.push("iotEdge");
  if (!sameTags(spec.tags, stored.tags)) differs.push("tags");
  for (const k of ["provisioningStatus", "updateHubAssignment", "migrateDeviceData", "allocationPolicy"] as const) {
    if (spec[k] !== stored[k]) differs.push(k);
  }
  if (!sameHosts(spec.iotHubs, stored.iotHubs)) differs.push("iotHubs");
  return differs;
}

export function sameTags(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** Hub lists compare as sets of host names, without case. */
export function sameHosts(a: readonly string[], b: readonly string[]): boolean {
  const norm = (l: readonly string[]) => [...new Set(l.map((h) => h.toLowerCase()))].sort().join(",");
  return norm(a) === norm(b);
}

function parseCa(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}
