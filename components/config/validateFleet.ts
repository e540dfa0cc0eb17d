// Turns the raw `edge:` settings of a stack into validated FleetSettings, or into the full list
// of what is wrong. Pure apart from the manifest reader it is given.
import { z } from "zod";
import { runtimeRuleErrors } from "../bootstrap/validateBootstrap";
import { certificateRuleErrors } from "../certificates/certificateRules";
import { hubAccessProblems } from "../iotHub/hubAccess";
import { modulesContentOf } from "../manifest/modulesContent";
import { sameRegistry, unfilledRegistryProblems } from "../manifest/registryCredentials";
import { validateManifest } from "../manifest/validateManifest";
import { edgeHostnameProblem } from "./edgeHostname";
import { azureNameFor } from "./naming";
import { isWholeInternet, sourceKind, sourceRangeProblem, subnetProblem } from "./networkRules";
import { dpsRuleErrors } from "./provisioningRules";
import { SettingError, issueToErrors } from "./settingErrors";
import {
  DEFAULT_AZURE_VM,
  DeviceSettings,
  HostSettings,
  UNREADABLE_SECRET,
  azureVmHostSchema,
  certificateSchema,
  deviceEntrySchema,
  existingHostSchema,
  StackSettings,
  coreSchema,
  iotHubSchema,
  runtimeSchema,
  stackSettingsSchema,
} from "./settings";
import { stackRoleErrors } from "./stackRoleRules";

export type { SettingError } from "./settingErrors";
export { FleetSettingsError, formatSettingError } from "./settingErrors";

export type ValidationResult = { ok: true; settings: StackSettings } | { ok: false; errors: SettingError[] };

// A site takes the hub from its core stack, and a core holds no devices (stackRoleRules.ts says what else).
const siteStackSchema = stackSettingsSchema.extend({ iotHub: iotHubSchema.optional() });
const coreStackSchema = stackSettingsSchema.extend({ devices: z.array(z.unknown()).optional() });
const schemaFor = (role: unknown) => (role === "site" ? siteStackSchema : role === "core" ? coreStackSchema : stackSettingsSchema);

/** Reads a manifest file by its project-relative path; throws like fs.readFileSync. */
export type ManifestReader = (path: string) => string;

/**
 * Validates every setting and device, collecting all errors rather than stopping at the first.
 * `raw` maps `edge:` keys without the namespace (`devices`, `iotHub`, …) to their values.
 */
