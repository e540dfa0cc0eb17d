// `npm start`: the local lab, the README's main job on a machine without Azure. Brings up the lab's
// services (IoT Hub and Key Vault stand-ins, SSH test hosts with the edge-runtime simulator) for
// the fleet in Pulumi.lab.yaml, runs the real `pulumi up --yes` on the `lab` stack, and prints each
// device with its status and the time it took. `npm run lab:down` takes it all away again.
// `--dps` runs Pulumi.lab-dps.yaml instead: the fleet provisions itself through the DPS stand-in.
// Usage (as root): npm start [-- --dps | --stack-file Pulumi.lab.yaml]
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { labConfigValues, labPlanOf } from "./labConfig";
import { checkMachine, deviceTable, labFolder, progress, labPulumi, runningServices, startServices } from "./labMachine";
import { LabStack, PROJECT_DIR } from "./labStack";

async function main(): Promise<number> {
  const at = process.argv.indexOf("--stack-file");
  const defaultFile = process.argv.includes("--dps") ? "Pulumi.lab-dps.yaml" : "Pulumi.lab.yaml";
  const stackFile = resolve(PROJECT_DIR, at >= 0 ? process.argv[at + 1] : defaultFile);
  const baseConfig = readFileSync(stackFile, "utf8");
  const plan = labPlanOf(baseConfig);
  checkMachine();
  const pulumi = labPulumi();
  const dir = labFolder();
  let services = runningServices(dir);
  if (services) {
    progress(`reusing the lab services already running (pid ${services.pid})`);
  } else {
    progress(
      `starting the lab services: IoT Hub stand-in on ${plan.hubAddress}:443, ${plan.dps ? `DPS stand-in on ${plan.dps.address}:443 (id scope ${plan.dps.idScope}), ` : ""}Key Vault stand-in on ${plan.vaultAddress}, ${plan.devices.length} SSH test host(s) with the edge-runtime simulator`,
    );
    services = await startServices(dir, stackFile);
    progress(`services up (pid ${services.pid}; log ${join(dir, "services.log")})`);
  }
  const stack = new LabStack({ stateDir: dir, stack: "lab", pulumi, endpoints: services.endpoints });
  if (plan.devices.some((d) => !services!.endpoints.hosts[d.id]) || !plan.dps !== !services.endpoints.dps) {
    throw new Error("the running lab services were started for another fleet; run `npm run lab:down` first");
  }
  progress(`the lab's Pulumi: ${(await stack.engine()).replace(/\n/g, "\n  ")}`);
  progress(`preparing the lab stack (file backend and config copy in ${dir}; secrets set with pulumi config set --secret)`);
  const values = labConfigValues(plan, services.endpoints, (f) => readFileSync(f, "utf8"));
  await stack.prepare(baseConfig, values.plain, values.secrets);
  progress(`pulumi up --yes --stack lab (${plan.devices.length} device(s))`);
  const up = await stack.up([], (line) => process.stderr.write(`  ${line}\n`));
  const outputs = await stack.run(["stack", "output", "devices", "--json", "--stack", "lab"], { withConfig: false });
  const devices = outputs.code === 0 ? (JSON.parse(outputs.stdout || "{}") as Record<string, never>) : {};
  console.log(`\npulumi up ${up.code === 0 ? "succeeded" : "FAILED"} in ${(up.ms / 1000).toFixed(1)} s`);
  console.log(deviceTable(up.devices, devices));
  console.log(`\nOn a device: ssh -i ${join(dir, "ssh-key-<id>")} -p 2222 root@<address> iotedge list   Tear down: npm run lab:down`);
  return up.code === 0 && up.devices.every((d) => d.status !== "failed") ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
