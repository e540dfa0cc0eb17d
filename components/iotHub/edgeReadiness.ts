// Whether the hub's view of an edge device shows its deployment took: the pure verdict behind
// the EdgeReadiness gate (it replaces "look in the portal for Runtime Response 200 -- OK").
type Json = Record<string, unknown>;

/** What `$edgeAgent` reports in lastDesiredStatus.code. */
export const AGENT_CODES: Readonly<Record<number, string>> = {
  200: "OK",
  400: "the deployment configuration is invalid",
  412: "the deployment's schema version is not supported",
  417: "the device has no deployment configuration",
  500: "the edge agent failed to apply the deployment",
};

export interface Readiness {
  readonly ready: boolean;
  /** The edge agent has refused this desired version for good (400, 412): waiting will not help. */
  readonly refused: boolean;
  readonly desiredVersion?: number;
  readonly reportedVersion?: number;
  readonly agentCode?: number;
  readonly connectionState?: string;
  /** runtimeStatus by module (system modules as edgeAgent/edgeHub), for every module the deployment declares. */
  readonly modules: Readonly<Record<string, string>>;
  /** Why it is not ready, one line each. */
  readonly problems: readonly string[];
}

/**
 * Reads the $edgeAgent module twin and the device twin. Ready when the agent answered the current
 * desired version with 200, the device is connected, and every module it should run is running
 * (one declared `stopped` must be stopped).
 */
export function evaluateReadiness(agentTwin: unknown, deviceTwin: unknown): Readiness {
  const desired = (objectAt(agentTwin, "properties", "desired") ?? {}) as Json;
  const reported = (objectAt(agentTwin, "properties", "reported") ?? {}) as Json;
  const desiredVersion = numberOr(desired.$version);
  const reportedVersion = numberOr(reported.lastDesiredVersion);
  const status = objectAt(reported, "lastDesiredStatus");
  const agentCode = numberOr(status?.code);
  const connectionState = typeof (deviceTwin as Json | undefined)?.connectionState === "string" ? ((deviceTwin as Json).connectionState as string) : undefined;
  const problems: string[] = [];

  const current = reportedVersion !== undefined && reportedVersion === desiredVersion;
  if (!current) {
    problems.push(
      reportedVersion === undefined
        ? `the edge agent has not reported yet (desired version ${desiredVersion ?? "?"})`
        : `the edge agent last answered desired version ${reportedVersion}, not the current ${desiredVersion ?? "?"}`,
    );
  } else if (agentCode !== 200) {
    const text = status?.description ? `: ${String(status.description)}` : "";
    problems.push(`$edgeAgent status code ${agentCode ?? "none"} (${AGENT_CODES[agentCode ?? 0] ?? "unknown code"})${text}`);
  }
  if (connectionState !== "Connected") problems.push(`the device is ${connectionState ?? "in an unknown state"}, not Connected`);

  const modules: Record<string, string> = {};
  const wanted = wantedStatuses(desired);
  for (const [name, want] of Object.entries(wanted)) {
    const group = name === "edgeAgent" || name === "edgeHub" ? "systemModules" : "modules";
    const runtimeStatus = objectAt(reported, group, name)?.runtimeStatus;
    const have = current && typeof runtimeStatus === "string" ? runtimeStatus : "not reported";
    modules[name] = have;
    if (have !== want) problems.push(`module ${name}: ${have}${want === "running" ? "" : ` (should be ${want})`}`);
  }
  return {
    ready: problems.length === 0,
    refused: current && (agentCode === 400 || agentCode === 412),
    desiredVersion, reportedVersion, agentCode, connectionState, modules, problems,
  };
}

/** One line for an error or a log: every module with its status, and the agent's code. */
export function describeReadiness(deviceId: string, r: Readiness): string {
  const modules = Object.entries(r.modules).map(([n, s]) => `${n}=${s}`).join(", ");
  return `device '${deviceId}': ${r.problems.join("; ")}. [$edgeAgent code ${r.agentCode ?? "none"} for version ${r.reportedVersion ?? "none"} of ${r.desiredVersion ?? "?"}; ${r.connectionState ?? "unknown"}; modules: ${modules || "none declared"}]`;
}

function wantedStatuses(desired: Json): Record<string, string> {
  const wanted: Record<string, string> = { edgeAgent: "running", edgeHub: "running" };
  const modules = desired.modules;
  if (typeof modules === "object" && modules !== null) {
    for (const [name, m] of Object.entries(modules as Json)) wanted[name] = (m as Json | null)?.status === "stopped" ? "stopped" : "running";
  }
  return wanted;
}

function objectAt(value: unknown, ...path: string[]): Json | undefined {
  let at: unknown = value;
  for (const key of path) at = typeof at === "object" && at !== null ? (at as Json)[key] : undefined;
  return typeof at === "object" && at !== null && !Array.isArray(at) ? (at as Json) : undefined;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