export function validateFleet(raw: Record<string, unknown>, readManifest: ManifestReader): ValidationResult {
  const errors: SettingError[] = [];
  const top = schemaFor(raw.stackRole).safeParse(raw);
  if (!top.success) {
    for (const issue of top.error.issues) {
      // Device entries are checked one by one below, with their ids in the message.
      if (issue.path[0] === "devices" && issue.path.length > 1) continue;
      errors.push(...issueToErrors(issue, [], undefined));
    }
  }
  // iotHub is there unless the stack is a site (schemaFor): stackRuleErrors below runs on fleets and cores only.
  const stack = top.success ? (top.data as z.infer<typeof stackSettingsSchema>) : undefined;
  const rawDevices = Array.isArray(raw.devices) ? raw.devices : [];
  const rawDefaults = (top.success ? top.data.defaults : isRecord(raw.defaults) ? raw.defaults : {}) as Record<string, unknown>;
  const allowSshFromInternet = raw.allowSshFromInternet === true;
  const registries = stackRegistries(raw);

  const devices: DeviceSettings[] = [];
  const firstIndexById = new Map<string, number>();
  const firstIndexByAzureName = new Map<string, number>();
  rawDevices.forEach((entry, index) => {
    const at = `devices[${index}]`;
    // Duplicates are checked on the ids as written, so they show even when an entry has other errors.
    const rawId = isRecord(entry) && typeof entry.id === "string" ? entry.id : undefined;
    if (rawId !== undefined) {
      const seen = firstIndexById.get(rawId);
      if (seen !== undefined) {
        errors.push({ setting: `${at}.id`, device: rawId, message: `duplicates devices[${seen}]; device ids must be unique in the hub` });
        return;
      }
      firstIndexById.set(rawId, index);
    }
    const device = validateDevice(
      entry,
      index,
      rawDefaults,
      allowSshFromInternet,
      // A site's vault is its core's, checked against the core's outputs at `pulumi up` (fleetCore.ts).
      raw.keyVault !== undefined || raw.stackRole === "site",
      registries,
      readManifest,
      errors,
    );
    if (!device) return;
    if (device.host.type === "azureVm") {
      // Also the VM's computer name and its config.toml hostname (edgeVm.ts): iotedge check's rule holds for it.
      const azureName = azureNameFor(device.id);
      const hostnameProblem = edgeHostnameProblem(azureName);
      if (hostnameProblem) errors.push({ setting: `${at}.id`, device: device.id, message: `gives the VM host name ${hostnameProblem}` });
      const clash = firstIndexByAzureName.get(azureName);
      if (clash !== undefined) {
        errors.push({
          setting: `${at}.id`,
          device: device.id,
          message: `gives the same Azure VM name "${azureName}" as devices[${clash}]; rename one of them`,
        });
        return;
      }
      firstIndexByAzureName.set(azureName, index);
    }
    devices.push(device);
  });

  if (stack) {
    const indexOf = (id: string) => rawDevices.findIndex((e) => isRecord(e) && e.id === id);
    errors.push(...stackRoleErrors(raw, stack, devices, indexOf));
    if (stack.stackRole !== "site") errors.push(...stackRuleErrors(stack, devices));
    errors.push(...dpsRuleErrors(stack, devices, (id) => firstIndexById.get(id)));
  }
  if (errors.length > 0 || !stack) return { ok: false, errors };
  const stackRegistryEntries = [
    ...(stack.containerRegistry
      ? [
          {
            address: stack.containerRegistry.loginServer,
            username: stack.containerRegistry.username,
            password: stack.containerRegistry.password,
          },
        ]
      : []),
    ...(stack.containerRegistries ?? []),
  ];
  const { allowSshFromInternet: allowSsh, proofOfConcept } = stack;
  if (stack.stackRole === "site") {
    return {
      ok: true,
      settings: {
        stackRole: "site",
        site: stack.site!,
        registries: stackRegistryEntries,
        allowSshFromInternet: allowSsh,
        proofOfConcept,
        devices,
      },
    };
  }
  const fleet = {
    location: stack.location,
    resourceGroup: stack.resourceGroup,
    iotHub: stack.iotHub,
    keyVault: stack.keyVault,
    registries: stackRegistryEntries,
    network: stack.network,
    allowSshFromInternet: allowSsh,
    proofOfConcept,
    provisioning: stack.provisioning,
    devices,
  };
  const settings: StackSettings =
    stack.stackRole === "core"
      ? { ...fleet, stackRole: "core", core: stack.core ?? coreSchema.parse({}) }
      : { ...fleet, stackRole: "fleet" };
  return { ok: true, settings };
}

