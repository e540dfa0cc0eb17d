// The rules a `dps` stack must meet before anything is created: the DPS's own name and id scope,
// device ids that can be DPS registration ids, and twin tags the enrollment group can set and the
// at-scale deployment can target. Pure; validateFleet runs them.

import { provisioningAccessProblems } from "../dps/provisioningAccess";
import { tagProblem } from "../iotHub/atScaleDeployment.rules";
import { twinKeyBreak } from "../manifest/twinProperties";
import type { SettingError } from "./settingErrors";
import { type DeviceSettings, type ParsedStackSettings, UNREADABLE_SECRET } from "./settings";

/** Twin tags the stack sets on every device it provisions through DPS; a stack's own tags may not reuse them. */
export const FLEET_TAG = "edgeFleet";
export const STACK_TAG = "edgeStack";
export const RESERVED_TAGS: readonly string[] = [FLEET_TAG, STACK_TAG];

/**
 * Registration ids of an X.509 enrollment group: the device certificate's subject CN, which DPS
 * also makes the device id in IoT Hub. DPS compares them without case; letters, digits and
 * - . _ : only, the last one a letter, a digit or '-'; up to 128 characters, but an X.509 CN holds
 * at most 64 (learn.microsoft.com/azure/iot-dps/concepts-service#registration-id, and the X.509
 * attestation how-tos). Lower case only here: IoT Hub device ids keep their case while DPS does
 * not, so a mixed-case id could be one registration for two devices, or a hub device whose id is
 * not the one the stack knows.
 */
export const REGISTRATION_ID = /^[a-z0-9._:-]{0,63}[a-z0-9-]$/;

/** What is wrong with a device id as a DPS registration id, or undefined. */
export function registrationIdProblem(id: string): string | undefined {
  if (id.length > 64)
    return `is ${id.length} characters; in dps mode it is the device certificate's CN and DPS registration id, at most 64 characters (the X.509 CN limit)`;
  if (/[A-Z]/.test(id))
    return "has upper-case letters; in dps mode it is the DPS registration id, which DPS compares without case while IoT Hub device ids keep it: use lower case";
  if (!REGISTRATION_ID.test(id)) {
    return "is not a DPS registration id: lower-case letters, digits and - . _ : only, ending with a letter, digit or '-' (learn.microsoft.com/azure/iot-dps/concepts-service#registration-id)";
  }
  return undefined;
}

/**
 * Twin tag keys: the twin key rule (twinProperties.ts: at most 1 KB of UTF-8, without control
 * characters, '.', '$' or spaces); string values at most 4 KB
 * (learn.microsoft.com/azure/iot-hub/iot-hub-devguide-device-twins, "Tags and properties format"). The at-scale deployment's target condition names each tag
 * (`tags.<key>='<value>'`, IoT Hub query language), so keys are also held to plain identifiers.
 */
const QUERY_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Problems with tags for an enrollment group's initial twin and a target condition, each naming the tag. */
export function twinTagProblems(tags: Readonly<Record<string, unknown>>): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  for (const [key, value] of Object.entries(tags)) {
    const broken = twinKeyBreak(key);
    const keyUsable = broken === undefined && QUERY_IDENTIFIER.test(key);
    if (broken?.kind === "length") problems.push({ key, message: "is longer than 1 KB, the twin tag key limit" });
    else if (broken?.kind === "character")
      problems.push({ key, message: "is not a twin tag name: no '.', '$', spaces or control characters (IoT Hub device twin rules)" });
    else if (!QUERY_IDENTIFIER.test(key))
      problems.push({
        key,
        message:
          "must be letters, digits and '_', not starting with a digit: the at-scale deployment's target condition names it as tags.<key>",
      });
    if (typeof value !== "string") problems.push({ key, message: "must be a string (the target condition compares it as one)" });
    else if (Buffer.byteLength(value, "utf8") > 4096)
      problems.push({ key, message: "has a value longer than 4 KB, the twin string limit" });
    else if (keyUsable) {
      // The at-scale deployment's own rule for what its target condition can carry.
      const problem = tagProblem(key, value);
      if (problem) problems.push({ key, message: problem });
    }
  }
  return problems;
}

/** The signing CA a device's settings name, for the one-CA rule: undefined for a Key Vault identity (its chain is read later). */
function signerOf(certificate: DeviceSettings["certificate"]): string | undefined {
  if (certificate.source === "generate") return certificate.intermediate ? "the fleet intermediate CA" : "the fleet root CA";
  if (certificate.source === "keyVaultCa") return `Key Vault CA "${certificate.caCertificateName}"`;
  return "the CA that issued its Key Vault certificate";
}

/**
 * The rules of provisioning.mode "dps" across settings and devices. `indexOf` gives a device's
 * place in the list, for the setting path.
 */
