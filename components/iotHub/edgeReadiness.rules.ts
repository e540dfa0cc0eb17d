// Whether the hub's view of an edge device shows its deployment took: the pure verdict behind
// the EdgeReadiness gate (it replaces "look in the portal for Runtime Response 200 -- OK").
// The rules are Azure/iotedge doc/reported_states_during_deployment.md ("Completely successful",
// "Deployment is invalid", "Deployment in progress/Deployment failed").
//
// The device twin's connectionState plays no part: an edge device's runtime connects as its
// $edgeAgent and $edgeHub modules, never as the device, so the device twin says Disconnected while
// everything runs (Azure/iotedge #80, #809; azure-iot-sdk-csharp #324).
type Json = Record<string, unknown>;

/** What `$edgeAgent` reports in lastDesiredStatus.code (the document's "Last Desired Status codes"). */
export const AGENT_CODES: Readonly<Record<number, string>> = {
  200: "OK",
  400: "the deployment configuration is invalid",
  406: "the edge agent is not connected to IoT Hub",
  412: "the deployment's schema version is not supported",
  417: "the device has no deployment configuration yet",
  500: "the edge agent failed to apply the deployment, or is still pulling an image",
};

/** Codes that are final for the desired version they answer: waiting will not change them. */
const REFUSALS = new Set([400, 412]);

export interface ModuleSeen {
  /** runtimeStatus as reported (unknown, backoff, running, stopped, failed), or "not reported". */
  readonly runtimeStatus: string;
  /** settings.image as reported: the image the container runs. */
  readonly image?: string;
}

export interface Readiness {
  readonly ready: boolean;
  /** The edge agent has refused this desired version for good (400, 412): waiting will not help. */
  readonly refused: boolean;
  readonly desiredVersion?: number;
  readonly reportedVersion?: number;
  readonly agentCode?: number;
  readonly agentDescription?: string;
  /** connectionState of the `$edgeHub` module twin, when it was read: the documented sign that the runtime reached the hub. */
  readonly edgeHubConnection?: string;
  /** runtimeStatus by module (system modules as edgeAgent/edgeHub), as last reported. */
  readonly modules: Readonly<Record<string, string>>;
  /** What was last reported for each module the deployment declares, and edgeAgent. */
  readonly seen: Readonly<Record<string, ModuleSeen>>;
  /** Why it is not ready, one line each. */
  readonly problems: readonly string[];
}

interface Wanted {
  readonly status: string;
  readonly image?: string;
}

/**
 * Reads the `$edgeAgent` module twin (and, when given, the `$edgeHub` module twin for its connection
 * state). Ready when the agent answered the current desired version with 200 and edgeHub and every
 * desired module report the desired status as runtimeStatus and the desired image.
 */
