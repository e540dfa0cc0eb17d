// Where a manifest file keeps its modules' desired properties. Pure.

/** The `modulesContent` of a manifest file: files may wrap it in `{ "modulesContent": … }` or not. */
export function modulesContentOf(manifest: unknown): Record<string, unknown> | undefined {
  if (!isObject(manifest)) return undefined;
  const content = "modulesContent" in manifest ? manifest.modulesContent : manifest;
  return isObject(content) ? content : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
