// Runs the bootstrap against a host over SSH with exactly the command and stdin the DeviceBootstrap
// component gives its converge step, after staging the device scripts where its CopyToRemote step
// puts them; and, for tests of one part, a part's script through the same runner. Stands in for the
// engine in tests that look at a host's files.
import { renderConfigToml } from "../../components/bootstrap/configToml";
import { BOOT_DIAL_ERROR_LIMIT, BOOT_PER_DIAL_TIMEOUT } from "../../components/bootstrap/connection";
import {
  certificatePayload,
  convergePartArgs,
  DEFAULT_TIMEOUTS,
  deviceCommand,
  DeviceCertificates,
  DeviceScript,
  InstallInput,
  stepCommands,
  shellQuote,
  StepTimeouts,
} from "../../components/bootstrap/deviceCommands";
import { ScriptBundle, scriptBundle } from "../../components/bootstrap/deviceScripts";
import { manualX509Config } from "../../components/bootstrap/configInputs";
import { RunConnection, RunResult, runRemoteCommand } from "./sshRunner";

export interface BootstrapRun {
  readonly connection: RunConnection;
  readonly deviceId: string;
  readonly iotHubHostName: string;
  readonly certificates: DeviceCertificates;
  readonly runtime: InstallInput & { readonly agentImage: string };
  readonly timeouts?: Partial<StepTimeouts>;
  /** Replace config.toml (to test a bad one). */
  readonly configTomlOverride?: string;
  /** config.toml's hostname (host.edgeHostname); unset, the converge step writes the host's own name. */
  readonly hostname?: string;
  /** The device scripts staged and run (default: scripts/device's). */
  readonly bundle?: ScriptBundle;
}

export interface StepRun {
  readonly command: string;
  readonly stdin?: string;
}

/** config.toml as the component renders it for this run (without a hostname unless run.hostname is set). */
export function plannedConfigToml(run: BootstrapRun): string {
  return (
    run.configTomlOverride ??
    renderConfigToml(
      manualX509Config({
        deviceId: run.deviceId,
        iotHubHostName: run.iotHubHostName,
        hostname: run.hostname,
        agentImage: run.runtime.agentImage,
        edgeCa: run.certificates.edgeCaCertPem !== undefined,
        trustBundle: run.certificates.trustBundlePem !== undefined,
      }),
    )
  );
}

/** What the component gives the converge step's remote.Command: its command and stdin. */
export function plannedConverge(run: BootstrapRun): StepRun {
  const commands = stepCommands(run.runtime, timeoutsOf(run), bundleOf(run).sha256);
  return { command: commands.converge(plannedConfigToml(run)), stdin: certificatePayload(run.certificates) };
}

const timeoutsOf = (run: BootstrapRun): StepTimeouts => ({ ...DEFAULT_TIMEOUTS, ...run.timeouts });
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

/** The scripts staged on the run's host: by this process already, or now. */
function stagedOnce(run: BootstrapRun): Promise<RunResult> {
  return staged.get(stagedKey(run.connection, bundleOf(run))) ?? stageScripts(run.connection, bundleOf(run));
}

/** Stages the scripts (unless this process did already), then runs the converge step as the component does. */
export async function runBootstrap(run: BootstrapRun): Promise<RunResult> {
  await stagedOnce(run);
  const converge = plannedConverge(run);
  return runRemoteCommand(withBootRetries(run.connection), converge.command, { stdin: converge.stdin });
}

/** The parts of the converge step, each one script (scripts/device/converge.sh runs them in this order). */
export type ConvergePart = "wait" | "install" | "certs" | "config" | "apply";

/**
 * One part of the converge step alone, with the arguments and stdin converge.sh gives it, through
 * the same runner (after staging the scripts, unless this process did already): for tests of a part.
 */
export async function runPart(run: BootstrapRun, part: ConvergePart): Promise<RunResult> {
  await stagedOnce(run);
  const args = convergePartArgs(run.runtime, timeoutsOf(run));
  const parts: Record<ConvergePart, [DeviceScript, string[], string?]> = {
    wait: ["wait-ready", args.wait],
    install: ["install-runtime", args.install],
    certs: ["place-certs", [], certificatePayload(run.certificates)],
    config: ["write-config", [], plannedConfigToml(run)],
    apply: ["apply-config", args.apply],
  };
  const [script, scriptArgs, stdin] = parts[part];
  return runRemoteCommand(withBootRetries(run.connection), deviceCommand(script, scriptArgs, bundleOf(run).sha256), { stdin });
}

/** The destroy-time command of an existing host (cleanup step's delete). */
export function runCleanupDelete(run: BootstrapRun): Promise<RunResult> {
  return runRemoteCommand(withBootRetries(run.connection), stepCommands(run.runtime, timeoutsOf(run), bundleOf(run).sha256).cleanupDelete);
}
