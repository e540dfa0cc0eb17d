// `npm run bench:lab`: the real `pulumi up` of a lab stack (labServices.ts, on 127.0.9.x) for 1, 8
// and 32 devices (`-- --devices 1,8` for fewer), from nothing to every readiness gate passed; then a
// no-change `pulumi up` of the 8-device lab. Prints, for each, the wall time (the simulated devices'
// own work shares the machine's cores with the controller), the controller's CPU time (the `pulumi`
// process tree: CLI, program, providers, SSH client; from a cgroup, cpuGroup.ts) and the size of the
// stack's state file (the file backend's compact JSON), with the ratios against the smaller runs and
// the goals.
// Each lab is destroyed and stopped afterwards. Needs root, like `npm start`.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CpuGroup } from "./cpuGroup";
import { labConfigValues, labStackYaml } from "./labConfig";
import { checkMachine, labPulumi, progress } from "./labMachine";
import { LabServices, labDevices } from "./labServices";
import { type LabPulumi, LabStack } from "./labStack";
import { DEFAULT_READINESS_POLL_SECONDS } from "../../components/iotHub/edgeReadiness.provider";

const HUB = "127.0.9.1";
const VAULT = "127.0.9.2";

/** Goals (issue 16). The wall ratio has none: it includes the simulated devices' own work on the same cores. */
const GOALS = { cpuPerDeviceRatio: 1.2, noChangeMs: 4000, stateBytesPerDevice: 30 * 1024 };

interface Timed {
  readonly ms: number;
  readonly cpuMs: number;
  /** From starting `pulumi` to the engine's first event on a resource of the program (not the stack, which the SDK registers at once): start-up of the CLI and the program (ms). */
  readonly firstResourceMs: number;
}

interface Run {
  readonly devices: number;
  readonly up: Timed;
  readonly noChange?: Timed;
  readonly slowestDeviceMs: number;
  /** Bytes of the stack's state file after the up. */
  readonly stateBytes: number;
}

async function runLab(pulumi: LabPulumi, count: number, noChange: boolean): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), `edge-bench-lab-${count}-`));
  const devices = labDevices(
    Array.from({ length: count }, (_, i) => `bench-${String(i + 1).padStart(2, "0")}`),
    "127.0.9.10",
  );
  const plan = { hubAddress: HUB, vaultAddress: VAULT, devices };
  const group = CpuGroup.create(`edge-bench-lab-${process.pid}-${count}`);
  progress(`${count} device(s): starting the lab services`);
  const lab = await LabServices.start({ dir: join(dir, "services"), ...plan });
  const stack = new LabStack({
    stateDir: join(dir, "state"),
    stack: "lab",
    pulumi,
    endpoints: lab.endpoints,
    cpuGroupProcs: group.procsFile,
  });
  const timedUp = async () => {
    const [startedAt, cpuBefore] = [Date.now(), group.cpuMs()];
    const up = await stack.up();
    const programs = up.events.filter(
      (e) => e.event.resourcePreEvent && !e.event.resourcePreEvent.metadata?.urn?.includes("::pulumi:pulumi:Stack::"),
    );
    const first = Math.min(...programs.map((e) => e.seenAt));
    return { up, timed: { ms: up.ms, cpuMs: group.cpuMs() - cpuBefore, firstResourceMs: first - startedAt } };
  };
  try {
    const values = labConfigValues(plan, lab.endpoints, (f) => readFileSync(f, "utf8"));
    await stack.prepare(labStackYaml(plan), values.plain, values.secrets);
    progress(`${count} device(s): pulumi up`);
    const { up, timed } = await timedUp();
    if (up.code !== 0 || up.devices.some((d) => d.status !== "ready"))
      throw new Error(`pulumi up failed:\n${(up.stderr + up.stdout).slice(-3000)}`);
    const stateBytes = statSync(stack.stateFile).size;
    let again: Timed | undefined;
    if (noChange) {
      progress(`${count} device(s): pulumi up again (no change)`);
      const second = await timedUp();
      if (second.up.code !== 0 || second.up.devices.some((d) => d.status !== "unchanged"))
        throw new Error(`the no-change pulumi up changed something or failed:\n${second.up.stdout.slice(-3000)}`);
      again = second.timed;
    }
    progress(`${count} device(s): pulumi destroy`);
    const destroyed = await stack.destroy();
    if (destroyed.code !== 0) throw new Error(`pulumi destroy failed:\n${destroyed.stdout.slice(-3000)}`);
    return {
      devices: count,
      up: timed,
      noChange: again,
      slowestDeviceMs: Math.max(...up.devices.map((d) => d.ms)),
      stateBytes,
    };
  } finally {
    await lab.stop();
    await group.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `--devices 1,8,32` (the default): the fleet sizes to run; 8 is the one with the no-change up. */
function deviceCounts(argv: readonly string[]): number[] {
  const at = argv.indexOf("--devices");
  const counts = at === -1 ? [1, 8, 32] : (argv[at + 1] ?? "").split(",").map(Number);
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > 32)) {
    throw new Error(`--devices takes device counts from 1 to 32 (the lab's addresses), e.g. 1,8,32; got ${argv[at + 1]}`);
  }
  return counts;
}

