// `npm run bench:modes`: the same fleet in provisioning.mode dps beside hub mode, under Pulumi
// mocks, each in a fresh process: resources per device (dps: no hub identity, no per-device
// deployment) and evaluation time. The hub run is the baseline of the same invocation.
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { runUnderMocks } from "../mocks/pulumiMocks";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../mocks/stacks";

/** The fleet size of the comparison; `npm run bench:modes -- --devices N` for another. */
const DEFAULT_DEVICES = 500;

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

function runChild(devices: number, mode: Mode): Figures {
  const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, "--child", String(devices), mode], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`bench child for ${devices} ${mode} devices failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!);
}

function main(): void {
  const at = process.argv.indexOf("--devices");
  const devices = at >= 0 ? Number(process.argv[at + 1]) : DEFAULT_DEVICES;
  const results = (["hub", "dps"] as const).map((mode) => runChild(devices, mode));
  console.log(`\n${devices} devices, hub vs dps provisioning (under mocks)`);
  console.log("mode  resources  per device  wall ms  ms/device  peak RSS MB");
  for (const r of results) {
    console.log(
      `${r.mode.padEnd(4)}  ${String(r.resources).padStart(9)}  ${r.perDevice.toFixed(1).padStart(10)}  ${r.ms.toFixed(0).padStart(7)}  ${(r.ms / r.devices).toFixed(2).padStart(9)}  ${r.peakRssMb.toFixed(0).padStart(11)}`,
    );
  }
  const [hub, dps] = results;
  console.log(
    `dps vs hub: ${(dps.perDevice / hub.perDevice).toFixed(2)}x the resources per device, ${(dps.ms / hub.ms).toFixed(2)}x the time`,
  );
}

const childAt = process.argv.indexOf("--child");
if (childAt >= 0) {
  measure(Number(process.argv[childAt + 1]), process.argv[childAt + 2] as Mode).then(
    (figures) => console.log(JSON.stringify(figures)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main();
}
