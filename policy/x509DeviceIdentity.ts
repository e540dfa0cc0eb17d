// Device identities authenticate with X.509, never with symmetric keys (SAS).
//
// The IoT Hub device identity is a dynamic resource (components/iotHub/iotHubDevice.ts), whose
// type is `pulumi-nodejs:dynamic/iotHub:IotHubDevice`; any dynamic resource is recognised by its
// inputs (`deviceId` with `authType`), so a renamed or new identity resource is checked too.
import type { Props } from "./inputs";
import { mandatoryPolicy } from "./mandatoryPolicy";

export const DEVICE_TYPE = "pulumi-nodejs:dynamic/iotHub:IotHubDevice";
const X509_TYPES = ["selfSigned", "certificateAuthority"];
/** Input names that would carry a symmetric key into a device identity. */
const KEY_FIELDS = ["symmetricKey", "primaryKey", "secondaryKey"];

export function isDeviceIdentity(type: string, props: Props): boolean {
  if (type === DEVICE_TYPE) return true;
  return type.startsWith("pulumi-nodejs:dynamic") && "deviceId" in props && "authType" in props;
}

/** Every authentication problem of a resource. Pure. */
export function x509IdentityProblems(type: string, props: Props): string[] {
  if (!isDeviceIdentity(type, props)) return [];
  const problems: string[] = [];
  const device = JSON.stringify(props.deviceId ?? "");
  if (typeof props.authType !== "string" || !X509_TYPES.includes(props.authType)) {
    problems.push(
      `device ${device}: authType is ${JSON.stringify(props.authType)}; device identities must use X.509 ("selfSigned" or "certificateAuthority"), never symmetric keys.`,
    );
  }
  for (const field of KEY_FIELDS) {
    if (props[field] !== undefined && props[field] !== null)
      problems.push(`device ${device}: ${field} is set; device identities must not carry symmetric keys.`);
  }
  return problems;
}

export const x509DeviceIdentity = mandatoryPolicy(
  "x509-device-identity",
  "IoT Hub device identities must authenticate with X.509 (selfSigned or certificateAuthority), never symmetric keys.",
  (args) => x509IdentityProblems(args.type, args.props),
);
