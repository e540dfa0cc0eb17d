// A lab stack's config: read from Pulumi.lab.yaml (what the lab must start), written for the tests
// and the benchmark (N devices on given addresses), and the values the lab sets in its copy.
import * as YAML from "yaml";
import type { LabDevice, LabEndpoints } from "./labServices";

export interface LabPlan {
  readonly hubAddress: string;
  readonly vaultAddress: string;
  readonly devices: LabDevice[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON (the service's record; a stack file), read field by field
type Json = Record<string, any>;

/** What the lab must start for a stack file: the hub and vault addresses, each device's host and certificates. */
export function labPlanOf(stackYaml: string): LabPlan {
  const config = ((YAML.parse(stackYaml) ?? {}) as Json).config ?? {};
  const hub = config["edge:iotHub"] ?? {};
  const vault = config["edge:keyVault"] ?? {};
  const defaults = config["edge:defaults"] ?? {};
  const problems: string[] = [];
  if (!hub.hostName) problems.push("edge:iotHub.hostName must be the hub stand-in's loopback address");
  const vaultHost = typeof vault.url === "string" ? new URL(vault.url).hostname : "";
  if (!vaultHost) problems.push("edge:keyVault.url must be https://<the vault stand-in's loopback address>");
  const devices = ((config["edge:devices"] ?? []) as Json[]).map((d, i): LabDevice => {
    const cert = d.certificate ?? defaults.certificate ?? {};
    if (d.host?.type !== "existing") problems.push(`edge:devices[${i}] must be an existing host (the lab's test hosts)`);
    if (cert.source !== "keyVault" || !cert.certificateName || !cert.edgeCaCertificateName) {
      problems.push(
        `edge:devices[${i}].certificate must be source keyVault with certificateName and edgeCaCertificateName (the lab seeds both)`,
      );
    }
    return {
      id: d.id,
      address: d.host?.address,
      port: d.host?.port ?? defaults.existing?.port ?? 22,
      certificateName: cert.certificateName,
      edgeCaCertificateName: cert.edgeCaCertificateName,
      ...(cert.authentication === "certificateAuthority" ? { authentication: "certificateAuthority" as const } : {}),
    };
  });
  for (const addr of [hub.hostName, vaultHost, ...devices.map((d) => d.address)]) {
    if (addr && !/^127\.\d+\.\d+\.\d+$/.test(addr)) problems.push(`${addr} is not a loopback address: the lab listens on 127.0.0.0/8 only`);
  }
  if (devices.length === 0) problems.push("edge:devices lists no device");
  if (problems.length > 0) throw new Error(`the lab stack file cannot be run:\n  - ${problems.join("\n  - ")}`);
  return { hubAddress: hub.hostName, vaultAddress: vaultHost, devices };
}

export interface GeneratedLabOptions {
  readonly hubAddress: string;
  readonly vaultAddress: string;
  readonly devices: readonly LabDevice[];
  /** Manifest path per device id (default manifests/simulated-temperature.json). */
  readonly manifests?: Record<string, string>;
  readonly readinessTimeoutSeconds?: number;
}

/** A lab stack file for these devices (tests, benchmark). */
export function labStackYaml(o: GeneratedLabOptions): string {
  return YAML.stringify({ config: { ...labCoreConfig(o), ...labDevicesConfig(o) } });
}

/** A fleet-core lab stack (stackRole core): the hub and vault stand-ins, and nothing in Azure (the lab has no azure-native). */
export function labCoreStackYaml(o: Omit<GeneratedLabOptions, "devices" | "manifests">): string {
  return YAML.stringify({ config: { "edge:stackRole": "core", ...labCoreConfig(o), "edge:core": { network: false } } });
}

/** A site lab stack (stackRole site) of these devices, reading the core stack `coreStack` (organization/<project>/<stack>). */
export function labSiteStackYaml(o: Omit<GeneratedLabOptions, "hubAddress" | "vaultAddress"> & { readonly coreStack: string }): string {
  return YAML.stringify({ config: { "edge:stackRole": "site", "edge:site": { coreStack: o.coreStack }, ...labDevicesConfig(o) } });
}

function labCoreConfig(o: Pick<GeneratedLabOptions, "hubAddress" | "vaultAddress" | "readinessTimeoutSeconds">) {
  return {
    "edge:iotHub": {
      name: "lab-hub",
      hostName: o.hubAddress,
      auth: "connectionString",
      readinessTimeoutSeconds: o.readinessTimeoutSeconds ?? 120,
    },
    "edge:keyVault": { name: "lab-vault", url: `https://${o.vaultAddress}`, challengeResourceVerification: false },
  };
}

function labDevicesConfig(o: Pick<GeneratedLabOptions, "devices" | "manifests">) {
  return {
    "edge:defaults": { existing: { port: 2222, user: "root" }, deploymentManifest: "manifests/simulated-temperature.json" },
    "edge:devices": o.devices.map((d) => ({
      id: d.id,
      host: { type: "existing", address: d.address, port: d.port },
      certificate: {
        source: "keyVault",
        certificateName: d.certificateName,
        edgeCaCertificateName: d.edgeCaCertificateName,
        renewBeforeDays: 7,
        ...(d.authentication ? { authentication: d.authentication } : {}),
      },
      ...(o.manifests?.[d.id] ? { deploymentManifest: o.manifests[d.id] } : {}),
    })),
  };
}

/** The values the lab sets in its config copy: endpoints in plain text, keys and the connection string as secrets. */
export function labConfigValues(
  plan: LabPlan,
  endpoints: LabEndpoints,
  read: (file: string) => string,
): { plain: Record<string, string>; secrets: Record<string, string> } {
  const plain: Record<string, string> = { "edge:keyVault.url": endpoints.vaultUrl };
  const secrets: Record<string, string> = { "edge:iotHub.connectionString": read(endpoints.connectionStringFile) };
  plan.devices.forEach((d, i) => {
    const host = endpoints.hosts[d.id];
    if (!host) throw new Error(`the lab has no host for device ${d.id}`);
    plain[`edge:devices[${i}].host.hostKey`] = host.hostKey;
    secrets[`edge:devices[${i}].host.privateKey`] = read(host.privateKeyFile);
  });
  return { plain, secrets };
}

/** labConfigValues split for a core (hub and vault) and a site (its devices' hosts). */
export function splitLabConfigValues(values: { plain: Record<string, string>; secrets: Record<string, string> }) {
  const part = (devices: boolean) => {
    const keep = (entries: Record<string, string>) =>
      Object.fromEntries(Object.entries(entries).filter(([k]) => k.startsWith("edge:devices[") === devices));
    return { plain: keep(values.plain), secrets: keep(values.secrets) };
  };
  return { core: part(false), site: part(true) };
}
