// Runs the bootstrap's steps against a host over SSH with exactly the commands and stdin the
// DeviceBootstrap component gives remote.Command, in the component's dependency order (steps
// whose dependencies are done run in parallel), after staging the device scripts where its
// CopyToRemote step puts them. Stands in for the engine until the CLI exists.
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
import { ScriptBundle, scriptBundle } from "../../components/bootstrap/deviceScripts";
import { dependenciesOf, hostnameFromWaitSummary, manualX509Config, StepName, stepsFor } from "../../components/bootstrap/steps";
import { RunConnection, RunResult, runRemoteCommand } from "./sshRunner";
import { shellQuote } from "../../components/bootstrap/deviceCommands";

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
  /** The device scripts staged and run (default: scripts/device's). */
  readonly bundle?: ScriptBundle;
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
  const commands = stepCommands(run.runtime, { ...DEFAULT_TIMEOUTS, ...run.timeouts }, bundleOf(run).sha256);
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

const bundleOf = (run: BootstrapRun): ScriptBundle => run.bundle ?? scriptBundle();

/**
 * What the `scripts` step (remote.CopyToRemote of the scripts folder, as a FileArchive ending in
 * "/") does: as the SSH user, creates remotePath under the home folder and writes each script into
 * it, replacing what is there. The lab's command provider does the same through a shell, upstream
 * through SFTP. Each file is renamed into place, so runs that stage the same host at once (the
 * engine stages a host once) never see a half-written script.
 */
export function stageScripts(connection: RunConnection, bundle: ScriptBundle = scriptBundle()): Promise<RunResult> {
  const payload = Object.entries(bundle.files)
    .map(([name, text]) => `${name} ${Buffer.from(text).toString("base64")}\n`)
    .join("");
  const write =
    `set -e; d=${shellQuote(bundle.remotePath)}; mkdir -p "$d"; ` +
    `while read -r n b; do t="$(mktemp "$d/.$n.XXXXXX")"; printf %s "$b" | base64 -d > "$t"; mv -f "$t" "$d/$n"; done`;
  const staging = runRemoteCommand(withBootRetries(connection), write, { stdin: payload });
  const key = stagedKey(connection, bundle);
  staged.set(key, staging);
  // A failed copy leaves nothing in the state: the next run stages again.
  staging.catch(() => staged.get(key) === staging && staged.delete(key));
  return staging;
}

/** Hosts staged in this process, as the engine's state would say: runBootstrap stages a host once. */
const staged = new Map<string, Promise<RunResult>>();
const stagedKey = (c: RunConnection, bundle: ScriptBundle) => `${c.user ?? "root"}@${c.host}:${c.port ?? 22} ${bundle.sha256}`;

/** The connection settings DeviceBootstrap uses (bootstrapConnection), as plain values. */
export function withBootRetries(connection: RunConnection): RunConnection {
  return { dialErrorLimit: BOOT_DIAL_ERROR_LIMIT, perDialTimeout: BOOT_PER_DIAL_TIMEOUT, ...connection };
}

/**
 * Stages the scripts (unless this process did already), then runs `only` (default: every step of
 * the host) in dependency order. Steps left out count as already done, as the engine treats
 * unchanged resources.
 */
export async function runBootstrap(run: BootstrapRun, only?: readonly StepName[]): Promise<Partial<Record<StepName, RunResult>>> {
  const deleted = run.hostDeletedWithStack ?? false;
  const steps = stepsFor(deleted).filter((s) => !only || only.includes(s));
  const connection = withBootRetries(run.connection);
  const started = new Map<StepName, Promise<RunResult | undefined>>();
  const commands = stepCommands(run.runtime, { ...DEFAULT_TIMEOUTS, ...run.timeouts }, bundleOf(run).sha256);
  await (staged.get(stagedKey(run.connection, bundleOf(run))) ?? stageScripts(run.connection, bundleOf(run)));
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
  return runRemoteCommand(withBootRetries(run.connection), stepCommands(run.runtime, DEFAULT_TIMEOUTS, bundleOf(run).sha256).cleanupDelete);
}
