// Small helpers the IoT Hub dynamic providers share for reading their inputs. Pure.

/** What the engine sends for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when any value, at any depth, is not known yet. */
export function anyUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(anyUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(anyUnknown);
  return false;
}

/** Host names compare without case. */
export function sameHost(a: unknown, b: unknown): boolean {
  return typeof a === "string" && typeof b === "string" ? a.toLowerCase() === b.toLowerCase() : a === b;
}