function validateDevice(
  entry: unknown,
  index: number,
  defaults: Record<string, unknown>,
  allowSshFromInternet: boolean,
  hasKeyVault: boolean,
  registries: readonly StackRegistry[],
  readManifest: ManifestReader,
  errors: SettingError[],
): DeviceSettings | undefined {
  const at = [`devices[${index}]`];
  const deviceId = isRecord(entry) && typeof entry.id === "string" ? entry.id : undefined;
  const before = errors.length;
  const collect = (result: z.ZodSafeParseResult<unknown>, path: string[]) => {
    if (!result.success) for (const issue of result.error.issues) errors.push(...issueToErrors(issue, path, deviceId));
  };

  const parsedEntry = deviceEntrySchema.safeParse(entry);
  collect(parsedEntry, at);
  // Unknown keys do not stop the checks below, so one run reports every problem of the entry.
  const device = parsedEntry.success ? parsedEntry.data : usableEntry(entry);
  if (!device) return undefined;

  // Host: the device's own fields over the fleet defaults for its host type.
  const hostPath = [...at, "host"];
  const hostType = device.host.type;
  const hostDefaults = hostType === "azureVm" ? { ...DEFAULT_AZURE_VM, ...asRecord(defaults.azureVm) } : asRecord(defaults.existing);
  const mergedHost = { ...hostDefaults, ...device.host };
  const hostResult = (hostType === "azureVm" ? azureVmHostSchema : existingHostSchema).safeParse(mergedHost);
  collect(hostResult, hostPath);
  const host = hostResult.success ? (hostResult.data as HostSettings) : undefined;
  errors.push(...hostRuleErrors(mergedHost, hostPath.join("."), device.id, allowSshFromInternet));

  const certificateResult = certificateSchema.safeParse(device.certificate ?? defaults.certificate ?? { source: "generate" });
  collect(certificateResult, [...at, "certificate"]);
  if (certificateResult.success) {
    for (const e of certificateRuleErrors(certificateResult.data, hasKeyVault)) {
      errors.push({ setting: `${at}.certificate.${e.field}`, device: device.id, message: e.message });
    }
  }

  // The device's runtime as written: its parsed form carries the schema's defaults (zod's partial()
  // keeps them), which would reset every field defaults.runtime sets.
  const runtimeResult = runtimeSchema.safeParse({
    ...asRecord(defaults.runtime),
    ...asRecord(isRecord(entry) ? entry.runtime : undefined),
  });
  collect(runtimeResult, [...at, "runtime"]);
  if (runtimeResult.success) {
    for (const e of runtimeRuleErrors(runtimeResult.data))
      errors.push({ setting: `${at}.runtime.${e.field}`, device: device.id, message: e.message });
  }

  const manifestPath = device.deploymentManifest ?? (defaults.deploymentManifest as string | undefined);
  const manifest = loadManifest(manifestPath, `${at}.deploymentManifest`, device.id, registries, readManifest, errors);

  if (errors.length > before || !host || !certificateResult.success || !runtimeResult.success || !manifest) return undefined;
  return {
    id: device.id,
    host,
    certificate: certificateResult.data,
    deploymentManifest: manifestPath!,
    manifest,
    runtime: runtimeResult.data,
    decommissioned: device.decommissioned ?? false,
  };
}

