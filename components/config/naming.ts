// Azure names derived from device ids. Pure.
import { createHash } from "crypto";

/**
 * A name Azure accepts for a Linux VM, NIC, NSG or computer name (letters, digits, hyphens,
 * at most 64 characters) derived from an IoT Hub device id, which allows more characters.
 * It is also the VM's host name and config.toml's `hostname`, so it starts with a letter:
 * `iotedge check` warns about a label that does not (RFC 1035; edgeHostname.ts).
 */
export function azureNameFor(deviceId: string): string {
  const slug = deviceId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const name = slug || "device";
  return (/^[a-z]/.test(name) ? name : `e${name}`).slice(0, 54).replace(/-$/, "");
}

/**
 * The DNS label of a device's public IP: `<name>-<8 hex>`. The label must be unique in the Azure
 * region, so a hash of the stack and device id is appended; it is stable across runs.
 */
export function dnsLabelFor(deviceId: string, stackKey: string): string {
  const hash = createHash("sha256").update(`${stackKey}/${deviceId}`).digest("hex").slice(0, 8);
  const base = azureNameFor(deviceId).slice(0, 50).replace(/-$/, "");
  return `${base}-${hash}`;
}
