// Reading resource inputs as the policy SDK presents them. Pure.
//
// @pulumi/policy hands a policy its resource's inputs behind proxies (one that throws on a value
// unknown during preview, one that unwraps secrets). `plainTree` looks through them to the
// values underneath, where a secret is still a `Secret` (see secretMarkers.ts).

/** The SDK's own proxy keys (@pulumi/policy proxy.ts: isSpecialProxy, getSpecialProxyTarget). */
const IS_SPECIAL_PROXY = "__isSpecialProxy";
const SPECIAL_PROXY_TARGET = "__getSpecialProxyTarget";

/** The object under the SDK's proxies, unchanged otherwise. */
export function unproxied(value: unknown): unknown {
  let current = value;
  while (typeof current === "object" && current !== null && (current as Record<string, unknown>)[IS_SPECIAL_PROXY] === true) {
    current = (current as Record<string, unknown>)[SPECIAL_PROXY_TARGET];
  }
  return current;
}

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