async function main(): Promise<void> {
  const counts = deviceCounts(process.argv.slice(2));
  checkMachine();
  const pulumi = labPulumi();
  const runs: Run[] = [];
  for (const n of counts) runs.push(await runLab(pulumi, n, n === 8));
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const met = (ok: boolean) => (ok ? "met" : "NOT met");
  const of = (n: number) => runs.find((r) => r.devices === n);
  console.log("\nlab pulumi up (real CLI, command provider, dynamic providers; local stand-ins and test hosts)");
  console.log("  devices  wall    controller CPU  CPU per device  to 1st resource     state file");
  for (const r of runs) {
    console.log(
      `  ${String(r.devices).padStart(7)}  ${s(r.up.ms).padStart(6)}  ${s(r.up.cpuMs).padStart(14)}  ${s(r.up.cpuMs / r.devices).padStart(14)}` +
        `  ${s(r.up.firstResourceMs).padStart(19)}  ${kb(r.stateBytes).padStart(9)}`,
    );
  }
  console.log(
    `  (each device's time includes up to ${DEFAULT_READINESS_POLL_SECONDS} s waiting for the readiness gate's next look at the hub)`,
  );
  const [one, eight, many] = [of(1), of(8), of(32)];
  if (one && eight) {
    const ratio = eight.up.ms / one.up.ms;
    console.log(
      `  wall ratio 8:1 (includes the simulated devices' own work on the same cores, so no goal; the controller's CPU below has one): ${ratio.toFixed(2)}x`,
    );
  }
  if (eight && many) {
    const ratio = many.up.cpuMs / many.devices / (eight.up.cpuMs / eight.devices);
    console.log(
      `  controller CPU per device, 32 vs 8: ${ratio.toFixed(2)}x (goal <= ${GOALS.cpuPerDeviceRatio}x: ${met(ratio <= GOALS.cpuPerDeviceRatio)})`,
    );
  }
  if (eight?.noChange) {
    const nc = eight.noChange;
    console.log(
      `  no-change up, 8 devices: ${s(nc.ms)} (goal <= ${s(GOALS.noChangeMs)}: ${met(nc.ms <= GOALS.noChangeMs)}); controller CPU ${s(nc.cpuMs)}, ${s(nc.firstResourceMs)} before the program's first resource`,
    );
  }
  // Per device: what one more device adds to the exported state, between the two largest runs.
  const sized = [...runs].sort((a, b) => a.devices - b.devices);
  if (sized.length >= 2) {
    const [small, large] = sized.slice(-2);
    const perDevice = (large.stateBytes - small.stateBytes) / (large.devices - small.devices);
    console.log(
      `  state per device (${large.devices} vs ${small.devices} devices): ${kb(perDevice)} (goal <= ${kb(GOALS.stateBytesPerDevice)}: ${met(perDevice <= GOALS.stateBytesPerDevice)})`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(`bench:lab: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
