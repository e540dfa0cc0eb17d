// Azure names derived from device ids. Pure.
import { createHash } from "crypto";

/**
 * A name Azure accepts for a Linux VM, NIC, NSG or computer name (letters, digits, hyphens,
 * at most 64 characters) derived from an IoT Hub device id, which allows more characters.
 */
export function azureNameFor(deviceId: string): string {
  const slug = deviceId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  return (slug || "device").slice(0, 54).replace(/-$/, "");
}

/**
 * The DNS label of a device's public IP: `<name>-<8 hex>`. The label must be unique in the Azure
 * region, so a hash of the stack and device id is appended; it is stable across runs.
 */
export function dnsLabelFor(deviceId: string, stackKey: string): string {
  const hash = createHash("sha256").update(`${stackKey}/${deviceId}`).digest("hex").slice(0, 8);
  let base = azureNameFor(deviceId).slice(0, 50).replace(/-$/, "");
  if (!/^[a-z]/.test(base)) base = `e${base}`.slice(0, 50);
  return `${base}-${hash}`;
}
