// Runs the bootstrap's steps against a host over SSH with exactly the commands and stdin the
// DeviceBootstrap component gives remote.Command, in the component's dependency order (steps
// whose dependencies are done run in parallel). Stands in for the engine until the CLI exists.
import { renderConfigToml } from "../../components/bootstrap/configToml";
import { BOOT_DIAL_ERROR_LIMIT, BOOT_PER_DIAL_TIMEOUT } from "../../components/bootstrap/connection";
import {
  applyFingerprint,
  certificatePayload,
  DEFAULT_TIMEOUTS,
  DeviceCertificates,
  InstallInput,
  stepCommands,
  StepTimeouts,
} from "../../components/bootstrap/deviceCommands";
import { dependenciesOf, hostnameFromWaitSummary, manualX509Config, StepName, stepsFor } from "../../components/bootstrap/steps";
import { RunConnection, RunResult, runRemoteCommand } from "./sshRunner";

export interface BootstrapRun {
  readonly connection: RunConnection;
  readonly deviceId: string;
  readonly iotHubHostName: string;
  readonly certificates: DeviceCertificates;
  readonly runtime: InstallInput & { readonly agentImage: string };
  readonly hostDeletedWithStack?: boolean;
  readonly timeouts?: Partial<StepTimeouts>;
  /** Replace config.toml (to test a bad one). */
  readonly configTomlOverride?: string;
  /** config.toml's hostname when the stack knows it (edgeHostname, a VM's name); else read by the wait step, as the component does. */
  readonly hostname?: string;
}

export interface StepRun {
  readonly command: string;
  readonly stdin?: string;
  /** remote.Command `triggers` of the step (apply only). */
  readonly triggers?: readonly string[];
}

/**
 * What the component gives each step's remote.Command: command, stdin, triggers. config.toml's
 * hostname is `run.hostname`, else `machineHostname` (what the wait step read on the host).
 */
export function plannedSteps(run: BootstrapRun, machineHostname?: string): Record<StepName, StepRun> {
  const commands = stepCommands(run.runtime, { ...DEFAULT_TIMEOUTS, ...run.timeouts });
  const hostname = run.hostname ?? machineHostname;
  if (hostname === undefined) throw new Error("plannedSteps: give the host's name (run.hostname or machineHostname)");
  const configToml =
    run.configTomlOverride ??
    renderConfigToml(
      manualX509Config({
        deviceId: run.deviceId,
        iotHubHostName: run.iotHubHostName,
        hostname,
        agentImage: run.runtime.agentImage,
        edgeCa: run.certificates.edgeCaCertPem !== undefined,
        trustBundle: run.certificates.trustBundlePem !== undefined,
      }),
    );
  return {
    wait: { command: commands.wait },
    install: { command: commands.install },
    cleanup: { command: commands.cleanupCreate },
    certs: { command: commands.certs, stdin: certificatePayload(run.certificates) },
    config: { command: commands.config, stdin: configToml },
    apply: { command: commands.apply, triggers: [applyFingerprint(configToml, run.certificates)] },
  };
}

/** The connection settings DeviceBootstrap uses (bootstrapConnection), as plain values. */
export function withBootRetries(connection: RunConnection): RunConnection {
  return { dialErrorLimit: BOOT_DIAL_ERROR_LIMIT, perDialTimeout: BOOT_PER_DIAL_TIMEOUT, ...connection };
}

/**
 * Runs `only` (default: every step of the host) in dependency order. Steps left out count as
 * already done, as the engine treats unchanged resources.
 */
export async function runBootstrap(run: BootstrapRun, only?: readonly StepName[]): Promise<Partial<Record<StepName, RunResult>>> {
  const deleted = run.hostDeletedWithStack ?? false;
  const steps = stepsFor(deleted).filter((s) => !only || only.includes(s));
  const connection = withBootRetries(run.connection);
  const started = new Map<StepName, Promise<RunResult | undefined>>();
  const commands = stepCommands(run.runtime, { ...DEFAULT_TIMEOUTS, ...run.timeouts });
  // The host's name, as the component takes it from the wait step's output (the state holds it when wait is left out).
  const machineHostname = async () => {
    if (run.hostname !== undefined) return run.hostname;
    const waited = (await start("wait")) ?? (await runRemoteCommand(connection, commands.wait));
    return hostnameFromWaitSummary(waited.stdout);
  };
  const start = (step: StepName): Promise<RunResult | undefined> => {
    let p = started.get(step);
    if (!p) {
      p = (async () => {
        await Promise.all(dependenciesOf(step, deleted).map(start));
        if (!steps.includes(step)) return undefined;
        // Only config.toml holds the host's name; the other steps' commands do not depend on it.
        const planned = plannedSteps(run, step === "config" ? await machineHostname() : "unused")[step];
        return runRemoteCommand(connection, planned.command, { stdin: planned.stdin });
      })();
      started.set(step, p);
    }
    return p;
  };
  const results = await Promise.all(steps.map(async (s) => [s, await start(s)] as const));
  return Object.fromEntries(results.filter(([, r]) => r !== undefined));
}

/** The destroy-time command of an existing host (cleanup step's delete). */
export function runCleanupDelete(run: BootstrapRun): Promise<RunResult> {
  return runRemoteCommand(withBootRetries(run.connection), stepCommands(run.runtime).cleanupDelete);
}