/** Rules across stack-wide settings that a schema cannot say on its own. */
function stackRuleErrors(stack: z.infer<typeof stackSettingsSchema>, devices: DeviceSettings[]): SettingError[] {
  const errors: SettingError[] = [];
  const vmDevices = devices.filter((d) => d.host.type === "azureVm");
  if (!stack.resourceGroup && (stack.iotHub.create || vmDevices.length > 0)) {
    const why = stack.iotHub.create ? "the stack creates the IoT Hub" : `device "${vmDevices[0].id}" is an Azure VM`;
    errors.push({ setting: "resourceGroup", message: `is required because ${why}; set edge:resourceGroup.name` });
  }
  if (!stack.iotHub.create && stack.iotHub.auth === "connectionString" && stack.iotHub.connectionString === undefined) {
    errors.push({
      setting: "iotHub.connectionString",
      message:
        'is required for an existing hub with auth "connectionString"; set it with `pulumi config set --secret --path iotHub.connectionString`, or use auth "entraId"',
    });
  }
  const subnet = subnetProblem(stack.network.addressSpace, stack.network.subnetPrefix);
  if (subnet) errors.push({ setting: `network.${subnet.setting}`, message: subnet.message });
  // The stack registers the signing CA of certificateAuthority devices on the hub (FleetHub), which
  // is a resource in the hub's resource group: for an existing hub it must be told which.
  // Not in dps mode: DPS registers each device in the hub by its own certificate's thumbprint, so the
  // hub needs no CA (MicrosoftDocs/azure-docs #70976, #108289: group devices show as self-signed X.509).
  const caDevice =
    stack.provisioning.mode === "dps"
      ? undefined
      : devices.find((d) => d.certificate.authentication === "certificateAuthority" && d.certificate.source !== "keyVault");
  if (caDevice && !stack.iotHub.create && !stack.iotHub.resourceGroup) {
    errors.push({
      setting: "iotHub.resourceGroup",
      device: caDevice.id,
      message:
        `is required: the device uses certificateAuthority authentication with a CA the stack holds (source ${caDevice.certificate.source}), ` +
        "which the stack registers, verified, on the existing hub; set edge:iotHub.resourceGroup to the hub's resource group",
    });
  }
  // The hub's own check of its access (hubAccess.ts), where the connection string can be read:
  // preflight sees an encrypted one as present only.
  const hub = stack.iotHub;
  if (!hub.create && hub.auth === "connectionString" && hub.connectionString !== undefined && hub.connectionString !== UNREADABLE_SECRET) {
    const hubHostName = hub.hostName ?? `${hub.name}.azure-devices.net`;
    for (const problem of hubAccessProblems({ hubHostName, hubAuth: "connectionString", connectionString: hub.connectionString })) {
      errors.push({ setting: "iotHub.connectionString", message: problem });
    }
  }
  const seen: StackRegistry[] = [];
  for (const registry of stackRegistries(stack)) {
    const first = seen.find((r) => sameRegistry(r.address, registry.address));
    if (first)
      errors.push({
        setting: `${registry.setting}.${registry.setting === "containerRegistry" ? "loginServer" : "address"}`,
        message: `names the same registry as ${first.setting}; list each registry once`,
      });
    else seen.push(registry);
  }
  const vault = stack.keyVault;
  if (
    vault &&
    !vault.challengeResourceVerification &&
    !/^https:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(vault.url ?? "")
  ) {
    errors.push({
      setting: "keyVault.challengeResourceVerification",
      message: "may be false only for a local stand-in: keyVault.url must then be a loopback address (https://127.x.y.z:port)",
    });
  }
  return errors;
}

/**
 * Rules across host fields that a schema cannot say on its own. Runs on the merged host as
 * written (fields checked for type here), so these are reported even when other fields are wrong.
 */
function hostRuleErrors(host: Record<string, unknown>, at: string, device: string, allowSshFromInternet: boolean): SettingError[] {
  const errors: SettingError[] = [];
  const add = (setting: string, message: string) => errors.push({ setting: `${at}.${setting}`, device, message });
  const text = (key: string) => (typeof host[key] === "string" ? (host[key] as string) : undefined);
  if (host.type === "existing") {
    const privateKey = text("privateKey");
    if (privateKey && privateKey !== UNREADABLE_SECRET && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
      add("privateKey", "is not a PEM or OpenSSH private key (-----BEGIN … PRIVATE KEY-----)");
    }
    const hostKey = text("hostKey");
    if (hostKey !== undefined && !/^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+/.test(hostKey)) {
      add("hostKey", 'must be a public host key as in known_hosts, e.g. "ssh-ed25519 AAAA…"');
    }
    const edgeHostname = text("edgeHostname");
    const hostnameProblem = edgeHostname === undefined ? undefined : edgeHostnameProblem(edgeHostname);
    if (hostnameProblem) {
      add("edgeHostname", `${hostnameProblem}; use the host's own name, a fully qualified name that starts with it, or its IP address`);
    }
    return errors;
  }
  const ranges = Array.isArray(host.sshSourceRanges) ? host.sshSourceRanges.filter((r): r is string => typeof r === "string") : [];
  ranges.forEach((range, i) => {
    const problem = sourceRangeProblem(range);
    if (problem) add(`sshSourceRanges[${i}]`, problem);
    // The VM gets an IPv4 public IP and NIC only: an IPv6 source could never reach it.
    else if (sourceKind(range) === "ipv6") {
      add(`sshSourceRanges[${i}]`, `"${range}" is an IPv6 range, but the VM has only IPv4 addresses (public IP and NIC); list IPv4 ranges`);
    }
    // SSH open to the internet is the most common way edge VMs get compromised.
    else if (isWholeInternet(range) && !allowSshFromInternet) {
      add(
        `sshSourceRanges[${i}]`,
        `"${range}" opens SSH to the whole internet; list your own ranges, or set edge:allowSshFromInternet to true to allow it on purpose`,
      );
    }
  });
  if (host.publicIp !== false && Array.isArray(host.sshSourceRanges) && host.sshSourceRanges.length === 0) {
    add(
      "sshSourceRanges",
      "is empty, so nothing could reach SSH on the public IP to bootstrap the device; list the ranges Pulumi runs from, or set publicIp to false and run from inside the network",
    );
  }
  const publicKey = text("sshPublicKey");
  const privateKey = text("sshPrivateKey");
  if (publicKey !== undefined) {
    // Azure accepts only RSA keys for Linux VMs.
    if (publicKey !== UNREADABLE_SECRET && !/^ssh-rsa [A-Za-z0-9+/=]+/.test(publicKey)) {
      add("sshPublicKey", 'must be an OpenSSH RSA public key ("ssh-rsa AAAA…"); Azure refuses other key types for VMs');
    }
    if (privateKey === undefined)
      add("sshPrivateKey", "is required with sshPublicKey: the bootstrap logs in with it (or drop both to generate a key)");
  } else if (privateKey !== undefined) {
    add("sshPublicKey", "is required with sshPrivateKey (or drop both to generate a key)");
  }
  return errors;
}

