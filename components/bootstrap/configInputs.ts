// config.toml's input for each provisioning mode, as the bootstrap's converge step writes it, shared
// by the component and by the tests that run the same step over SSH. Pure.
import type { EdgeConfigInput } from "./configToml";

/** config.toml input of manual X.509 provisioning, as the bootstrap writes it. */
export function manualX509Config(p: {
  deviceId: string;
  iotHubHostName: string;
  hostname?: string;
  agentImage: string;
  edgeCa: boolean;
  trustBundle: boolean;
}): EdgeConfigInput {
  return {
    ...(p.hostname !== undefined ? { hostname: p.hostname } : {}),
    provisioning: { source: "manual", iothubHostname: p.iotHubHostName, deviceId: p.deviceId },
    edgeCa: p.edgeCa,
    trustBundle: p.trustBundle,
    agentImage: p.agentImage,
  };
}

/**
 * config.toml input of DPS X.509 provisioning (provisioning.mode dps): the runtime registers
 * through DPS with the identity certificate, whose CN is the device id, and that id as the
 * registration id (DPS makes it the hub's device id).
 */
export function dpsX509Config(p: {
  deviceId: string;
  idScope: string;
  globalEndpoint: string;
  hostname?: string;
  agentImage: string;
  edgeCa: boolean;
  trustBundle: boolean;
}): EdgeConfigInput {
  return {
    ...(p.hostname !== undefined ? { hostname: p.hostname } : {}),
    provisioning: { source: "dps", globalEndpoint: p.globalEndpoint, idScope: p.idScope, registrationId: p.deviceId },
    edgeCa: p.edgeCa,
    trustBundle: p.trustBundle,
    agentImage: p.agentImage,
  };
}
