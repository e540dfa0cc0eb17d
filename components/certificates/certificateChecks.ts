// What is wrong with a certificate (and its key) for the job it is given. Pure: `now` is passed in.
// Each function returns one sentence per problem, worded to follow the setting it belongs to.
import { X509Certificate, createPrivateKey } from "crypto";
import { CertificateInfo, OID, parseCertificate } from "./x509";

const DAY_MS = 86_400_000;

/** A certificate with the private key that belongs to it, both PEM, and the certificates above it. */
export interface CertificateMaterial {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** Issuer certificates, nearest first; the leaf is not repeated here. */
  readonly chainPems: readonly string[];
}

/** Why `privateKeyPem` is not the key of `certificatePem`, or undefined when it is. */
export function keyMismatchProblem(certificatePem: string, privateKeyPem: string): string | undefined {
  let key;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    return `has a private key that cannot be read (${(err as Error).message})`;
  }
  return new X509Certificate(certificatePem).checkPrivateKey(key) ? undefined : "has a private key that does not match its certificate";
}

/**
 * Why a certificate cannot be used from `now` for the next `renewBeforeDays`: not yet valid,
 * expired, or expiring inside the renewal window (a device would lose its identity before the
 * next run renewed it).
 */
export function lifetimeProblem(info: CertificateInfo, renewBeforeDays: number, now: Date): string | undefined {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (info.notBefore.getTime() > now.getTime()) return `is not valid before ${info.notBefore.toISOString()}`;
  if (info.notAfter.getTime() <= now.getTime()) return `expired on ${day(info.notAfter)}; renew it in Key Vault`;
  if (info.notAfter.getTime() - now.getTime() <= renewBeforeDays * DAY_MS) {
    return `expires on ${day(info.notAfter)}, inside the renewal window of ${renewBeforeDays} days; renew it in Key Vault, or lower renewBeforeDays`;
  }
  return undefined;
}

export interface IdentityCheck {
  readonly deviceId: string;
  readonly authentication: "selfSigned" | "certificateAuthority";
  readonly renewBeforeDays: number;
  readonly now: Date;
}

/** What every existing certificate is checked for, whatever its job: its key, and its lifetime. */
function baseProblems(
  material: CertificateMaterial,
  renewBeforeDays: number,
  now: Date,
): { info: CertificateInfo; problems: string[]; lifetimeOk: boolean } {
  const info = parseCertificate(material.certificatePem);
  const mismatch = keyMismatchProblem(material.certificatePem, material.privateKeyPem);
  const lifetime = lifetimeProblem(info, renewBeforeDays, now);
  return { info, problems: [mismatch, lifetime].filter((p): p is string => p !== undefined), lifetimeOk: lifetime === undefined };
}

/** Problems of an existing certificate used as a device identity. */
export function identityProblems(material: CertificateMaterial, check: IdentityCheck): string[] {
  const { info, problems } = baseProblems(material, check.renewBeforeDays, check.now);
  // CA authentication matches the device by the certificate's CN; thumbprints do not look at it.
  if (check.authentication === "certificateAuthority" && info.subjectCommonName !== check.deviceId) {
    problems.push(
      `has CN "${info.subjectCommonName ?? ""}", but certificateAuthority authentication needs CN = the device id "${check.deviceId}"; use a certificate issued for this device, or authentication "selfSigned"`,
    );
  }
  // The device presents it as a TLS client certificate; an EKU list without clientAuth forbids that.
  if (info.extendedKeyUsage.length > 0 && !info.extendedKeyUsage.includes(OID.clientAuth)) {
    problems.push("has an extended key usage without clientAuth, so the device could not present it to IoT Hub");
  }
  if (info.basicConstraints?.ca) problems.push("is a CA certificate; a device identity must be an end-entity certificate");
  return problems;
}

export interface CaCheck {
  readonly renewBeforeDays: number;
  readonly now: Date;
  /** Days the certificates it signs will be valid; the CA must outlive them. */
  readonly signsForDays?: number;
  /**
   * The largest pathLenConstraint the CA may carry (0 for an edge CA), or the smallest it needs:
   * a CA that signs an edge CA (itself a CA) needs pathlen absent or at least 1.
   */
  readonly pathLength: { readonly exactly: 0 } | { readonly atLeast: number };
}

/** Problems of a certificate that must act as a CA (an edge CA, or a CA that signs device certificates). */
export function caProblems(material: CertificateMaterial, check: CaCheck): string[] {
  const { info, problems, lifetimeOk } = baseProblems(material, check.renewBeforeDays, check.now);
  if (lifetimeOk && check.signsForDays !== undefined && info.notAfter.getTime() < check.now.getTime() + check.signsForDays * DAY_MS) {
    problems.push(
      `expires on ${info.notAfter.toISOString().slice(0, 10)}, before certificates it signs now for ${check.signsForDays} days would; renew the CA, or lower validityDays`,
    );
  }
  if (!info.basicConstraints?.ca) {
    problems.push("has no CA extensions (basicConstraints CA:TRUE), so nothing it signs would verify; use a CA certificate");
    return problems;
  }
  if (!info.keyUsage?.usages.has("keyCertSign")) {
    problems.push("lacks the keyCertSign key usage, so nothing it signs would verify; use a CA certificate with keyUsage keyCertSign");
  }
  const pathLength = info.basicConstraints.pathLength;
  if ("exactly" in check.pathLength) {
    if (pathLength !== undefined && pathLength !== check.pathLength.exactly) {
      problems.push(`has pathlen:${pathLength}; an edge CA signs only module certificates and must have pathlen:0`);
    }
  } else if (pathLength !== undefined && pathLength < check.pathLength.atLeast) {
    problems.push(
      `has pathlen:${pathLength}, so it cannot sign the device's edge CA (itself a CA); use a CA with pathlen of at least ${check.pathLength.atLeast}, or none`,
    );
  }
  return problems;
}

/**
 * Why an edge CA's CN cannot be used: IoT Edge refuses an edge CA whose CN equals the device id
 * or the host name, since the edge hub's server certificate is issued for the host name.
 */
export function edgeCaNameProblem(commonName: string | undefined, deviceId: string, hostName?: string): string | undefined {
  if (commonName === undefined || commonName === "") return "has no CN; an edge CA needs one that differs from the device id and host name";
  if (commonName.toLowerCase() === deviceId.toLowerCase())
    return `has CN "${commonName}", the device id; an edge CA's CN must differ from it`;
  if (hostName !== undefined && commonName.toLowerCase() === hostName.toLowerCase()) {
    return `has CN "${commonName}", the host name; an edge CA's CN must differ from it`;
  }
  return undefined;
}
