// How much of a stack's state each device takes: the resources named for it (the device component
// and everything under its name), as JSON, from a checkpoint's or an export's resource list. Pure.
import { deviceOf } from "./upEvents";

export interface StateResource {
  readonly urn: string;
}

/** Bytes (UTF-8, compact JSON) of each device's resources, by device id. */
export function deviceStateBytes(resources: readonly StateResource[], ids: readonly string[], prefix = "fleet-"): Record<string, number> {
  const bytes: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
  for (const r of resources) {
    const id = deviceOf(r.urn, ids, prefix);
    if (id !== undefined) bytes[id] += Buffer.byteLength(JSON.stringify(r));
  }
  return bytes;
}
