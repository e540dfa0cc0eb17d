// Starts SSH test hosts as a local service (for the lab / a full `pulumi up` against local hosts)
// and keeps them until SIGINT/SIGTERM. Prints one JSON line per host: address, port, user,
// the client private key's file and the host key, to put in a stack's `existing` host settings.
// Usage (as root): npx ts-node --transpile-only lab/hosts/main.ts [--count N] [--first-address 127.0.5.201] [--port 22005] [--no-runtime]
import { DEFAULT_PORT, TestHost } from "./testHost";
import { join } from "path";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const count = Number(option("count", "1"));
  const [a, b, c, d] = option("first-address", "127.0.5.201").split(".").map(Number);
  const port = Number(option("port", String(DEFAULT_PORT)));
  const runtime = process.argv.includes("--no-runtime") ? null : undefined;
  if (a !== 127 || !(count >= 1) || d + count > 255)
    throw new Error("need --count >= 1 and a 127.x.y.z first address with room for the hosts");
  const hosts = await Promise.all(
    Array.from({ length: count }, (_, i) => TestHost.start({ address: `${a}.${b}.${c}.${d + i}`, port, name: `lab-${i}`, runtime })),
  );
  for (const h of hosts) {
    const { host, user, hostKey } = h.connection;
    console.log(JSON.stringify({ address: host, port, user, privateKeyFile: join(h.dir, "client_key"), hostKey, files: h.dir }));
  }
  console.error(`test-hosts: ${hosts.length} host(s) up; Ctrl-C or SIGTERM stops them and removes their files`);
  const stop = async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  setInterval(() => undefined, 1 << 30);
}

main().catch((e) => {
  console.error(`test-hosts: ${(e as Error).message}`);
  process.exit(1);
});