export function dpsRuleErrors(
  stack: ParsedStackSettings,
  devices: readonly DeviceSettings[],
  indexOf: (id: string) => number | undefined,
): SettingError[] {
  const p = stack.provisioning;
  if (p.mode !== "dps") return [];
  if (stack.stackRole !== "fleet") {
    // A split fleet's core would own the DPS and its sites the devices; fleetCore does not carry it yet.
    return [
      {
        setting: "provisioning.mode",
        message: `"dps" needs a stack that is the whole fleet (stackRole fleet); a ${stack.stackRole} stack provisions through the hub only`,
      },
    ];
  }
  const errors: SettingError[] = [];
  const at = (d: DeviceSettings) => `devices[${indexOf(d.id) ?? "?"}]`;
  const dps = p.dps;
  if (!dps) {
    errors.push({
      setting: "provisioning.dps",
      message:
        'is required with mode "dps": { name, create } of the Device Provisioning Service (an existing one by name, or one the stack creates)',
    });
  } else if (dps.create) {
    if (!dps.resourceGroup && !stack.resourceGroup) {
      errors.push({ setting: "provisioning.dps.resourceGroup", message: "is required to create the DPS: set it, or edge:resourceGroup" });
    }
    for (const key of ["idScope", "connectionString"] as const) {
      if (dps[key] !== undefined)
        errors.push({ setting: `provisioning.dps.${key}`, message: "is read from the DPS the stack creates; remove it" });
    }
    // The link gives DPS a hub connection string: the stack's own, or the hub's key read from Azure.
    const hub = stack.iotHub;
    if (hub.auth === "entraId" && !hub.create && !hub.resourceGroup) {
      errors.push({
        setting: "iotHub.resourceGroup",
        message:
          "is required: the DPS the stack creates is linked to the hub with the hub's iothubowner key, read from Azure in the hub's resource group",
      });
    }
  } else if (!dps.resourceGroup) {
    // Without the resource group nothing can be read from Azure: the service API is all there is.
    if (dps.idScope === undefined)
      errors.push({
        setting: "provisioning.dps.idScope",
        message:
          "is required for an existing DPS without provisioning.dps.resourceGroup (the id scope the portal shows), or set resourceGroup to read it",
      });
    if (dps.connectionString === undefined) {
      errors.push({
        setting: "provisioning.dps.connectionString",
        message:
          "is required for an existing DPS without provisioning.dps.resourceGroup: a service connection string with enrollment write rights, set with `pulumi config set --secret --path provisioning.dps.connectionString`",
      });
    }
  }
  if (dps?.connectionString !== undefined && dps.connectionString !== UNREADABLE_SECRET) {
    const host = dps.hostName ?? `${dps.name}.azure-devices-provisioning.net`;
    for (const problem of provisioningAccessProblems({ dpsHostName: host, dpsConnectionString: dps.connectionString })) {
      errors.push({ setting: "provisioning.dps.connectionString", message: problem });
    }
  }
  for (const t of twinTagProblems(p.tags)) errors.push({ setting: `provisioning.tags.${t.key}`, message: t.message });
  for (const key of Object.keys(p.tags)) {
    if (RESERVED_TAGS.includes(key))
      errors.push({
        setting: `provisioning.tags.${key}`,
        message: `is set by the stack on every device (${RESERVED_TAGS.join(", ")}); choose another name`,
      });
  }

  const first = devices[0];
  for (const device of devices) {
    const idProblem = registrationIdProblem(device.id);
    if (idProblem) errors.push({ setting: `${at(device)}.id`, device: device.id, message: idProblem });
    if (device.certificate.authentication !== "certificateAuthority") {
      errors.push({
        setting: `${at(device)}.certificate.authentication`,
        device: device.id,
        message:
          'is "selfSigned" (the default), but with provisioning.mode "dps" no device is registered by its thumbprints: the enrollment group admits it by its chain to the fleet\'s signing CA. Set it to "certificateAuthority" (e.g. in edge:defaults.certificate)',
      });
    }
    if (device !== first && signerOf(device.certificate) !== signerOf(first.certificate)) {
      errors.push({
        setting: `${at(device)}.certificate`,
        device: device.id,
        message: `is signed by ${signerOf(device.certificate)}, but ${at(first)} ("${first.id}") by ${signerOf(first.certificate)}: with provisioning.mode "dps" one enrollment group admits the fleet, so every device chains to one signing CA`,
      });
    }
    if (device !== first && device.deploymentManifest !== first.deploymentManifest) {
      errors.push({
        setting: `${at(device)}.deploymentManifest`,
        device: device.id,
        message: `is "${device.deploymentManifest}", but ${at(first)} ("${first.id}") uses "${first.deploymentManifest}": with provisioning.mode "dps" one at-scale deployment serves the fleet; use one manifest (edge:defaults.deploymentManifest)`,
      });
    }
  }
  return errors;
}
