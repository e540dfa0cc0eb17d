// Reading resource inputs as the policy SDK presents them. Pure.
// (What lies under the SDK's proxies, where a secret is still a `Secret`, is secretMarkers.ts's.)

export type Props = Record<string, unknown>;

/** A nested input by path, or undefined when any step is missing. */
export function at(props: Props, ...path: string[]): unknown {
  let current: unknown = props;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Azure compares enum-like strings ("Inbound", "Allow", "Internet") without case. */
export function sameWord(value: unknown, word: string): boolean {
  return typeof value === "string" && value.toLowerCase() === word.toLowerCase();
}

/** The strings of a single field and a list field together (`x` and `xs` in Azure's API). */
export function oneAndMany(single: unknown, many: unknown): string[] {
  const values: string[] = [];
  if (typeof single === "string" && single !== "") values.push(single);
  if (Array.isArray(many)) for (const v of many) if (typeof v === "string" && v !== "") values.push(v);
  return values;
}
