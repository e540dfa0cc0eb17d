// The slow fault cases — dpkg's lock held for 30 s, apt's lists lock held for 30 s as an install
// from the repository starts, an sshd that refuses connections for 20 s — as scenarios that run on hosts of their own while the other SSH cases run, so the suite
// waits for them once. All use the real device scripts and the component's connection settings: the
// lock cases run the converge step's install part alone (runPart), the sshd case the whole step.
import { BootstrapRun, runBootstrap, runPart, stageScripts } from "../../lab/hosts/bootstrapOverSsh";
import { dial, RemoteCommandError, RunResult, runRemoteCommand } from "../../lab/hosts/sshRunner";
import { makeDeviceCertificates } from "../../lab/hosts/testCertificates";
import { TestHost } from "../../lab/hosts/testHost";

export const APT_LOCK_SECONDS = 30;
export const SSHD_REFUSAL_SECONDS = 20;

const RUNTIME = {
  aziotEdgeVersion: "1.6.0-1",
  mobyEngineVersion: "25.0.5-1",
  preinstalled: false,
  agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6",
};

// Holds a lock file the way apt and dpkg do (an fcntl write lock), then sleeps.
const holdLock = (file: string, seconds: number) =>
  `setsid perl -MFcntl -e 'open(my $f, ">>", "${file}") or die $!; ` +
  `my $l = pack("s s x4 q q i x4", F_WRLCK, 0, 0, 0, 0); fcntl($f, F_SETLKW, $l) or die $!; $| = 1; print "locked\\n"; sleep ${seconds}' ` +
  `>/var/lib/aziot/lock-holder.out 2>&1 </dev/null & ` +
  `for _ in $(seq 50); do grep -q locked /var/lib/aziot/lock-holder.out 2>/dev/null && exit 0; sleep 0.1; done; exit 1`;

const runOn = (h: TestHost, extra: Partial<BootstrapRun> = {}): BootstrapRun => ({
  connection: h.connection,
  deviceId: "edge-slow",
  iotHubHostName: "hub.azure-devices.net",
  certificates: makeDeviceCertificates("edge-slow"),
  runtime: RUNTIME,
  ...extra,
});

export interface AptLockOutcome {
  /** From taking the lock to the install part's end. */
  readonly seconds: number;
  /** The install part with the default lock bound (600 s). */
  readonly waited: RunResult;
  /** The same part with a 3 s bound, run at the same time. */
  readonly bounded: unknown;
}

export async function aptLockScenario(host: TestHost): Promise<AptLockOutcome> {
  await runRemoteCommand(host.connection, holdLock("/var/lib/dpkg/lock-frontend", APT_LOCK_SECONDS));
  const heldAt = Date.now();
  const [waited, bounded] = await Promise.all([
    runPart(runOn(host), "install"),
    runPart(runOn(host, { timeouts: { aptLockSeconds: 3 } }), "install").catch((e: RemoteCommandError) => e),
  ]);
  return { seconds: (Date.now() - heldAt) / 1000, waited, bounded };
}

export interface ListsLockOutcome {
  /** From taking the lock to the install part's end. */
  readonly seconds: number;
  readonly install: RunResult;
}

/** `apt-get update` takes the lists lock without waiting: the install part must wait for it (host: a packageRepo host without the runtime). */
export async function listsLockScenario(host: TestHost): Promise<ListsLockOutcome> {
  await runRemoteCommand(host.connection, holdLock("/var/lib/apt/lists/lock", APT_LOCK_SECONDS));
  const heldAt = Date.now();
  const install = await runPart(runOn(host), "install");
  return { seconds: (Date.now() - heldAt) / 1000, install };
}

export interface SshdRefusalOutcome {
  readonly seconds: number;
  /** The first step, the scripts' copy, dialling with the bootstrap's connection settings. */
  readonly staged: RunResult;
  /** The converge step after it. */
  readonly converge: RunResult;
  /** A dial with the provider's default dialErrorLimit (10), started at the same time. */
  readonly defaultLimit: string;
}

export async function sshdRefusalScenario(host: TestHost): Promise<SshdRefusalOutcome> {
  const { restarted } = await host.refuseFor(SSHD_REFUSAL_SECONDS * 1000);
  const refusedAt = Date.now();
  const defaultLimit = dial({ ...host.connection, dialErrorLimit: 10 }).then(
    ({ client }) => (client.end(), "connected"),
    (e: Error) => e.message,
  );
  const staged = await stageScripts(host.connection);
  const converge = await runBootstrap(runOn(host));
  await restarted;
  return { seconds: (Date.now() - refusedAt) / 1000, staged, converge, defaultLimit: await defaultLimit };
}
