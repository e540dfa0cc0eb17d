// The rule `iotedge check` applies to config.toml's `hostname` (aziot-identity-service
// aziotctl/src/internal/check/checks/hostname.rs, with is_rfc_1035_valid and
// check_length_for_local_issuer from aziotctl-common/src/lib.rs). Pure: preflight, the bootstrap
// and the test hosts' runtime stand-in apply the same rule.
import { isIP } from "net";

/** The longest name the check accepts as a certificate issuer (check_length_for_local_issuer). */
export const MAX_ISSUER_NAME_LENGTH = 64;

/**
 * Why `iotedge check` would warn about `hostname` regardless of the machine, or undefined when it
 * would not. An IP address is accepted as it is (the check only sees that it is one).
 */
export function edgeHostnameProblem(hostname: string): string | undefined {
  if (isIP(hostname) !== 0) return undefined;
  if (!isRfc1035Valid(hostname)) {
    return (
      `"${hostname}" does not comply with RFC 1035: every dot-separated label must be 1-63 letters, digits or hyphens, ` +
      'start with a letter and end with a letter or digit (iotedge check warns; TLS from modules and downstream devices may fail, e.g. the C# SDK with a "_")'
    );
  }
  if (hostname.length > MAX_ISSUER_NAME_LENGTH) {
    return `"${hostname}" is ${hostname.length} characters, too long to be a certificate issuer (at most ${MAX_ISSUER_NAME_LENGTH}; iotedge check warns)`;
  }
  return undefined;
}

/**
 * Whether `iotedge check` accepts `hostname` on a machine named `machineHostname`: an IP address,
 * the machine's own name, or a fully qualified name whose first label is it (without case).
 */
export function matchesMachineHostname(hostname: string, machineHostname: string): boolean {
  if (isIP(hostname) !== 0) return true;
  const name = hostname.toLowerCase();
  const machine = machineHostname.toLowerCase();
  return name === machine || name.startsWith(`${machine}.`);
}

function isRfc1035Valid(name: string): boolean {
  if (name.length < 1 || name.length > 255) return false;
  return name.split(".").every((label) => label.length <= 63 && /^[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(label));
}
