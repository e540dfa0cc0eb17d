// What each part of a fleet may set. A fleet is one stack (stackRole fleet, the default) or, split
// over several stacks, a fleet-core stack (hub, network, fleet CA, Key Vault) and site stacks that
// hold only their devices and read the core through a StackReference (docs/operator-guide.md,
// "A fleet in several stacks"). Pure.
import type { z } from "zod";
import type { SettingError } from "./settingErrors";
import type { DeviceSettings, stackSettingsSchema } from "./settings";

/** Settings a site takes from its core stack, so they are set once, in the core. */
export const CORE_SETTINGS = ["location", "resourceGroup", "iotHub", "keyVault", "network"] as const;

type ParsedStack = z.infer<typeof stackSettingsSchema>;

/**
 * The role rules: `core` and `site` only with their role, no devices in a core, none of the core's
 * settings in a site, and what a core needs for what it makes. `indexOf` gives a device's index
 * in `devices` as written.
 */
export function stackRoleErrors(
  raw: Record<string, unknown>,
  stack: ParsedStack,
  devices: readonly DeviceSettings[],
  indexOf: (deviceId: string) => number,
): SettingError[] {
  const errors: SettingError[] = [];
  const role = stack.stackRole;
  const isSet = (key: string) => raw[key] !== undefined;
  if (role !== "core" && isSet("core"))
    errors.push({ setting: "core", message: `is only for edge:stackRole core; this stack's role is ${role}` });
  if (role !== "site" && isSet("site"))
    errors.push({ setting: "site", message: `is only for edge:stackRole site; this stack's role is ${role}` });

  if (role === "core") {
    if (isSet("devices")) {
      errors.push({
        setting: "devices",
        message: "a core stack holds no devices: list them in the site stacks that read it (edge:stackRole site, edge:site.coreStack)",
      });
    }
    const core = stack.core ?? { sites: [], network: true };
    if (core.network && !stack.resourceGroup) {
      errors.push({
        setting: "core.network",
        message:
          "needs edge:resourceGroup, the group of the VNet the sites' Azure VMs share; set it, or set edge:core.network to false when every site has existing hosts only",
      });
    }
    if (core.sites.length > 0 && !stack.iotHub.create && !stack.iotHub.resourceGroup) {
      errors.push({
        setting: "iotHub.resourceGroup",
        message:
          "is required: edge:core.sites makes a fleet root CA, which the core registers, verified, on the existing hub; set edge:iotHub.resourceGroup to the hub's resource group",
      });
    }
    core.sites.forEach((site, i) => {
      const first = core.sites.indexOf(site);
      if (first < i) errors.push({ setting: `core.sites[${i}]`, message: `duplicates core.sites[${first}]` });
    });
  }

  if (role === "site") {
    if (!isSet("site")) {
      errors.push({
        setting: "site.coreStack",
        message: "is required for edge:stackRole site: the core stack the site reads, as organization/project/stack",
      });
    }
    for (const key of CORE_SETTINGS) {
      if (isSet(key)) {
        errors.push({
          setting: key,
          message: "is the core stack's setting: a site reads it from its core (edge:site.coreStack); set it there",
        });
      }
    }
    for (const device of devices) {
      const at = `devices[${indexOf(device.id)}].certificate`;
      const certificate = device.certificate;
      if (certificate.source === "generate" && certificate.intermediate) {
        errors.push({
          setting: `${at}.intermediate`,
          device: device.id,
          message:
            "is not for a site: its generated certificates are always signed by the site's own intermediate CA, which the core makes (edge:core.sites)",
        });
      }
      // A site registers no CA on the hub: the core registers the fleet root, and nothing else.
      if (certificate.source === "keyVaultCa" && certificate.authentication === "certificateAuthority") {
        errors.push({
          setting: `${at}.authentication`,
          device: device.id,
          message:
            "certificateAuthority with a keyVaultCa CA needs that CA registered on the hub, which a site stack does not do: use selfSigned, or source generate (chained to the fleet root CA the core registers)",
        });
      }
    }
  }
  return errors;
}
