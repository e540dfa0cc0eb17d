// Turns a manifest file's modulesContent into what is sent to the hub: the stack's container
// registry credentials added to $edgeAgent's runtime settings, and every createOptions as a
// string split into 512-character parts. Pure; the input is never modified.
import { createHash } from "node:crypto";
import { splitCreateOptions } from "./createOptions";

type Json = Record<string, unknown>;

export interface RegistryCredential {
  /** `myregistry.azurecr.io`. */
  readonly address: string;
  readonly username: string;
  readonly password: string;
}

/** The key a registry's credentials go under: its login server's first label, letters and digits only. */
export function registryCredentialName(address: string): string {
  const label = address.split(".")[0].replace(/[^A-Za-z0-9]/g, "");
  return label || "registry";
}

export function renderManifest(modulesContent: Json, credentials: readonly RegistryCredential[]): Json {
  const content = structuredClone(modulesContent);
  const agent = (content.$edgeAgent as Json)["properties.desired"] as Json;
  if (credentials.length > 0) {
    const runtime = agent.runtime as Json;
    const settings = (runtime.settings ?? {}) as Json;
    settings.registryCredentials = Object.fromEntries(
      credentials.map((c) => [registryCredentialName(c.address), { username: c.username, password: c.password, address: c.address }]),
    );
    runtime.settings = settings;
  }
  const system = agent.systemModules as Record<string, Json>;
  for (const module of Object.values(system)) module.settings = splitCreateOptions(module.settings as Json);
  for (const module of Object.values((agent.modules ?? {}) as Record<string, Json>)) module.settings = splitCreateOptions(module.settings as Json);
  return content;
}

/** SHA-256 of the manifest as JSON with sorted keys: equal content, equal hash, whatever the key order. */
export function contentHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Json)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
