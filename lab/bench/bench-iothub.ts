// Benchmark: N device identities created through IotHubDeviceProvider (its production retry
// policy) against the local IoT Hub stand-in, a share of all requests throttled with 429.
//   npm run bench:hub [-- --devices 100 --throttle 0.2 --concurrency 10 --seed 7]
// Prints time and retry figures; exits non-zero unless every identity was created.
import { IotHubDeviceProvider } from "../../components/iotHub/iotHubDevice.provider";
import { IotHubStandin } from "../standins/iotHubStandin";

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const devices = option("devices", 100);
  const throttle = option("throttle", 0.2);
  const concurrency = option("concurrency", 10);
  const hub = await IotHubStandin.start({ address: "127.0.4.60" });
  hub.setFaultRate({ rate: throttle, statuses: [429], seed: option("seed", 7) });
  const provider = new IotHubDeviceProvider();
  const access = {
    hubHostName: hub.hostName,
    hubAuth: "connectionString" as const,
    connectionString: hub.connectionString,
    trustedCaPem: hub.caCertPem,
  };
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    for (let i = next++; i < devices; i = next++) {
      const deviceId = `bench-${String(i).padStart(3, "0")}`;
      const t0 = performance.now();
      try {
        await provider.create({
          ...access,
          deviceId,
          authType: "selfSigned",
          status: "enabled",
          adoptExisting: false,
          primaryThumbprint: (i.toString(16).padStart(4, "0") + "A".repeat(36)).toUpperCase(),
          secondaryThumbprint: "B".repeat(64),
        });
        latencies.push(performance.now() - t0);
      } catch (error) {
        failures.push(`${deviceId}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  const requests = hub.requests.length;
  const throttled = hub.countOf(429);
  const perDevice = new Map<string, number>();
  for (const r of hub.requests) perDevice.set(r.url, (perDevice.get(r.url) ?? 0) + 1);
  const sorted = [...latencies].sort((a, b) => a - b);
  await hub.stop();

  const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(28)} ${value}\n`);
  line("identities created", `${hub.model.identities.size} of ${devices} (concurrency ${concurrency})`);
  line("requests sent", String(requests));
  line("throttled (429) = retries", `${throttled} (${((throttled / requests) * 100).toFixed(1)}% of requests)`);
  line("most attempts, one device", String(Math.max(...perDevice.values())));
  line("wall time", `${elapsedS.toFixed(2)} s (${(devices / elapsedS).toFixed(1)} identities/s)`);
  if (sorted.length > 0) {
    line(
      "create latency p50/p95/max",
      `${percentile(sorted, 50).toFixed(0)} / ${percentile(sorted, 95).toFixed(0)} / ${sorted[sorted.length - 1].toFixed(0)} ms`,
    );
  }
  if (failures.length > 0 || hub.model.identities.size !== devices) {
    process.stdout.write(`FAILED: ${failures.length} identities not created\n${failures.slice(0, 5).join("\n")}\n`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-iothub: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
