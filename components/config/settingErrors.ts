// Setting errors: their shape, their text, and how a zod issue becomes one. Pure.
import { z } from "zod";
import { SETTING_KEYS, azureVmHostSchema, deviceEntrySchema, existingHostSchema } from "./settings";

export interface SettingError {
  /** Path of the setting, e.g. `devices[1].host.size`. */
  readonly setting: string;
  /** Id of the device the setting belongs to, when it belongs to one. */
  readonly device?: string;
  readonly message: string;
}

export function formatSettingError(e: SettingError): string {
  return `${e.setting}${e.device !== undefined && e.device !== "" ? ` (device "${e.device}")` : ""}: ${e.message}`;
}

export class FleetSettingsError extends Error {
  constructor(readonly errors: SettingError[]) {
    super(
      `The stack settings have ${errors.length} problem${errors.length === 1 ? "" : "s"}; nothing was created:\n` +
        errors.map((e) => `  - ${formatSettingError(e)}`).join("\n"),
    );
    this.name = "FleetSettingsError";
  }
}

/** One zod issue as setting errors; unknown keys get one error each, with a near match if any. */
export function issueToErrors(issue: z.core.$ZodIssue, base: string[], device: string | undefined): SettingError[] {
  const path = formatPath([...base, ...issue.path.map(String)]);
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt([...base, ...issue.path]);
    return issue.keys.map((key) => {
      const near = known.find((k) => isNearMiss(k, key));
      return {
        setting: path ? `${path}.${key}` : key,
        device,
        message: `is not a known setting${near ? `; did you mean "${near}"?` : ""}`,
      };
    });
  }
  let message = issue.message;
  if (issue.code === "invalid_type" && /received undefined/.test(message)) message = "is required";
  return [{ setting: path || "(stack)", device, message }];
}

// Known keys for a near-miss hint: the top level and device entries are the common typo spots.
function knownKeysAt(path: PropertyKey[]): string[] {
  if (path.length === 0) return SETTING_KEYS;
  return [...Object.keys(deviceEntrySchema.shape), ...Object.keys(azureVmHostSchema.shape), ...Object.keys(existingHostSchema.shape)];
}

function isNearMiss(known: string, typed: string): boolean {
  if (known.toLowerCase() === typed.toLowerCase()) return true;
  return editDistance(known.toLowerCase(), typed.toLowerCase()) <= 2;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** `["devices[0]", "host", "size"]` or `["devices", "0", "id"]` → `devices[0].host.size`. */
function formatPath(parts: string[]): string {
  return parts.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}
