// The bootstrap's steps and their order, shared by the component and by the tests that run the
// same steps over SSH. Pure.
import type { EdgeConfigInput } from "./configToml";

export const STEP_NAMES = ["wait", "install", "cleanup", "certs", "config", "apply"] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** What each step waits for. `cleanup` exists only for existing hosts (see DeviceBootstrap). */
export const STEP_DEPENDENCIES: Readonly<Record<StepName, readonly StepName[]>> = {
  wait: [],
  install: ["wait"],
  cleanup: ["wait"],
  certs: ["install", "cleanup"],
  config: ["install", "cleanup"],
  apply: ["certs", "config"],
};

/** The steps of a host, in an order that respects STEP_DEPENDENCIES. */
export function stepsFor(hostDeletedWithStack: boolean): StepName[] {
  return STEP_NAMES.filter((s) => !(hostDeletedWithStack && s === "cleanup"));
}

export function dependenciesOf(step: StepName, hostDeletedWithStack: boolean): StepName[] {
  const present = stepsFor(hostDeletedWithStack);
  return STEP_DEPENDENCIES[step].filter((d) => present.includes(d));
}

/** config.toml input of manual X.509 provisioning, as the bootstrap writes it. */
export function manualX509Config(p: {
  deviceId: string;
  iotHubHostName: string;
  hostname: string;
  agentImage: string;
  edgeCa: boolean;
  trustBundle: boolean;
}): EdgeConfigInput {
  return {
    hostname: p.hostname,
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
  hostname: string;
  agentImage: string;
  edgeCa: boolean;
  trustBundle: boolean;
}): EdgeConfigInput {
  return {
    hostname: p.hostname,
    provisioning: { source: "dps", globalEndpoint: p.globalEndpoint, idScope: p.idScope, registrationId: p.deviceId },
    edgeCa: p.edgeCa,
    trustBundle: p.trustBundle,
    agentImage: p.agentImage,
  };
}

/**
 * The host's own name as the wait step reports it (`uname -n`, the name `iotedge check` compares
 * config.toml's hostname with): "wait: ready (cloud-init: …; host name gw-01)".
 */
export function hostnameFromWaitSummary(stdout: string): string {
  const name = /; host name (\S+)\)\s*$/.exec(stdout)?.[1];
  if (name === undefined) {
    throw new Error(
      `the wait step did not report the host's name (its output: ${JSON.stringify(stdout.trim())}); set host.edgeHostname, or replace the wait step (pulumi up --replace <its URN>)`,
    );
  }
  return name;
}
