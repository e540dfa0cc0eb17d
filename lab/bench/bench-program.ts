// `npm run bench`: evaluates the program under Pulumi mocks for 1, 50 and 500 devices, each in a
// fresh process, and prints wall time and peak memory per device count. The per-device cost of
// the 50-device run is the baseline; the goal is 500 devices at no more than 1.5x that cost.
// Then the same 500 devices with provisioning.mode dps beside hub mode: resources per device
// (no hub identity, no deployment) and evaluation time.
import { spawnSync } from "child_process";
import { performance } from "perf_hooks";
import { runUnderMocks } from "../mocks/pulumiMocks";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../mocks/stacks";

const COUNTS = [1, 50, 500];
const GOAL_RATIO = 1.5;
/** The fleet size of the hub vs dps comparison. */
const DPS_COUNT = 500;

type Mode = "hub" | "dps";

interface Figures {
  mode: Mode;
  devices: number;
  resources: number;
  /** Resources registered under the device components, per device (the rest are the fleet's). */
  perDevice: number;
  ms: number;
  peakRssMb: number;
}

/** One measurement, in this process: half the devices VMs, half existing hosts. */
async function measure(devices: number, mode: Mode): Promise<Figures> {
  const ids = Array.from({ length: devices }, (_, i) => (i % 2 === 0 ? `edge-${i}` : `gw-${i}`));
  const entries = ids.map((id, i) => (i % 2 === 0 ? vmDevice(id) : existingDevice(id)));
  const settings = stackSettings(entries);
  if (mode === "dps") {
    // An existing DPS reached by its service API; every device CA-signed by the fleet root.
    settings.defaults = {
      ...(settings.defaults as Record<string, unknown>),
      certificate: { source: "generate", authentication: "certificateAuthority" },
    };
    settings.provisioning = {
      mode: "dps",
      dps: {
        name: "bench-dps",
        idScope: "0ne00000A0A",
        connectionString:
          "HostName=bench-dps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=a2V5",
      },
    };
  }
  const config = asConfigMap(settings);
  const start = performance.now();
  const run = await runUnderMocks(config, () => require("../../components/program").defineStack({ projectDir: process.cwd() }));
  const ms = performance.now() - start;
  const ofDevice = new Set(ids.map((id) => `fleet-${id}`));
  const deviceResources = run.resources.filter((r) => ofDevice.has(r.name) || [...ofDevice].some((d) => r.name.startsWith(`${d}-`))).length;
  return {
    mode,
    devices,
    resources: run.resources.length,
    perDevice: deviceResources / devices,
    ms,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

function runChild(devices: number, mode: Mode = "hub"): Figures {
  const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--child", String(devices), mode], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench child for ${devices} ${mode} devices failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!);
}

function main(): number {
  const results = COUNTS.map((n) => runChild(n));
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

  const hub = results.find((x) => x.devices === DPS_COUNT)!;
  const dps = runChild(DPS_COUNT, "dps");
  console.log(`\n${DPS_COUNT} devices, hub vs dps provisioning`);
  console.log("mode  resources  per device  wall ms  ms/device  peak RSS MB");
  for (const r of [hub, dps]) {
    console.log(
      `${r.mode.padEnd(4)}  ${String(r.resources).padStart(9)}  ${r.perDevice.toFixed(1).padStart(10)}  ${r.ms.toFixed(0).padStart(7)}  ${(r.ms / r.devices).toFixed(2).padStart(9)}  ${r.peakRssMb.toFixed(0).padStart(11)}`,
    );
  }
  return ratio <= GOAL_RATIO ? 0 : 1;
}

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  measure(Number(process.argv[childAt + 1]), (process.argv[childAt + 2] as Mode | undefined) ?? "hub").then(
    (figures) => console.log(JSON.stringify(figures)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  process.exitCode = main();
}
