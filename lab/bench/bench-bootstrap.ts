// Benchmark: the bootstrap's converge step over SSH on local test hosts (runtime already present),
// one host alone vs eight in parallel, fresh and re-run. Prints wall times and their ratios.
// Usage: npm run bench:bootstrap   (as root; needs openssh-server, openssl — scripts/install-test-tools)
import { runBootstrap, BootstrapRun } from "../hosts/bootstrapOverSsh";
import { makeDeviceCertificates } from "../hosts/testCertificates";
import { TestHost } from "../hosts/testHost";
import * as os from "os";

const PARALLEL = 8;
const RUNTIME = { aziotEdgeVersion: "1.6.0-1", preinstalled: false, agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6" };

function runFor(host: TestHost, i: number): BootstrapRun {
  const deviceId = `bench-${i}`;
  return {
    connection: host.connection,
    deviceId,
    iotHubHostName: "bench-hub.azure-devices.net",
    certificates: makeDeviceCertificates(deviceId),
    runtime: RUNTIME,
  };
}

interface Timing {
  readonly wall: number;
  /** CPU seconds of this process (the SSH client side), to tell client-bound from host-bound. */
  readonly clientCpu: number;
}

/** Runs the converge step on each host at once; `expectApply` is what each run's last summary line (apply's) must start with. */
async function timed(runs: BootstrapRun[], expectApply: string): Promise<Timing> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const results = await Promise.all(runs.map((r) => runBootstrap(r)));
  const used = process.cpuUsage(cpu);
  // A figure counts only for the work it names: every part ran, and apply did (fresh) or skipped (re-run).
  for (const r of results) {
    const lines = r.stdout.trim().split("\n");
    if (lines.length !== 5 || !lines[4].startsWith(expectApply)) throw new Error(`unexpected converge output:\n${r.stdout}`);
  }
  return { wall: Number(process.hrtime.bigint() - started) / 1e9, clientCpu: (used.user + used.system) / 1e6 };
}

async function main(): Promise<void> {
  const hosts = await Promise.all(
    Array.from({ length: PARALLEL + 1 }, (_, i) => TestHost.start({ address: `127.0.5.${101 + i}`, name: `bench-${i}` })),
  );
  try {
    const runs = hosts.map(runFor);
    const [single, ...many] = runs;
    const fresh1 = await timed([single], "apply: applied");
    const fresh8 = await timed(many, "apply: applied");
    const again1 = await timed([single], "apply: skipped");
    const again8 = await timed(many, "apply: skipped");
    const row = (what: string, one: Timing, eight: Timing) =>
      `${what.padEnd(22)} 1 host ${one.wall.toFixed(2)} s   ${PARALLEL} hosts ${eight.wall.toFixed(2)} s   ratio ${(eight.wall / one.wall).toFixed(2)}` +
      `   (client CPU ${one.clientCpu.toFixed(2)} s / ${eight.clientCpu.toFixed(2)} s; ${os.cpus().length} cores)`;
    console.log(row("bootstrap (fresh)", fresh1, fresh8));
    console.log(row("re-run (unchanged)", again1, again8));
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
