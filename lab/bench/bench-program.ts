// `npm run bench`: two measurements of the program, each in fresh processes (docs/benchmarks.md).
//
// Start-up: the program as `pulumi up` starts it (@pulumi/pulumi's cmd/run, lab/bench/startupProbe.ts),
// CPU from process start to its first own resource on a one-device stack, compiled (bin/, Pulumi.yaml `typescript: false`)
// against the baseline of the same run: ts-node transpiling the sources (`typescript: true`).
//
// Cost per device: the compiled program evaluated under Pulumi mocks for 1, 50 and 500 devices (half
// VMs, half existing hosts; `npm run bench -- --devices 1,50,2000` for others), timed from defineStack to the last
// registration; loading the modules is start-up's, not a device's. The baseline is the 50-device
// run's CPU per device; the mock harness keeps no copy of the registrations (countOnly).
//
// `npm run bench -- --startup-only` measures start-up alone.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { checkCompiledProgram, PROGRAM_OUT_DIR } from "../../components/compiledProgram";
import { PROJECT_ROOT } from "../../components/projectRoot";
import { runUnderMocks } from "../mocks/pulumiMocks";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../mocks/stacks";
import { measureStartup, StartupRun } from "./startupProbe";

const DEFAULT_COUNTS = [1, 50, 500];
const BASELINE_DEVICES = 50;
const GOAL_RATIO = 1.3;
const GOAL_PEAK_MB = 1500;
const GOAL_START_CPU_MS = 1500;
const START_RUNS = 3;
// Start-up is measured on a one-device stack: the first registration reaches the engine only after
// the program has constructed every resource (one synchronous pass), which is per-device cost.
const START_DEVICES = 1;

interface Figures {
  devices: number;
  resources: number;
  wallMs: number;
  cpuMs: number;
  peakRssMb: number;
  /** Heap in use after a full collection once every registration is done. */
  heapAfterMb: number;
}

function fleetConfig(devices: number): Record<string, string> {
  const entries = Array.from({ length: devices }, (_, i) => (i % 2 === 0 ? vmDevice(`edge-${i}`) : existingDevice(`gw-${i}`)));
  return asConfigMap(stackSettings(entries));
}

/** One measurement, in this process (a child started with --expose-gc). */
async function measure(devices: number): Promise<Figures> {
  checkCompiledProgram(join(PROGRAM_OUT_DIR, "index.js"));

  const program = require(join(PROGRAM_OUT_DIR, "components", "program")) as typeof import("../../components/program");
  const config = fleetConfig(devices);
  const cpu = process.cpuUsage();
  const start = performance.now();
  const run = await runUnderMocks(config, () => program.defineStack({ projectDir: PROJECT_ROOT }), undefined, { countOnly: true });
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  (globalThis as { gc?: () => void }).gc?.();
  return {
    devices,
    resources: run.registrations,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    heapAfterMb: process.memoryUsage().heapUsed / 1048576,
  };
}

function runChild(devices: number): Figures {
  // Node's default heap limit (about 4 GB on this machine) is below what 2,000 devices once took.
  const heap = devices > 500 ? ["--max-old-space-size=16384"] : [];
  const child = spawnSync(
    process.execPath,
    [...heap, "--expose-gc", "-r", "ts-node/register/transpile-only", __filename, "--child", String(devices)],
    {
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (child.status !== 0) throw new Error(`bench child for ${devices} devices failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fixed = (x: number, digits = 0) => x.toFixed(digits);

async function startup(): Promise<boolean> {
  const config = fleetConfig(START_DEVICES);
  const runs: Record<"ts-node" | "compiled", StartupRun[]> = { "ts-node": [], compiled: [] };
  for (let i = 0; i < START_RUNS; i++) {
    runs["ts-node"].push(await measureStartup({ projectDir: PROJECT_ROOT, config, typescript: true }));
    runs.compiled.push(await measureStartup({ projectDir: PROJECT_ROOT, config, typescript: false }));
  }
  console.log(`start-up to the first resource (${START_DEVICES} device; ${START_RUNS} runs each, median [min-max]):`);
  console.log("  program           CPU ms              wall ms");
  for (const [label, list] of Object.entries(runs)) {
    const cpu = list.map((r) => r.cpuMs);
    const wall = list.map((r) => r.wallMs);
    console.log(
      `  ${label.padEnd(9)}  ${fixed(median(cpu)).padStart(6)} [${fixed(Math.min(...cpu))}-${fixed(Math.max(...cpu))}]  ${fixed(median(wall)).padStart(8)} [${fixed(Math.min(...wall))}-${fixed(Math.max(...wall))}]`,
    );
  }
  const compiled = median(runs.compiled.map((r) => r.cpuMs));
  const ratio = compiled / median(runs["ts-node"].map((r) => r.cpuMs));
  const ok = compiled <= GOAL_START_CPU_MS;
  console.log(
    `  compiled vs ts-node: ${fixed(ratio, 2)}x the CPU; compiled ${fixed(compiled)} ms (goal <= ${GOAL_START_CPU_MS} ms: ${ok ? "within" : "OVER"})`,
  );
  return ok;
}

function perDevice(counts: number[]): boolean {
  const results = counts.map(runChild);
  console.log("cost per device under mocks (compiled program):");
  console.log("  devices  resources  CPU ms  CPU ms/device  wall ms  wall ms/device  peak RSS MB  heap after MB");
  for (const r of results) {
    console.log(
      `  ${String(r.devices).padStart(7)}  ${String(r.resources).padStart(9)}  ${fixed(r.cpuMs).padStart(6)}  ${fixed(r.cpuMs / r.devices, 1).padStart(13)}  ${fixed(r.wallMs).padStart(7)}  ${fixed(r.wallMs / r.devices, 1).padStart(14)}  ${fixed(r.peakRssMb).padStart(11)}  ${fixed(r.heapAfterMb).padStart(13)}`,
    );
  }
  const base = results.find((r) => r.devices === BASELINE_DEVICES);
  if (!base) return true;
  let ok = true;
  for (const r of results.filter((x) => x.devices > BASELINE_DEVICES)) {
    const cpuRatio = r.cpuMs / r.devices / (base.cpuMs / base.devices);
    const wallRatio = r.wallMs / r.devices / (base.wallMs / base.devices);
    const goals = r.devices === 500 ? [cpuRatio <= GOAL_RATIO, r.peakRssMb <= GOAL_PEAK_MB] : [];
    ok = ok && goals.every(Boolean);
    const verdict =
      r.devices === 500 ? ` (goals <= ${GOAL_RATIO}x and <= ${GOAL_PEAK_MB} MB peak: ${goals.every(Boolean) ? "within" : "OVER"})` : "";
    console.log(
      `  ${r.devices} vs ${BASELINE_DEVICES} devices: ${fixed(cpuRatio, 2)}x the CPU per device, ${fixed(wallRatio, 2)}x the wall time per device, ${fixed(r.peakRssMb)} MB peak${verdict}`,
    );
  }
  return ok;
}

async function main(): Promise<number> {
  const at = process.argv.indexOf("--devices");
  const counts = at >= 0 ? process.argv[at + 1].split(",").map(Number) : DEFAULT_COUNTS;
  const started = await startup();
  if (process.argv.includes("--startup-only")) return started ? 0 : 1;
  const flat = perDevice(counts);
  return started && flat ? 0 : 1;
}

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  measure(Number(process.argv[childAt + 1])).then(
    (figures) => console.log(JSON.stringify(figures)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
