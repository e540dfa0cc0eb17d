// Runs the IoT Hub stand-in as a process, for a local lab (`pulumi up` against local services).
//   npx ts-node --transpile-only lab/standins/iotHub-main.ts --address 127.0.4.50 --out .lab/iothub [--simulate-devices-ms 2000]
// Writes <out>/ca.pem (give it to NODE_EXTRA_CA_CERTS) and <out>/connection-string (mode 0600: a
// secret, so it is never printed), then prints one JSON line {hostName, caFile, connectionStringFile}
// and serves until SIGINT/SIGTERM.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { IotHubStandin } from "./iotHubStandin";

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const out = resolve(option("out") ?? ".lab/iothub");
  const simulate = option("simulate-devices-ms");
  const hub = await IotHubStandin.start({
    address: option("address") ?? "127.0.4.50",
    simulateDevicesAfterMs: simulate === undefined ? undefined : Number(simulate),
  });
  mkdirSync(out, { recursive: true });
  const caFile = join(out, "ca.pem");
  const connectionStringFile = join(out, "connection-string");
  writeFileSync(caFile, hub.caCertPem);
  writeFileSync(connectionStringFile, hub.connectionString, { mode: 0o600 });
  chmodSync(connectionStringFile, 0o600);
  process.stdout.write(`${JSON.stringify({ hostName: hub.hostName, caFile, connectionStringFile })}\n`);
  const stop = () => void hub.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`iothub stand-in: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
