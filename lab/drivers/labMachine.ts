// What the lab needs from this machine: root, the test tools, the lab's Pulumi (lab/tools/install-pulumi),
// a folder outside the repository, and the lab's services as a background process.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { LabEndpoints } from "./labServices";
import { type LabPulumi, PROJECT_DIR } from "./labStack";
import type { DeviceResult } from "./upEvents";

export const progress = (line: string) => process.stderr.write(`lab: ${line}\n`);

/** ~/.cache/edge-provisioning/<name>: the lab's backend, config copy, keys and logs. */
export function labFolder(name = "lab"): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "edge-provisioning", name);
}

/** Stops with a clear message unless root and the tools are there; installs missing packages with scripts/install-test-tools. */
export function checkMachine(): void {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "the lab needs root: its SSH test hosts run in mount namespaces and the IoT Hub stand-in listens on port 443. Run it as root (sudo -E npm start).",
    );
  }
  const tools: Record<string, string> = {
    "/usr/sbin/sshd": "openssh-server",
    "/usr/bin/openssl": "openssl",
    "/usr/bin/unshare": "util-linux",
    "/usr/bin/ssh-keygen": "openssh-client",
  };
  const missing = Object.entries(tools).filter(([file]) => !existsSync(file));
  if (missing.length === 0) return;
  progress(`missing ${missing.map(([f, p]) => `${f} (${p})`).join(", ")}; installing with scripts/install-test-tools`);
  const r = spawnSync("bash", [join(PROJECT_DIR, "scripts", "install-test-tools")], { stdio: ["ignore", "inherit", "inherit"] });
  const still = missing.filter(([file]) => !existsSync(file));
  if (r.status !== 0 || still.length > 0) {
    throw new Error(
      `the lab needs ${still.map(([, p]) => p).join(", ") || "the test tools"}; scripts/install-test-tools failed (exit ${r.status}). Install them with apt-get and try again.`,
    );
  }
}

/** The lab's Pulumi CLI and its own PULUMI_HOME, from lab/tools/install-pulumi (builds the CLI once; ~7 min cold). */
export function labPulumi(): LabPulumi {
  progress("getting the lab's Pulumi (lab/tools/install-pulumi; the first build takes minutes)");
  const out = execFileSync(join(PROJECT_DIR, "lab", "tools", "install-pulumi"), [], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 35 * 60_000,
  });
  const [bin = "", home = ""] = out.trim().split("\n").slice(-2);
  if (!existsSync(join(bin, "pulumi")))
    throw new Error(`lab/tools/install-pulumi printed "${bin}" as the CLI's folder, which has no pulumi`);
  if (!existsSync(join(home, "plugins")))
    throw new Error(`lab/tools/install-pulumi printed "${home}" as the lab's Pulumi home, which has no plugins`);
  return { bin, home };
}

export interface RunningServices {
  readonly pid: number;
  readonly endpoints: LabEndpoints;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The lab's services process, when one is running for this folder. */
export function runningServices(dir: string): RunningServices | undefined {
  const file = join(dir, "endpoints.json");
  if (!existsSync(file)) return undefined;
  const data = JSON.parse(readFileSync(file, "utf8")) as LabEndpoints & { pid: number };
  if (!alive(data.pid)) {
    rmSync(file, { force: true });
    return undefined;
  }
  return { pid: data.pid, endpoints: data };
}

/** Starts lab/drivers/services-main.ts in the background for `stackFile`; resolves once it serves. */
export async function startServices(dir: string, stackFile: string): Promise<RunningServices> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const logFile = join(dir, "services.log");
  const log = openSync(logFile, "w");
  const tsNode = require.resolve("ts-node/dist/bin.js");
  const child = spawn(
    process.execPath,
    [tsNode, "--transpile-only", join(PROJECT_DIR, "lab", "drivers", "services-main.ts"), "--stack-file", stackFile, "--dir", dir],
    {
      cwd: PROJECT_DIR,
      detached: true,
      stdio: ["ignore", log, log],
    },
  );
  child.unref();
  const deadline = Date.now() + 60_000;
  for (;;) {
    const running = runningServices(dir);
    if (running) return running;
    if (child.exitCode !== null || !alive(child.pid!) || Date.now() > deadline) {
      const text = existsSync(logFile) ? readFileSync(logFile, "utf8").trim() : "";
      throw new Error(`the lab's services did not start:\n${text || "(no output)"}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops the services process (SIGTERM: it stops its hosts and stand-ins) and waits for it. */
export async function stopServices(running: RunningServices): Promise<void> {
  process.kill(running.pid, "SIGTERM");
  for (let i = 0; i < 150 && alive(running.pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(running.pid)) process.kill(running.pid, "SIGKILL");
}

/** One line per device: id, status, time, and its errors. */
export function deviceTable(
  results: readonly DeviceResult[],
  outputs: Record<string, { sshTarget?: string; identityThumbprints?: { sha256?: string } }> = {},
): string {
  const rows = results.map((r) => {
    const o = outputs[r.id] ?? {};
    const time = r.ms > 0 ? `${(r.ms / 1000).toFixed(1)} s` : "-";
    const line = `  ${r.id.padEnd(20)} ${r.status.padEnd(10)} ${time.padStart(8)}  ${o.sshTarget ?? ""}  ${(o.identityThumbprints?.sha256 ?? "").slice(0, 16)}`;
    return r.errors.length > 0 ? `${line}\n${r.errors.map((e) => `      ${e.split("\n").join("\n      ")}`).join("\n")}` : line;
  });
  return [`  ${"device".padEnd(20)} ${"status".padEnd(10)} ${"time".padStart(8)}  ssh target  identity (sha256)`, ...rows].join("\n");
}