export function evaluateReadiness(agentTwin: unknown, edgeHubTwin?: unknown): Readiness {
  const desired = (objectAt(agentTwin, "properties", "desired") ?? {}) as Json;
  const reported = (objectAt(agentTwin, "properties", "reported") ?? {}) as Json;
  const desiredVersion = numberOr(desired.$version);
  const reportedVersion = numberOr(reported.lastDesiredVersion);
  const status = objectAt(reported, "lastDesiredStatus");
  const agentCode = numberOr(status?.code);
  const agentDescription = typeof status?.description === "string" && status.description !== "" ? status.description : undefined;
  const hubState = (edgeHubTwin as Json | undefined)?.connectionState;
  const edgeHubConnection = typeof hubState === "string" ? hubState : undefined;
  const problems: string[] = [];

  const current = reportedVersion !== undefined && reportedVersion === desiredVersion;
  if (!current) {
    problems.push(
      reportedVersion === undefined
        ? `the edge agent has not reported yet (desired version ${desiredVersion ?? "?"})`
        : `the edge agent last answered desired version ${reportedVersion}, not the current ${desiredVersion ?? "?"}`,
    );
  } else if (agentCode !== 200) {
    problems.push(
      `$edgeAgent status code ${agentCode ?? "none"} (${AGENT_CODES[agentCode ?? 0] ?? "unknown code"})${agentDescription ? `: ${agentDescription}` : ""}`,
    );
  }

  const seen: Record<string, ModuleSeen> = { edgeAgent: seenAt(reported, "systemModules", "edgeAgent") };
  for (const [name, want] of Object.entries(wantedModules(desired))) {
    const have = name === "edgeHub" ? seenAt(reported, "systemModules", name) : seenAt(reported, "modules", name);
    seen[name] = have;
    if (have.runtimeStatus !== want.status)
      problems.push(`module ${name}: ${have.runtimeStatus}${want.status === "running" ? "" : ` (should be ${want.status})`}`);
    if (have.runtimeStatus !== "not reported" && want.image !== undefined && have.image !== want.image) {
      problems.push(`module ${name} runs image ${have.image ?? "(none reported)"}, not ${want.image}`);
    }
  }
  const modules = Object.fromEntries(Object.entries(seen).map(([n, s]) => [n, s.runtimeStatus]));
  return {
    ready: problems.length === 0,
    refused: current && agentCode !== undefined && REFUSALS.has(agentCode),
    desiredVersion,
    reportedVersion,
    agentCode,
    agentDescription,
    edgeHubConnection,
    modules,
    seen,
    problems,
  };
}

/**
 * Whether the runtime shows no sign of reaching the hub now: `$edgeAgent` has not answered the
 * current deployment (or says 406) and the `$edgeHub` module is not connected. Then the usual cause
 * is a refused certificate.
 */
export function runtimeNotReachingHub(r: Readiness): boolean {
  const agentSilent =
    r.reportedVersion === undefined || r.reportedVersion !== r.desiredVersion || r.agentCode === undefined || r.agentCode === 406;
  return agentSilent && r.edgeHubConnection !== "Connected";
}

/** One line for an error or a log: the problems, then every module with what was last seen of it. */
export function describeReadiness(deviceId: string, r: Readiness): string {
  const modules = Object.entries(r.seen)
    .map(([n, s]) => `${n}=${s.runtimeStatus}${s.image ? ` (${s.image})` : ""}`)
    .join(", ");
  const hub = r.edgeHubConnection === undefined ? "" : `; $edgeHub module ${r.edgeHubConnection}`;
  return `device '${deviceId}': ${r.problems.join("; ")}. [$edgeAgent code ${r.agentCode ?? "none"} for version ${r.reportedVersion ?? "none"} of ${r.desiredVersion ?? "?"}${hub}; modules: ${modules}]`;
}

/** edgeHub and every desired module, with the status and image the deployment asks for. */
function wantedModules(desired: Json): Record<string, Wanted> {
  const of = (m: Json | undefined): Wanted => ({
    status: m?.status === "stopped" ? "stopped" : "running",
    image: typeof objectAt(m, "settings")?.image === "string" ? (objectAt(m, "settings")!.image as string) : undefined,
  });
  const wanted: Record<string, Wanted> = { edgeHub: of(objectAt(desired, "systemModules", "edgeHub")) };
  const modules = objectAt(desired, "modules") ?? {};
  for (const [name, m] of Object.entries(modules)) wanted[name] = of(objectAt(m));
  return wanted;
}

function seenAt(reported: Json, group: string, name: string): ModuleSeen {
  const m = objectAt(reported, group, name);
  const runtimeStatus = typeof m?.runtimeStatus === "string" ? m.runtimeStatus : "not reported";
  const image = objectAt(m, "settings")?.image;
  return { runtimeStatus, image: typeof image === "string" ? image : undefined };
}

function objectAt(value: unknown, ...path: string[]): Json | undefined {
  let at: unknown = value;
  for (const key of path) at = typeof at === "object" && at !== null ? (at as Json)[key] : undefined;
  return typeof at === "object" && at !== null && !Array.isArray(at) ? (at as Json) : undefined;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
