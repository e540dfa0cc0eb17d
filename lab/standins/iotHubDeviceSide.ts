// The device side of the IoT Hub stand-in: what an edge device's runtime would make the hub show —
// the $edgeHub module's connection state and the $edgeAgent module twin's reported properties, as
// Azure/iotedge doc/reported_states_during_deployment.md describes them.
import { isJson, type RegistryModel } from "./iotHubModel";

type Json = Record<string, unknown>;

export interface EdgeAgentReport {
  /** lastDesiredStatus.code: 200 ok, 400 invalid config, 406 agent not connected, 412 bad schema version, 417 no deployment, 500 failed. */
  readonly code?: number;
  readonly description?: string;
  /** Which desired version the agent answers; default the $edgeAgent twin's current desired $version. */
  readonly lastDesiredVersion?: number;
  /** runtimeStatus per module (system modules by `edgeAgent`/`edgeHub`); unnamed modules report their desired status. */
  readonly moduleStatus?: Readonly<Record<string, string>>;
  /** The image a module's container runs, when it is not the desired one (a new image still being pulled). */
  readonly moduleImage?: Readonly<Record<string, string>>;
  /** Modules not reported at all (a new module whose image is still being pulled is not created yet). */
  readonly absent?: readonly string[];
}

export class DeviceSide {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly model: RegistryModel,
    private readonly simulateAfterMs: number | undefined,
  ) {}

  /**
   * The runtime reached the hub: $edgeHub's module twin shows Connected. The device twin does not
   * change (an edge runtime connects as its modules: Azure/iotedge #80, #809), nor does $edgeAgent's
   * (connection state follows telemetry, which edgeAgent does not send: Azure/iotedge #2733).
   */
  connect(deviceId: string): void {
    this.model.setModuleConnectionState(deviceId, "$edgeHub", "Connected");
  }

  disconnect(deviceId: string): void {
    this.model.setModuleConnectionState(deviceId, "$edgeHub", "Disconnected");
  }

  /** A full report of the $edgeAgent module for the modules its desired properties declare. */
  reportEdgeAgent(deviceId: string, report: EdgeAgentReport = {}): void {
    const agent = this.model.get(deviceId).modules.get("$edgeAgent");
    this.model.report(deviceId, "$edgeAgent", edgeAgentReported(agent?.desired ?? {}, report));
  }

  /** $edgeAgent shuts down: "the code ... will be set to 406 when $edgeAgent shuts down" (reported_states_during_deployment.md). */
  agentStopped(deviceId: string): void {
    const agent = this.model.get(deviceId).modules.get("$edgeAgent");
    const reported = { ...(agent?.reported ?? {}) };
    delete reported.$version;
    this.model.report(deviceId, "$edgeAgent", { ...reported, lastDesiredStatus: { code: 406, description: "Agent is not running" } });
    this.disconnect(deviceId);
  }

  /** Called on every applyConfigurationContent; plays a healthy device when simulation is on. */
  deploymentApplied(deviceId: string): void {
    if (this.simulateAfterMs === undefined) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.model.identities.has(deviceId)) return;
      this.connect(deviceId);
      this.reportEdgeAgent(deviceId);
    }, this.simulateAfterMs);
    this.timers.add(timer);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/**
 * $edgeAgent's reported properties for `desired` (field names from reported_states_during_deployment.md
 * "Reported Properties section"): lastDesiredVersion, lastDesiredStatus, and per system module and
 * module its runtimeStatus and settings.image, the image its container runs.
 */
export function edgeAgentReported(desired: Json, report: EdgeAgentReport = {}): Json {
  const code = report.code ?? 200;
  const described = (group: Json | undefined, names: string[]) =>
    Object.fromEntries(
      names
        .filter((n) => !report.absent?.includes(n))
        .map((n) => {
          const m = isJson(group?.[n]) ? (group![n] as Json) : {};
          const settings = isJson(m.settings) ? m.settings : {};
          const runtimeStatus = report.moduleStatus?.[n] ?? (m.status === "stopped" ? "stopped" : "running");
          const image = report.moduleImage?.[n] ?? settings.image;
          return [
            n,
            {
              type: "docker",
              status: m.status ?? "running",
              restartPolicy: m.restartPolicy ?? "always",
              runtimeStatus,
              exitCode: runtimeStatus === "failed" ? 1 : 0,
              statusDescription: runtimeStatus,
              settings: { image, createOptions: settings.createOptions ?? "{}" },
            },
          ];
        }),
    );
  const systemModules = isJson(desired.systemModules) ? desired.systemModules : undefined;
  const modules = isJson(desired.modules) ? desired.modules : undefined;
  return {
    schemaVersion: "1.1",
    version: { version: "1.6.0", build: "stand-in", commit: "0" },
    lastDesiredStatus: { code, description: report.description ?? (code === 200 ? "" : `stand-in reported ${code}`) },
    lastDesiredVersion: report.lastDesiredVersion ?? Number(desired.$version),
    runtime: { type: "docker", platform: { os: "linux", architecture: "x86_64" } },
    systemModules: described(systemModules, ["edgeAgent", "edgeHub"]),
    modules: described(modules, modules ? Object.keys(modules) : []),
  };
}
