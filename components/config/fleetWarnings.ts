// What a valid stack should still change: reported by preflight and `pulumi up`, not refused. Pure.
import type { SettingError } from "./settingErrors";
import type { StackSettings } from "./settings";

export function fleetWarnings(settings: StackSettings): SettingError[] {
  return settings.devices.flatMap((device, i) =>
    device.host.type === "existing" && device.host.hostKey === undefined
      ? [
          {
            setting: `devices[${i}].host.hostKey`,
            device: device.id,
            message:
              "is not set, so the bootstrap trusts whatever key answers at the address and then sends the device's private keys; set it to the host's public key as in known_hosts (ssh-keyscan -t ed25519 <address>, checked on the host)",
          },
        ]
      : [],
  );
}
