// A lab stack's config: read from Pulumi.lab.yaml or Pulumi.lab-dps.yaml (what the lab must start),
// written for the tests and the benchmark (N devices on given addresses), and the values the lab sets
// in its copy.
import * as YAML from "yaml";
import type { LabDevice, LabEndpoints } from "./labServices";

export interface LabPlan {
  readonly hubAddress: string;
  readonly vaultAddress: string;
  readonly devices: LabDevice[];
  /** `provisioning.mode: dps`: the DPS stand-in's address (its service host and the devices' global endpoint) and id scope. */
  readonly dps?: LabDps;
}

export interface LabDps {
  readonly address: string;
  readonly idScope: string;
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
  const dps = dpsPlanOf(config["edge:provisioning"] ?? {}, devices, problems);
  for (const addr of [hub.hostName, vaultHost, dps?.address, ...devices.map((d) => d.address)]) {
    if (addr && !/^127\.\d+\.\d+\.\d+$/.test(addr)) problems.push(`${addr} is not a loopback address: the lab listens on 127.0.0.0/8 only`);
  }
  if (devices.length === 0) problems.push("edge:devices lists no device");
  if (problems.length > 0) throw new Error(`the lab stack file cannot be run:\n  - ${problems.join("\n  - ")}`);
  return { hubAddress: hub.hostName, vaultAddress: vaultHost, devices, ...(dps ? { dps } : {}) };
}

/**
 * `provisioning.mode: dps` in the lab: one DPS stand-in serves both the service API (`dps.hostName`)
 * and device registration (`dps.globalEndpoint`), as the hub stand-in's address is the hub's host
 * name; it is started with the stack's `dps.idScope`. Its devices are signed by the lab's fleet CA.
 */
function dpsPlanOf(provisioning: Json, devices: readonly LabDevice[], problems: string[]): LabDps | undefined {
  if (provisioning.mode !== "dps") return undefined;
  const dps = provisioning.dps ?? {};
  if (!dps.hostName) problems.push("edge:provisioning.dps.hostName must be the DPS stand-in's loopback address");
  else if (String(dps.globalEndpoint ?? "").replace(/\/$/, "") !== `https://${dps.hostName}`) {
    problems.push(`edge:provisioning.dps.globalEndpoint must be https://${dps.hostName}/: devices register at the same stand-in`);
  }
  if (!dps.idScope) problems.push("edge:provisioning.dps.idScope must be set: the lab starts the DPS stand-in with it");
  devices.forEach((d, i) => {
    if (d.authentication !== "certificateAuthority") {
      problems.push(`edge:devices[${i}].certificate.authentication must be certificateAuthority: the lab's fleet CA signs DPS devices`);
    }
  });
  return { address: dps.hostName, idScope: dps.idScope };
}

export interface GeneratedLabOptions {
  readonly hubAddress: string;
  readonly vaultAddress: string;
  readonly devices: readonly LabDevice[];
  /** Manifest path per device id (default manifests/simulated-temperature.json). */
  readonly manifests?: Record<string, string>;
  readonly readinessTimeoutSeconds?: number;
  /** A `provisioning.mode: dps` stack through the DPS stand-in at this address (devices must be certificateAuthority). */
  readonly dps?: LabDps & { readonly tags?: Record<string, string> };
  /** The fleet's manifest (default manifests/simulated-temperature.json). */
  readonly manifest?: string;
}

/** A lab stack file for these devices (tests, benchmark). */
export function labStackYaml(o: GeneratedLabOptions): string {
  return YAML.stringify({ config: { ...labCoreConfig(o), ...labDpsConfig(o), ...labDevicesConfig(o) } });
}

/** provisioning.mode dps through the lab's DPS stand-in, when the lab runs one. */
function labDpsConfig(o: Pick<GeneratedLabOptions, "dps">) {
  if (!o.dps) return {};
  const { address, idScope, tags } = o.dps;
  return {
    "edge:provisioning": {
      mode: "dps",
      dps: { name: "lab-dps", hostName: address, globalEndpoint: `https://${address}/`, idScope },
      ...(tags ? { tags } : {}),
    },
  };
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

function labDevicesConfig(o: Pick<GeneratedLabOptions, "devices" | "manifests" | "manifest">) {
  return {
    "edge:defaults": { existing: { port: 2222, user: "root" }, deploymentManifest: o.manifest ?? "manifests/simulated-temperature.json" },
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
  if (plan.dps) {
    if (!endpoints.dps) throw new Error("the running lab services have no DPS stand-in; run `npm run lab:down` first");
    secrets["edge:provisioning.dps.connectionString"] = read(endpoints.dps.connectionStringFile);
  }
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
