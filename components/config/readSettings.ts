// Where the raw `edge:` settings come from: the running Pulumi program, or the YAML files
// preflight reads offline. Both feed the same validateFleet.
import type * as Yaml from "yaml";
import { UNREADABLE_SECRET } from "./settings";

export const CONFIG_NAMESPACE = "edge";

/**
 * From Pulumi's flat config map (`edge:devices` → JSON text), as `pulumi.runtime.allConfig()`
 * gives it, with secrets already decrypted. Keys of other namespaces are ignored.
 */
export function settingsFromConfigMap(all: Record<string, string>, namespace = CONFIG_NAMESPACE): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    const key = withoutNamespace(fullKey, namespace);
    if (key !== undefined) raw[key] = parseConfigText(text);
  }
  return raw;
}

/**
 * From `Pulumi.yaml` (project-level defaults) and `Pulumi.<stack>.yaml`, without the CLI.
 * `secure:` values cannot be decrypted here: they become UNREADABLE_SECRET, present but unread.
 */
export function settingsFromStackFiles(projectYaml: string, stackYaml: string, namespace = CONFIG_NAMESPACE): Record<string, unknown> {
  // Loaded here: the running program reads its settings from the CLI, not from YAML files.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require("yaml") as typeof Yaml;
  const project = (YAML.parse(projectYaml) ?? {}) as { config?: Record<string, unknown> };
  const stack = (YAML.parse(stackYaml) ?? {}) as { config?: Record<string, unknown> };
  const raw: Record<string, unknown> = {};
  for (const [fullKey, declaration] of Object.entries(project.config ?? {})) {
    // Project config keys may omit the namespace; a declaration is `{type, default}` or a bare value.
    const key = withoutNamespace(fullKey.includes(":") ? fullKey : `${namespace}:${fullKey}`, namespace);
    if (key === undefined) continue;
    const value = isDeclaration(declaration) ? (declaration.default ?? declaration.value) : declaration;
    if (value !== undefined) raw[key] = replaceSecureValues(value);
  }
  for (const [fullKey, value] of Object.entries(stack.config ?? {})) {
    const key = withoutNamespace(fullKey, namespace);
    if (key !== undefined) raw[key] = replaceSecureValues(value);
  }
  return raw;
}

function withoutNamespace(fullKey: string, namespace: string): string | undefined {
  const prefix = `${namespace}:`;
  return fullKey.startsWith(prefix) ? fullKey.slice(prefix.length) : undefined;
}

/** Structured and boolean values arrive as JSON text; plain strings stay strings. */
function parseConfigText(text: string): unknown {
  const trimmed = text.trim();
  if (/^[[{]/.test(trimmed) || trimmed === "true" || trimmed === "false" || /^-?\d+(\.\d+)?$/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return text;
    }
  }
  return text;
}

function isDeclaration(value: unknown): value is { default?: unknown; value?: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    ("type" in value || "default" in value || "description" in value || "value" in value)
  );
}

function replaceSecureValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(replaceSecureValues);
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0][0] === "secure") return UNREADABLE_SECRET;
    return Object.fromEntries(entries.map(([k, v]) => [k, replaceSecureValues(v)]));
  }
  return value;
}
