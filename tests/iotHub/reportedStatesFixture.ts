// $edgeAgent module twins shaped after the examples of Azure/iotedge
// doc/reported_states_during_deployment.md (desired version 11, one module m1, runtime 1.1): the
// desired section it shows, and the reported section in each state its "How these fields relate"
// part names. Values are the document's; the twins are trimmed to the fields it calls relevant.
type Json = Record<string, any>;

export const SENSOR_1_1 = "mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.1";
export const SENSOR_1_0 = "mcr.microsoft.com/azureiotedge-simulated-temperature-sensor:1.0";
export const HUB_1_1 = "mcr.microsoft.com/azureiotedge-hub:1.1";
export const AGENT_1_1 = "mcr.microsoft.com/azureiotedge-agent:1.1";

/** The document's "Desired Properties section" example. */
export function documentDesired(): Json {
  return {
    $version: 11,
    schemaVersion: "1.1",
    runtime: { type: "docker", settings: { minDockerVersion: "v1.25" } },
    systemModules: {
      edgeAgent: { type: "docker", settings: { image: AGENT_1_1, createOptions: "" } },
      edgeHub: { type: "docker", status: "running", restartPolicy: "always", settings: { image: HUB_1_1, createOptions: "" } },
    },
    modules: {
      m1: {
        type: "docker",
        status: "running",
        restartPolicy: "always",
        version: "1.1",
        settings: { image: SENSOR_1_1, createOptions: "" },
      },
    },
  };
}

const reportedModule = (runtimeStatus: string, image: string): Json => ({
  type: "docker",
  status: "running",
  restartPolicy: "always",
  exitCode: runtimeStatus === "failed" ? 1 : 0,
  statusDescription: runtimeStatus,
  runtimeStatus,
  settings: { image, createOptions: "{}" },
});

/**
 * The document's "Reported Properties section" example is code 406 ("Agent is not running") with
 * every runtimeStatus "unknown"; `overrides` turns it into the other states.
 */
export function documentReported(
  overrides: { code?: number; description?: string; lastDesiredVersion?: number; edgeHub?: Json | null; m1?: Json | null } = {},
): Json {
  const code = overrides.code ?? 406;
  const reported: Json = {
    lastDesiredVersion: overrides.lastDesiredVersion ?? 11,
    lastDesiredStatus: { code, description: overrides.description ?? (code === 406 ? "Agent is not running" : "") },
    schemaVersion: "1.0",
    version: { version: "1.1.3" },
    runtime: { type: "docker", platform: { os: "linux", architecture: "x86_64", version: "1.1.3" } },
    systemModules: {
      edgeAgent: { type: "docker", runtimeStatus: "unknown", settings: { image: AGENT_1_1 } },
      edgeHub: reportedModule("unknown", HUB_1_1),
    },
    modules: { m1: reportedModule("unknown", SENSOR_1_1) },
    $version: 196,
  };
  if (overrides.edgeHub === null) delete reported.systemModules.edgeHub;
  else if (overrides.edgeHub) reported.systemModules.edgeHub = { ...reported.systemModules.edgeHub, ...overrides.edgeHub };
  if (overrides.m1 === null) delete reported.modules.m1;
  else if (overrides.m1) reported.modules.m1 = { ...reported.modules.m1, ...overrides.m1 };
  return reported;
}

export const running = (image?: string): Json => ({
  runtimeStatus: "running",
  ...(image ? { settings: { image, createOptions: "{}" } } : {}),
});

/** A module twin as `GET /twins/{id}/modules/{module}` returns it. */
export function moduleTwin(desired: Json, reported: Json, connectionState = "Disconnected"): Json {
  return { deviceId: "doc-device", moduleId: "$edgeAgent", connectionState, properties: { desired, reported } };
}