/** An entry with an id and a known host type, so its other settings can still be checked. */
function usableEntry(entry: unknown): z.infer<typeof deviceEntrySchema> | undefined {
  if (!isRecord(entry) || typeof entry.id !== "string") return undefined;
  const host = entry.host;
  if (!isRecord(host) || (host.type !== "azureVm" && host.type !== "existing")) return undefined;
  return entry as z.infer<typeof deviceEntrySchema>;
}

/** A registry of the stack as written, with the setting it comes from (for messages). */
interface StackRegistry {
  readonly setting: string;
  readonly address: string;
  readonly username: string;
}

/** containerRegistry and each containerRegistries entry that has an address, as written. */
function stackRegistries(raw: Record<string, unknown>): StackRegistry[] {
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const single = isRecord(raw.containerRegistry)
    ? [{ setting: "containerRegistry", address: text(raw.containerRegistry.loginServer), username: text(raw.containerRegistry.username) }]
    : [];
  const list = Array.isArray(raw.containerRegistries) ? raw.containerRegistries : [];
  const entries = list.map((e, i) => ({
    setting: `containerRegistries[${i}]`,
    address: text(isRecord(e) ? e.address : undefined),
    username: text(isRecord(e) ? e.username : undefined),
  }));
  return [...single, ...entries].filter((r) => r.address.trim() !== "");
}

function loadManifest(
  path: string | undefined,
  setting: string,
  device: string,
  registries: readonly StackRegistry[],
  readManifest: ManifestReader,
  errors: SettingError[],
): Record<string, unknown> | undefined {
  if (path === undefined || path.trim() === "") {
    errors.push({ setting, device, message: "is required: set it on the device or in edge:defaults.deploymentManifest" });
    return undefined;
  }
  let text: string;
  try {
    text = readManifest(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    errors.push({
      setting,
      device,
      message: code === "ENOENT" ? `file "${path}" does not exist` : `file "${path}" cannot be read: ${(err as Error).message}`,
    });
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    errors.push({ setting, device, message: `file "${path}" is not valid JSON: ${(err as Error).message}` });
    return undefined;
  }
  // The same check the deployment runs before it sends the manifest, and whether the stack's
  // registries fill every registryCredentials entry: one error per problem.
  const content = modulesContentOf(parsed);
  const problems = [...validateManifest(parsed), ...(content ? unfilledRegistryProblems(content, registries) : [])];
  for (const problem of problems) errors.push({ setting, device, message: `file "${path}": ${problem}` });
  return problems.length > 0 ? undefined : content;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}
