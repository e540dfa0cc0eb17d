// Drives the real Pulumi CLI on a lab stack: a local file backend, a passphrase secrets provider,
// and a copy of the stack's config file outside the repository where the lab's endpoints are set
// and its secrets (SSH keys, the hub connection string) are set with `pulumi config set --secret`,
// so they stay encrypted and the committed Pulumi.lab.yaml stays readable.
// The passphrase is LAB_PASSPHRASE: it protects nothing but this machine's throwaway lab.
import { spawn } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import type { LabEndpoints } from "./labServices";
import { AZ_STANDIN_DIR } from "./labServices";
import { deviceResults, type DeviceResult, readEvents, type StampedEvent } from "./upEvents";

/** Lab-only passphrase of the lab stack's secrets (documented as such; not a secret). */
export const LAB_PASSPHRASE = "edge-lab-only-passphrase";
export const PROJECT_DIR = resolve(__dirname, "..", "..");
/**
 * Resource operations at once. The CLI's default is 4 per CPU (8 here); a readiness gate holds its
 * slot while it polls the hub, so with as many devices as slots the other steps would queue behind it.
 */
export const LAB_PARALLEL = 64;

/** The lab's Pulumi, from lab/tools/install-pulumi: never the user's own Pulumi home. */
export interface LabPulumi {
  /** Folder with `pulumi` (and, when built, our language host beside it). */
  readonly bin: string;
  /** The lab's own PULUMI_HOME (its plugin cache holds our `command` plugin). */
  readonly home: string;
}

export interface LabStackOptions {
  /** Folder of the lab's backend and config copy. */
  readonly stateDir: string;
  readonly stack: string;
  readonly pulumi: LabPulumi;
  readonly endpoints: LabEndpoints;
  /** A cgroup's `cgroup.procs` (cpuGroup.ts): each `pulumi` starts in it, so the group counts the CLI's whole process tree. */
  readonly cpuGroupProcs?: string;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface UpResult extends RunResult {
  readonly devices: DeviceResult[];
  readonly events: StampedEvent[];
}

export class LabStack {
  /** The stack's config file: the copy with the lab's values and encrypted secrets. */
  readonly configFile: string;
  /** The stack's state as the file backend keeps it (compact JSON; the project is `edge`, Pulumi.yaml). */
  readonly stateFile: string;
  private readonly shadowDir: string;

  constructor(private readonly options: LabStackOptions) {
    this.shadowDir = join(options.stateDir, "project");
    this.configFile = join(this.shadowDir, `Pulumi.${options.stack}.yaml`);
    this.stateFile = join(options.stateDir, "backend", ".pulumi", "stacks", "edge", `${options.stack}.json`);
  }

  env(): NodeJS.ProcessEnv {
    const { pulumi, stateDir, endpoints } = this.options;
    return {
      ...process.env,
      PATH: `${pulumi.bin}:${AZ_STANDIN_DIR}:${process.env.PATH ?? ""}`,
      // Plugins (our `command` provider), workspace files and credentials stay in the lab's home:
      // ~/.pulumi is the user's, where our plugin would replace upstream's for their own stacks.
      PULUMI_HOME: pulumi.home,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_BACKEND_URL: `file://${join(stateDir, "backend")}`,
      PULUMI_CONFIG_PASSPHRASE: LAB_PASSPHRASE,
      // --event-log is one of the CLI's hidden flags (as the Automation API uses it).
      PULUMI_DEBUG_COMMANDS: "true",
      // Trust the stand-ins' CAs (the SDKs read this at process start; the engine passes it on).
      NODE_EXTRA_CA_CERTS: endpoints.caBundleFile,
      // DefaultAzureCredential asks only the Azure CLI, here the lab's stand-in (lab/azure-cli-standin).
      AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
      EDGE_LAB_AZ_TOKEN_FILE: endpoints.azTokenFile,
    };
  }

  /** Runs `pulumi <args>` in the project folder. `onLine` sees stderr and stdout lines as they come. */
  run(args: readonly string[], options: { withConfig?: boolean; cwd?: string; onLine?: (line: string) => void } = {}): Promise<RunResult> {
    const started = Date.now();
    const full = [...args, ...(options.withConfig === false ? [] : ["--stack", this.options.stack, "--config-file", this.configFile])];
    return new Promise((resolvePromise, reject) => {
      // Stack commands without --config-file run in the shadow folder, never touching the repository's stack file.
      const cwd = options.cwd ?? (options.withConfig === false ? this.shadowDir : PROJECT_DIR);
      const pulumi = join(this.options.pulumi.bin, "pulumi");
      const procs = this.options.cpuGroupProcs;
      // With a CPU group: a shell joins it, then becomes pulumi (exec), before anything else starts.
      const [file, argv] = procs ? ["sh", ["-c", 'echo $$ > "$0" && exec "$@"', procs, pulumi, ...full]] : [pulumi, full];
      const child = spawn(file, argv, { cwd, env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      const lines = (chunk: string) => options.onLine && chunk.split("\n").filter(Boolean).forEach(options.onLine);
      child.stdout.on("data", (d: Buffer) => ((stdout += d.toString()), lines(d.toString())));
      child.stderr.on("data", (d: Buffer) => ((stderr += d.toString()), lines(d.toString())));
      child.on("error", reject);
      child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout, stderr, ms: Date.now() - started }));
    });
  }

