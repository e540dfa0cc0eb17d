// Container registry credentials in a deployment: the manifest file names each registry and keeps
// placeholders where the secrets go (`$CONTAINER_REGISTRY_PASSWORD_myacr`, `${ACR_PASSWORD}`, as
// the IoT Edge tooling writes them); the stack holds the real credentials, and the deployment fills
// each placeholder from the stack's entry with the same address when it sends the manifest. Pure.

export interface RegistryCredential {
  /** The registry's login server, `myregistry.azurecr.io`. */
  readonly address: string;
  readonly username: string;
  /** Secret. */
  readonly password: string;
}

/** One `registryCredentials` entry as the manifest file has it. */
export interface ManifestRegistry {
  readonly name: string;
  readonly address: string;
  readonly username: string;
  readonly password: string;
}

// A whole value that is one environment-style placeholder: `$NAME` or `${NAME}`.
const PLACEHOLDER = /^\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/;

export function isPlaceholder(value: unknown): boolean {
  return typeof value === "string" && PLACEHOLDER.test(value);
}

/** Login servers are host names: compared without case, scheme or trailing slash. */
export function sameRegistry(a: string, b: string): boolean {
  const key = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/^https?:\/\//, "")
      .replace(/\/+$/, "");
  return key(a) === key(b);
}

/** The `registryCredentials` entries of a manifest's `$edgeAgent` that have the shape the schema wants. */
export function manifestRegistries(modulesContent: Record<string, unknown>): ManifestRegistry[] {
  const settings = child(child(child(child(modulesContent, "$edgeAgent"), "properties.desired"), "runtime"), "settings");
  const entries = child(settings, "registryCredentials") ?? {};
  return Object.entries(entries).flatMap(([name, entry]) => {
    const e = entry as Record<string, unknown> | undefined;
    const fields = [e?.address, e?.username, e?.password];
    return fields.every((f) => typeof f === "string")
      ? [{ name, address: e!.address as string, username: e!.username as string, password: e!.password as string }]
      : [];
  });
}

/**
 * What stops the stack's registries from filling the manifest's entries, one line each: an entry
 * whose address no registry has, or whose literal user name is not the registry's.
 * `registries` lists each stack registry with the setting it comes from.
 */
export function unfilledRegistryProblems(
  modulesContent: Record<string, unknown>,
  registries: readonly { readonly setting: string; readonly address: string; readonly username: string }[],
): string[] {
  const at = 'modulesContent.$edgeAgent["properties.desired"].runtime.settings.registryCredentials';
  return manifestRegistries(modulesContent).flatMap((entry) => {
    const registry = registries.find((r) => sameRegistry(r.address, entry.address));
    if (!registry) {
      return [
        `${at}.${entry.name}: no stack registry has the address "${entry.address}" to fill its placeholders; add ` +
          `{ address: ${entry.address}, username, password } to edge:containerRegistries (the password with pulumi config set --secret)`,
      ];
    }
    if (!isPlaceholder(entry.username) && entry.username !== registry.username) {
      return [
        `${at}.${entry.name}.username "${entry.username}" is not the user name ${registry.setting}.username gives; write a placeholder or the same name`,
      ];
    }
    return [];
  });
}

/** The key an added registry's credentials go under: its login server's first label, letters and digits only. */
export function registryCredentialName(address: string): string {
  const label = address.split(".")[0].replace(/[^A-Za-z0-9]/g, "");
  return label || "registry";
}

/**
 * The `registryCredentials` to send: the manifest's entries with their placeholders filled from the
 * stack registry with the same address, and every other stack registry added. Throws when an entry
 * has no registry (validation refuses that first).
 */
export function filledRegistryCredentials(
  written: Record<string, unknown> | undefined,
  credentials: readonly RegistryCredential[],
): Record<string, { username: string; password: string; address: string }> {
  const filled: Record<string, { username: string; password: string; address: string }> = {};
  const used = new Set<RegistryCredential>();
  for (const entry of manifestRegistries({
    $edgeAgent: { "properties.desired": { runtime: { settings: { registryCredentials: written ?? {} } } } },
  })) {
    const credential = credentials.find((c) => sameRegistry(c.address, entry.address));
    if (!credential) throw new Error(`registryCredentials.${entry.name}: no stack registry has the address "${entry.address}"`);
    used.add(credential);
    filled[entry.name] = { username: credential.username, password: credential.password, address: entry.address };
  }
  for (const credential of credentials.filter((c) => !used.has(c))) {
    let name = registryCredentialName(credential.address);
    for (let i = 2; name in filled; i++) name = `${registryCredentialName(credential.address)}${i}`;
    filled[name] = { username: credential.username, password: credential.password, address: credential.address };
  }
  return filled;
}

function child(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const next = (value as Record<string, unknown>)[key];
  return typeof next === "object" && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : undefined;
}
