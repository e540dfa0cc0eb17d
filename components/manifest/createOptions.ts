// A module's `createOptions`: a JSON string that the hub takes in parts of at most 512
// characters — `createOptions`, then `createOptions01` … `createOptions07`. Pure.

export const CREATE_OPTIONS_PART = 512;
export const CREATE_OPTIONS_PARTS = 8;
export const MAX_CREATE_OPTIONS_LENGTH = CREATE_OPTIONS_PART * CREATE_OPTIONS_PARTS;

export const PART_KEY = /^createOptions(0[1-7])?$/;

function partKey(index: number): string {
  return index === 0 ? "createOptions" : `createOptions${String(index).padStart(2, "0")}`;
}

/**
 * The whole createOptions of a module's settings: the string joined from its parts, or what the
 * file has when it is not a string (validateManifest refuses that). `undefined` when there is none.
 */
export function joinCreateOptions(settings: Record<string, unknown>): unknown {
  const first = settings.createOptions;
  if (typeof first !== "string") return first;
  let joined = first;
  for (let i = 1; i < CREATE_OPTIONS_PARTS; i++) {
    const part = settings[partKey(i)];
    if (typeof part !== "string") break;
    joined += part;
  }
  return joined;
}

/** The settings with createOptions as the hub wants it: a string, split into parts of 512. */
export function splitCreateOptions(settings: Record<string, unknown>): Record<string, unknown> {
  const whole = joinCreateOptions(settings);
  const rest = Object.fromEntries(Object.entries(settings).filter(([k]) => !PART_KEY.test(k)));
  if (whole === undefined) return rest;
  if (typeof whole !== "string") throw new Error("createOptions must be a string holding JSON");
  if (whole.length > MAX_CREATE_OPTIONS_LENGTH)
    throw new Error(`createOptions is ${whole.length} characters; at most ${MAX_CREATE_OPTIONS_LENGTH} fit`);
  const parts: Record<string, string> = {};
  for (let i = 0; i * CREATE_OPTIONS_PART < whole.length; i++)
    parts[partKey(i)] = whole.slice(i * CREATE_OPTIONS_PART, (i + 1) * CREATE_OPTIONS_PART);
  return { ...rest, ...parts };
}
