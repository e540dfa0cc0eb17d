// `npm run bench:lab`: the real `pulumi up` of a lab stack (labServices.ts, on 127.0.9.x) for 1
// device and for 8, from nothing to every readiness gate passed; then a no-change `pulumi up` of the
// 8-device lab. Prints each wall time and the 8:1 ratio (goals: at most 1.5x; no-change under 15 s).
// Each lab is destroyed and stopped afterwards. Needs root, like `npm start`.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labConfigValues, labStackYaml } from "./labConfig";
import { checkMachine, labPulumi, progress } from "./labMachine";
import { LabServices, labDevices } from "./labServices";
import { type LabPulumi, LabStack } from "./labStack";
import { DEFAULT_READINESS_POLL_SECONDS } from "../../components/iotHub/edgeReadiness.provider";

const HUB = "127.0.9.1";
const VAULT = "127.0.9.2";

interface Run {
  readonly devices: number;
  readonly upMs: number;
  readonly noChangeMs?: number;
  readonly slowestDeviceMs: number;
}

async function runLab(pulumi: LabPulumi, count: number, noChange: boolean): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), `edge-bench-lab-${count}-`));
  const devices = labDevices(
    Array.from({ length: count }, (_, i) => `bench-${String(i + 1).padStart(2, "0")}`),
    "127.0.9.10",
  );
  const plan = { hubAddress: HUB, vaultAddress: VAULT, devices };
  progress(`${count} device(s): starting the lab services`);
  const lab = await LabServices.start({ dir: join(dir, "services"), ...plan });
  const stack = new LabStack({ stateDir: join(dir, "state"), stack: "lab", pulumi, endpoints: lab.endpoints });
  try {
    const values = labConfigValues(plan, lab.endpoints, (f) => readFileSync(f, "utf8"));
    await stack.prepare(labStackYaml(plan), values.plain, values.secrets);
    progress(`${count} device(s): pulumi up`);
    const up = await stack.up();
    if (up.code !== 0 || up.devices.some((d) => d.status !== "ready"))
      throw new Error(`pulumi up failed:\n${(up.stderr + up.stdout).slice(-3000)}`);
    let noChangeMs: number | undefined;
    if (noChange) {
      progress(`${count} device(s): pulumi up again (no change)`);
      const again = await stack.up();
      if (again.code !== 0 || again.devices.some((d) => d.status !== "unchanged"))
        throw new Error(`the no-change pulumi up changed something or failed:\n${again.stdout.slice(-3000)}`);
      noChangeMs = again.ms;
    }
    progress(`${count} device(s): pulumi destroy`);
    const destroyed = await stack.destroy();
    if (destroyed.code !== 0) throw new Error(`pulumi destroy failed:\n${destroyed.stdout.slice(-3000)}`);
    return { devices: count, upMs: up.ms, noChangeMs, slowestDeviceMs: Math.max(...up.devices.map((d) => d.ms)) };
  } finally {
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  checkMachine();
  const pulumi = labPulumi();
  const one = await runLab(pulumi, 1, false);
  const eight = await runLab(pulumi, 8, true);
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const ratio = eight.upMs / one.upMs;
  console.log("\nlab pulumi up (real CLI, command provider, dynamic providers; local stand-ins and test hosts)");
  console.log(`  1 device : ${s(one.upMs)} (the device itself: ${s(one.slowestDeviceMs)})`);
  console.log(`  8 devices: ${s(eight.upMs)} (slowest device: ${s(eight.slowestDeviceMs)})`);
  console.log(`  ratio 8:1: ${ratio.toFixed(2)}x (goal <= 1.5x: ${ratio <= 1.5 ? "met" : "NOT met"})`);
  console.log(
    `  (each device's time includes up to ${DEFAULT_READINESS_POLL_SECONDS} s waiting for the readiness gate's next look at the hub)`,
  );
  console.log(`  no-change up, 8 devices: ${s(eight.noChangeMs!)} (goal < 15 s: ${eight.noChangeMs! < 15_000 ? "met" : "NOT met"})`);
}

main().catch((e: unknown) => {
  console.error(`bench:lab: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