  async runOk(args: readonly string[], options: { withConfig?: boolean; cwd?: string } = {}): Promise<RunResult> {
    const result = await this.run(args, options);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (${result.code}):\n${(result.stderr + result.stdout).trim()}`);
    return result;
  }

  /** Which engine and plugins the lab runs: `pulumi version` and `pulumi plugin ls` in the lab's environment. */
  async engine(): Promise<string> {
    const { bin, home } = this.options.pulumi;
    mkdirSync(this.options.stateDir, { recursive: true });
    const version = await this.runOk(["version"], { withConfig: false, cwd: this.options.stateDir });
    const plugins = await this.runOk(["plugin", "ls"], { withConfig: false, cwd: this.options.stateDir });
    return `pulumi ${version.stdout.trim()} at ${join(bin, "pulumi")}, PULUMI_HOME=${home}\n${plugins.stdout.trimEnd()}`;
  }

  /**
   * Creates the stack (once) from `baseConfig` (the committed Pulumi.<stack>.yaml's text), then sets
   * `plain` values and `secrets` (config paths → values) in the copy.
   */
  async prepare(baseConfig: string, plain: Record<string, string>, secrets: Record<string, string>): Promise<void> {
    mkdirSync(this.shadowDir, { recursive: true, mode: 0o700 });
    copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(this.shadowDir, "Pulumi.yaml"));
    mkdirSync(join(this.options.stateDir, "backend"), { recursive: true });
    const exists = (await this.run(["stack", "ls", "--json"], { withConfig: false })).stdout.includes(`"name": "${this.options.stack}"`);
    if (!exists) {
      // `stack init` writes the passphrase's salt into Pulumi.<stack>.yaml of the folder it runs in:
      // a shadow folder with the project file, never the repository's committed stack file.
      writeFileSync(this.configFile, baseConfig);
      await this.runOk(["stack", "init", this.options.stack, "--secrets-provider", "passphrase"], {
        withConfig: false,
        cwd: this.shadowDir,
      });
    } else {
      // Keep the salt line; take everything else from the committed file again.
      const salt = readFileSync(this.configFile, "utf8").match(/^encryptionsalt:.*$/m)?.[0];
      writeFileSync(this.configFile, `${salt ? `${salt}\n` : ""}${baseConfig}`);
    }
    const args = ["config", "set-all", "--path"];
    for (const [k, v] of Object.entries(plain)) args.push("--plaintext", `${k}=${v}`);
    for (const [k, v] of Object.entries(secrets)) args.push("--secret", `${k}=${v}`);
    await this.runOk(args);
  }

  /** `pulumi up --yes`, with each device's result and timing from the engine's event log. */
  async up(extra: readonly string[] = [], onLine?: (line: string) => void): Promise<UpResult> {
    return this.withEvents(
      "up",
      ["up", "--yes", "--skip-preview", "--suppress-progress", "--parallel", String(LAB_PARALLEL), ...extra],
      onLine,
    );
  }

  async preview(extra: readonly string[] = []): Promise<UpResult> {
    return this.withEvents("preview", ["preview", ...extra]);
  }

  async destroy(onLine?: (line: string) => void): Promise<RunResult> {
    return this.run(["destroy", "--yes", "--skip-preview", "--suppress-progress", "--parallel", String(LAB_PARALLEL)], { onLine });
  }

  /** Removes the stack's state and the config copy (after a destroy). */
  async remove(): Promise<void> {
    // In the shadow folder and --preserve-config: `stack rm` otherwise deletes the project's Pulumi.<stack>.yaml.
    await this.run(["stack", "rm", this.options.stack, "--yes", "--force", "--preserve-config"], {
      withConfig: false,
      cwd: this.shadowDir,
    });
    rmSync(this.configFile, { force: true });
    // The stacks of a split fleet share the folder: it goes with the last stack's config file.
    if (readdirSync(this.shadowDir).every((file) => file === "Pulumi.yaml")) rmSync(this.shadowDir, { recursive: true, force: true });
  }

  private async withEvents(kind: string, args: string[], onLine?: (line: string) => void): Promise<UpResult> {
    // One log per stack: the stacks of a split fleet share a state folder and run at once.
    const log = join(this.options.stateDir, `${this.options.stack}-${kind}-events.jsonl`);
    rmSync(log, { force: true });
    // Stamp each event when it appears (the engine's own timestamps are whole seconds).
    const events: StampedEvent[] = [];
    let offset = 0;
    let partial = "";
    const poll = () => {
      if (!existsSync(log)) return;
      const size = statSync(log).size;
      if (size <= offset) return;
      const buffer = Buffer.alloc(size - offset);
      const fd = openSync(log, "r");
      readSync(fd, buffer, 0, buffer.length, offset);
      closeSync(fd);
      offset = size;
      const text = partial + buffer.toString("utf8");
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      events.push(...readEvents(lines, Date.now()));
    };
    const timer = setInterval(poll, 100);
    try {
      const result = await this.run([...args, "--event-log", log], { onLine });
      poll();
      if (partial) events.push(...readEvents([partial], Date.now()));
      return { ...result, events, devices: deviceResults(events) };
    } finally {
      clearInterval(timer);
    }
  }
}
