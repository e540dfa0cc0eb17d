// The SharedAccessSignature check IoT Hub and DPS share: `sr=<host>&sig=<b64 HMAC-SHA256(key,
// sr + "\n" + se)>&se=<epoch>&skn=<policy>` (learn.microsoft.com "Control access to IoT Hub with SAS
// tokens" and "Control access to the DPS with SAS tokens"). Pure; each stand-in wraps the reason in its own error.
import { createHmac } from "node:crypto";

export interface SasAuthority {
  readonly hostName: string;
  readonly policyName: string;
  /** The policy's key, base64. */
  readonly sharedAccessKey: string;
  /** How the reasons name the service ("this hub", "this DPS"). */
  readonly serviceName: string;
}

/** Why the `SharedAccessSignature …` header is refused, or undefined when it is accepted. */
export function sasTokenProblem(header: string, authority: SasAuthority): string | undefined {
  const fields = new Map<string, string>();
  for (const pair of header.slice("SharedAccessSignature ".length).split("&")) {
    const at = pair.indexOf("=");
    fields.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const [sr, sig, se, skn] = ["sr", "sig", "se", "skn"].map((k) => fields.get(k));
  if (!sr || !sig || !se) return "the token lacks sr, sig or se";
  if (decodeURIComponent(sr).toLowerCase().split("/")[0] !== authority.hostName.toLowerCase())
    return `token audience ${sr} is not ${authority.serviceName}`;
  if (decodeURIComponent(skn ?? "") !== authority.policyName) return `unknown policy ${skn ?? "(none)"}`;
  if (!/^\d+$/.test(se) || Number(se) * 1000 <= Date.now()) return "the token has expired";
  const expected = createHmac("sha256", Buffer.from(authority.sharedAccessKey, "base64")).update(`${sr}\n${se}`).digest("base64");
  if (decodeURIComponent(sig) !== expected) return "the token signature does not match";
  return undefined;
}
