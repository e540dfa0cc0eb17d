// The rules IoT Hub puts on a module twin's desired properties, which a module's section of a
// deployment becomes, and on any twin's keys (tags' too). Pure. Source:
// learn.microsoft.com/azure/iot-hub/iot-hub-devguide-module-twins § "Tags and properties format"
// and § "Module twin size" (MicrosoftDocs/azure-docs articles/iot-hub/iot-hub-devguide-module-twins.md;
// iot-hub-devguide-device-twins.md says the same of device twins' tags and properties).

/** Keys: at most 1 KB of UTF-8. */
const MAX_KEY_BYTES = 1024;
/** String values: at most 4 KB of UTF-8. */
const MAX_STRING_BYTES = 4 * 1024;
/** Objects nest at most 10 deep. */
const MAX_DEPTH = 10;
/** Integers from -4503599627370496 to 4503599627370495. */
const MIN_INTEGER = -4503599627370496;
const MAX_INTEGER = 4503599627370495;
/** A module twin's desired properties may hold at most 32 KB. */
export const MAX_DESIRED_BYTES = 32 * 1024;

// Keys may not hold '.', '$', a space, or a control character (C0, C1).
// eslint-disable-next-line no-control-regex -- control characters are what the rule refuses
const BAD_KEY_CHARACTER = /[.$ \u0000-\u001f\u007f-\u009f]/;

/** How a twin key (a property's or a tag's name) breaks IoT Hub's rule for keys. */
export type TwinKeyBreak =
  | { readonly kind: "empty" }
  | { readonly kind: "character"; readonly character: string }
  | { readonly kind: "length"; readonly maxBytes: number };

/** The first break of the key rule in `key` (empty, a forbidden character, over 1 KB), or none. */
export function twinKeyBreak(key: string): TwinKeyBreak | undefined {
  if (key === "") return { kind: "empty" };
  const bad = BAD_KEY_CHARACTER.exec(key);
  if (bad) return { kind: "character", character: bad[0] };
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) return { kind: "length", maxBytes: MAX_KEY_BYTES };
  return undefined;
}

/** Every break of those rules in one module's desired properties, with its path under `at`. */
export function twinPropertyProblems(desired: Record<string, unknown>, at: string): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, path: string, depth: number) => {
    if (typeof value === "string" && Buffer.byteLength(value, "utf8") > MAX_STRING_BYTES) {
      problems.push(
        `${path} is a string of ${Buffer.byteLength(value, "utf8")} bytes; a twin property value may hold at most ${MAX_STRING_BYTES}`,
      );
    } else if (typeof value === "number" && Number.isInteger(value) && (value < MIN_INTEGER || value > MAX_INTEGER)) {
      problems.push(`${path} is ${value}; a twin property integer must lie between ${MIN_INTEGER} and ${MAX_INTEGER}`);
    }
    if (typeof value !== "object" || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`, depth));
      return;
    }
    if (depth > MAX_DEPTH) {
      problems.push(`${path} nests objects ${depth} deep; a twin's desired properties may nest at most ${MAX_DEPTH}`);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const keyPath = `${path}.${key}`;
      const broken = twinKeyBreak(key);
      if (broken?.kind === "empty") problems.push(`${path} has an empty key; a twin property needs a name`);
      else if (broken?.kind === "character")
        problems.push(
          `${keyPath}: a twin property name may not contain ${describe(broken.character)} (IoT Hub forbids '.', '$', spaces and control characters in twin keys); rename it`,
        );
      else if (broken?.kind === "length") problems.push(`${keyPath}: a twin property name may hold at most ${broken.maxBytes} bytes`);
      walk(child, keyPath, depth + 1);
    }
  };
  walk(desired, at, 0);
  return problems;
}

/** The 32 KB limit, which holds for every module twin, $edgeAgent's and $edgeHub's too. */
export function desiredSizeProblem(desired: unknown, at: string): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(desired ?? {}), "utf8");
  return bytes > MAX_DESIRED_BYTES
    ? `${at} is ${bytes} bytes; a module twin's desired properties may hold at most ${MAX_DESIRED_BYTES}`
    : undefined;
}

function describe(character: string): string {
  if (character === " ") return "a space";
  if (character === "." || character === "$") return `'${character}'`;
  return `the control character U+${character.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`;
}
