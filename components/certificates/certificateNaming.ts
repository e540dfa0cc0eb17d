// Names of certificates derived from device ids. Pure.
import { createHash } from "crypto";

const shortHash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 8);

/**
 * A Key Vault certificate name for a device's identity: `<prefix>-<device id>`, where Key Vault
 * allows only letters, digits and hyphens (at most 127). Device ids may hold more characters, so
 * an id that had to be changed or shortened gets a hash of the original appended: "dev.1" and "dev_1" differ.
 */
export function keyVaultCertificateName(deviceId: string, prefix = "edge"): string {
  const slug = deviceId
    .replace(/[^A-Za-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const full = `${prefix}-${slug || "device"}`;
  const base = full.slice(0, 118).replace(/-$/, "");
  return slug === deviceId && base === full ? base : `${base}-${shortHash(deviceId)}`;
}

/**
 * The CN of a device's generated edge CA. It must differ from the device id and the host name
 * (IoT Edge issues the edge hub's server certificate for the host name under this CA), and a CN
 * holds at most 64 characters (RFC 5280 ub-common-name).
 */
export function edgeCaCommonName(deviceId: string): string {
  return `${deviceId.slice(0, 56)}.edge-ca`;
}
