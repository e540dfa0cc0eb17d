// `npm run bench`: evaluates the program under Pulumi mocks for 1, 50 and 500 devices, each in a
// fresh process, and prints wall time and peak memory per device count. The per-device cost of
// the 50-device run is the baseline; the goal is 500 devices at no more than 1.5x that cost.
import { spawnSync } from "child_process";
import { performance } from "perf_hooks";
import { runUnderMocks } from "../mocks/pulumiMocks";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../mocks/stacks";

const COUNTS = [1, 50, 500];
const GOAL_RATIO = 1.5;

interface Figures {
  devices: number;
  resources: number;
  ms: number;
  peakRssMb: number;
}

/** One measurement, in this process: half the devices VMs, half existing hosts. */
async function measure(devices: number): Promise<Figures> {
  const entries = Array.from({ length: devices }, (_, i) => (i % 2 === 0 ? vmDevice(`edge-${i}`) : existingDevice(`gw-${i}`)));
  const config = asConfigMap(stackSettings(entries));
  const start = performance.now();
  const run = await runUnderMocks(config, () => require("../../components/program").defineStack({ projectDir: process.cwd() }));
  const ms = performance.now() - start;
  return { devices, resources: run.resources.length, ms, peakRssMb: process.resourceUsage().maxRSS / 1024 };
}

function runChild(devices: number): Figures {
  const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--child", String(devices)], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench child for ${devices} devices failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!);
}

function main(): number {
  const results = COUNTS.map(runChild);
  console.log("devices  resources  wall ms  ms/device  peak RSS MB");
  for (const r of results) {
    console.log(
      `${String(r.devices).padStart(7)}  ${String(r.resources).padStart(9)}  ${r.ms.toFixed(0).padStart(7)}  ${(r.ms / r.devices).toFixed(2).padStart(9)}  ${r.peakRssMb.toFixed(0).padStart(11)}`,
    );
  }
  const perDevice = (n: number) => {
    const r = results.find((x) => x.devices === n)!;
    return r.ms / r.devices;
  };
  const ratio = perDevice(500) / perDevice(50);
  const verdict = ratio <= GOAL_RATIO ? "within" : "OVER";
  console.log(`per-device cost, 500 vs 50 devices: ${ratio.toFixed(2)}x (goal <= ${GOAL_RATIO}x: ${verdict})`);
  return ratio <= GOAL_RATIO ? 0 : 1;
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
  process.exitCode = main();
}
