// Structural checks of a deployment manifest that preflight can run offline. Pure.
// The deployment resource runs the full schema check before it sends anything.

/** The `modulesContent` of a manifest file: files may wrap it in `{ "modulesContent": … }` or not. */
export function modulesContentOf(manifest: unknown): Record<string, unknown> | undefined {
  if (!isObject(manifest)) return undefined;
  const content = "modulesContent" in manifest ? manifest.modulesContent : manifest;
  return isObject(content) ? content : undefined;
}

/** What is wrong with a manifest's shape, one line each; empty when it has the required sections. */
export function manifestProblems(manifest: unknown): string[] {
  const content = modulesContentOf(manifest);
  if (!content) return ["must be a JSON object with a modulesContent object"];
  const problems: string[] = [];
  for (const section of ["$edgeAgent", "$edgeHub"]) {
    const desired = (content[section] as { ["properties.desired"]?: unknown } | undefined)?.["properties.desired"];
    if (!isObject(desired)) problems.push(`modulesContent.${section}["properties.desired"] is missing`);
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
