// The device side of the IoT Hub stand-in: what an edge device's runtime would make the hub show —
// its connection state and the $edgeAgent module twin's reported properties.
import { isJson, type RegistryModel } from "./iotHubModel";

export interface EdgeAgentReport {
  /** lastDesiredStatus.code: 200 ok, 400 invalid config, 412 bad schema version, 417 no deployment, 500 failed. */
  readonly code?: number;
  readonly description?: string;
  /** Which desired version the agent answers; default the $edgeAgent twin's current desired $version. */
  readonly lastDesiredVersion?: number;
  /** runtimeStatus per module (system modules by `edgeAgent`/`edgeHub`); unnamed modules are `running`. */
  readonly moduleStatus?: Readonly<Record<string, string>>;
}

export class DeviceSide {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly model: RegistryModel, private readonly simulateAfterMs: number | undefined) {}

  connect(deviceId: string): void {
    this.model.setConnectionState(deviceId, "Connected");
  }

  disconnect(deviceId: string): void {
    this.model.setConnectionState(deviceId, "Disconnected");
  }

  /** A full report of the $edgeAgent module for the modules its desired properties declare. */
  reportEdgeAgent(deviceId: string, report: EdgeAgentReport = {}): void {
    const agent = this.model.get(deviceId).modules.get("$edgeAgent");
    const desired = agent?.desired ?? {};
    const status = (name: string) => report.moduleStatus?.[name] ?? "running";
    const described = (names: string[]) =>
      Object.fromEntries(names.map((n) => [n, { runtimeStatus: status(n), status: status(n) === "running" ? "running" : "stopped", exitCode: status(n) === "failed" ? 1 : 0 }]));
    const modules = isJson(desired.modules) ? Object.keys(desired.modules) : [];
    const code = report.code ?? 200;
    this.model.report(deviceId, "$edgeAgent", {
      schemaVersion: "1.1",
      version: { version: "1.6.0", build: "stand-in", commit: "0" },
      lastDesiredStatus: { code, description: report.description ?? (code === 200 ? "" : `stand-in reported ${code}`) },
      lastDesiredVersion: report.lastDesiredVersion ?? Number(desired.$version),
      runtime: { type: "docker", platform: { os: "linux", architecture: "x86_64" } },
      systemModules: described(["edgeAgent", "edgeHub"]),
      modules: described(modules),
    });
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
