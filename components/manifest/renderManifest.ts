// Turns a manifest file's modulesContent into what is sent to the hub: the registry credentials
// filled in from the stack's registries (registryCredentials.ts), and every createOptions split
// into 512-character parts. Pure; the input is never modified.
import { createHash } from "node:crypto";
import { splitCreateOptions } from "./createOptions";
import { filledRegistryCredentials, type RegistryCredential } from "./registryCredentials";

type Json = Record<string, unknown>;

export function renderManifest(modulesContent: Json, credentials: readonly RegistryCredential[]): Json {
  const content = structuredClone(modulesContent);
  const agent = (content.$edgeAgent as Json)["properties.desired"] as Json;
  const runtime = agent.runtime as Json;
  const settings = (runtime.settings ?? {}) as Json;
  const written = settings.registryCredentials as Json | undefined;
  if (credentials.length > 0 || (written && Object.keys(written).length > 0)) {
    settings.registryCredentials = filledRegistryCredentials(written, credentials);
    runtime.settings = settings;
  }
  const system = agent.systemModules as Record<string, Json>;
  for (const module of Object.values(system)) module.settings = splitCreateOptions(module.settings as Json);
  for (const module of Object.values((agent.modules ?? {}) as Record<string, Json>))
    module.settings = splitCreateOptions(module.settings as Json);
  return content;
}

/** SHA-256 of the manifest as JSON with sorted keys: equal content, equal hash, whatever the key order. */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Json)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
