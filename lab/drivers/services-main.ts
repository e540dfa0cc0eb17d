// The lab's local services as one process (started by `npm start`, stopped by `npm run lab:down`):
//   npx ts-node --transpile-only lab/drivers/services-main.ts --stack-file Pulumi.lab.yaml --dir <lab folder>
// Starts what the stack file needs (labServices.ts), writes <dir>/endpoints.json (no secrets in it:
// secrets are in 0600 files beside it) and serves until SIGINT/SIGTERM, then stops everything.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { labPlanOf } from "./labConfig";
import { LabServices } from "./labServices";

function option(name: string): string {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? process.argv[at + 1] : undefined;
  if (!value) throw new Error(`--${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const dir = resolve(option("dir"));
  const plan = labPlanOf(readFileSync(resolve(option("stack-file")), "utf8"));
  const lab = await LabServices.start({ dir, ...plan });
  // The operator's step for certificateAuthority devices: their CA on the hub, verified.
  for (const [id, file] of lab.caFiles) {
    lab.registerHubCertificate(`lab-${id}-ca`, file);
    console.log(
      `lab services: registered ${file} on the hub as verified CA lab-${id}-ca (as \`az iot hub certificate create --verified\` would)`,
    );
  }
  const endpointsFile = join(dir, "endpoints.json");
  writeFileSync(endpointsFile, `${JSON.stringify({ pid: process.pid, ...lab.endpoints }, null, 2)}\n`);
  const dps = lab.endpoints.dps
    ? `, DPS ${lab.endpoints.dps.hostName}:443 (id scope ${lab.endpoints.dps.idScope}; devices signed by ${lab.endpoints.dps.fleetCaFile})`
    : "";
  console.log(`lab services: hub ${lab.endpoints.hubHostName}:443${dps}, vault ${lab.endpoints.vaultUrl}, ${lab.hosts.size} host(s)`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    rmSync(endpointsFile, { force: true });
    await lab.stop();
    console.log("lab services: stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
  setInterval(() => undefined, 1 << 30);
}

main().catch((e: unknown) => {
  console.error(`lab services: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
