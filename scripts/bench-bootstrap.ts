// Benchmark: the bootstrap's device steps over SSH on local test hosts (runtime already present),
// one host alone vs eight in parallel, fresh and re-run. Prints wall times and their ratios.
// Usage: npm run bench:bootstrap   (as root; needs openssh-server, openssl — scripts/install-test-tools)
import { runBootstrap, BootstrapRun } from "../tests/hosts/bootstrapOverSsh";
import { makeDeviceCertificates } from "../tests/hosts/testCertificates";
import { TestHost } from "../tests/hosts/testHost";

const PARALLEL = 8;
const RUNTIME = { aziotEdgeVersion: "1.6.0-1", preinstalled: false, agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6" };

function runFor(host: TestHost, i: number): BootstrapRun {
  const deviceId = `bench-${i}`;
  return { connection: host.connection, deviceId, iotHubHostName: "bench-hub.azure-devices.net", certificates: makeDeviceCertificates(deviceId), runtime: RUNTIME };
}

async function timed(runs: BootstrapRun[]): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(runs.map((r) => runBootstrap(r)));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function main(): Promise<void> {
  const hosts = await Promise.all(Array.from({ length: PARALLEL + 1 }, (_, i) => TestHost.start({ address: `127.0.5.${101 + i}`, name: `bench-${i}` })));
  try {
    const runs = hosts.map(runFor);
    const [single, ...many] = runs;
    const fresh1 = await timed([single]);
    const fresh8 = await timed(many);
    const again1 = await timed([single]);
    const again8 = await timed(many);
    const row = (what: string, one: number, eight: number) =>
      `${what.padEnd(22)} 1 host ${one.toFixed(2)} s   ${PARALLEL} hosts ${eight.toFixed(2)} s   ratio ${(eight / one).toFixed(2)}`;
    console.log(row("bootstrap (fresh)", fresh1, fresh8));
    console.log(row("re-run (no changes)", again1, again8));
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
