// Start-up cost of the program as `pulumi up` starts it: the language host runs @pulumi/pulumi's
// cmd/run with the engine's and resource monitor's addresses (lab/tools/pulumi-language-nodejs/run.go
// passes the same arguments and environment). Here both are stand-ins on loopback that answer
// what cmd/run asks before the program's first resource (SupportsFeature, the root stack's
// registration, Log, Get/SetRootResource), and the probe reads the process's CPU time from
// /proc/<pid>/stat when the first resource of the program itself arrives, then stops it.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";

const resourceGrpc = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resourcePb = require("@pulumi/pulumi/proto/resource_pb");
const engineGrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
const enginePb = require("@pulumi/pulumi/proto/engine_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
const gstruct = require("google-protobuf/google/protobuf/struct_pb");

export interface StartupRun {
  /** CPU (user + system) of the program's process from its start to its first own resource, ms. */
  readonly cpuMs: number;
  /** Wall time from spawning the process to that resource, ms. */
  readonly wallMs: number;
  /** The type of that resource. */
  readonly firstType: string;
}

export interface StartupOptions {
  readonly projectDir: string;
  /** Flat stack config (`edge:key` → text), as the CLI hands it to the program. */
  readonly config: Record<string, string>;
  /** true: Pulumi.yaml's `typescript: true` (ts-node, transpile-only, as the lab sets it) from index.ts; false: the compiled entry (package.json `main`). */
  readonly typescript: boolean;
  /** The program cmd/run runs (a path from projectDir); default the project's own: `index.ts`, or `.` (package.json `main`). */
  readonly entry?: string;
}

// Clock ticks per second of /proc/<pid>/stat (sysconf(_SC_CLK_TCK): 100 on Linux).
const CLOCK_TICKS = 100;

/** utime + stime of a process, ms (fields 14 and 15 of /proc/<pid>/stat, after the command name). */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

type Callback = (err: grpc.ServiceError | null, value?: unknown) => void;
type Handler = (call: { request: any }, callback: Callback) => void;

/** Runs the program once up to its first own resource. */
export async function measureStartup(options: StartupOptions): Promise<StartupRun> {
  const server = new grpc.Server();
  let onFirst: (type: string) => void = () => {};
  const first = new Promise<string>((resolve) => (onFirst = resolve));
  const notImplemented: Handler = (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED } as grpc.ServiceError);
  const monitor: Record<string, Handler> = {
    supportsFeature: (_call, callback) => callback(null, new resourcePb.SupportsFeatureResponse().setHassupport(true)),
    registerResource: (call, callback) => {
      const type: string = call.request.getType();
      const name: string = call.request.getName();
      if (type !== "pulumi:pulumi:Stack") onFirst(type);
      const response = new resourcePb.RegisterResourceResponse();
      response.setUrn(`urn:pulumi:bench::edge::${type}::${name}`);
      response.setObject(gstruct.Struct.fromJavaScript({}));
      callback(null, response);
    },
    registerResourceOutputs: (_call, callback) => callback(null, new Empty()),
    registerPackage: (_call, callback) => callback(null, new resourcePb.RegisterPackageResponse().setRef("bench")),
  };
  const errors: string[] = [];
  const engine: Record<string, Handler> = {
    log: (call, callback) => {
      if (call.request.getSeverity() === enginePb.LogSeverity.ERROR) errors.push(call.request.getMessage());
      callback(null, new Empty());
    },
    getRootResource: (_call, callback) => callback(null, new enginePb.GetRootResourceResponse().setUrn("")),
    setRootResource: (_call, callback) => callback(null, new enginePb.SetRootResourceResponse()),
  };
  const withDefaults = (service: Record<string, unknown>, handlers: Record<string, Handler>) =>
    Object.fromEntries(Object.keys(service).map((method) => [method, handlers[method] ?? notImplemented]));
  server.addService(resourceGrpc.ResourceMonitorService, withDefaults(resourceGrpc.ResourceMonitorService, monitor));
  server.addService(engineGrpc.EngineService, withDefaults(engineGrpc.EngineService, engine));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const address = `127.0.0.1:${port}`;
  const runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [options.projectDir] });
  const args = [runPath, "--monitor", address, "--engine", address, "--project", "edge", "--stack", "bench", "--pwd", options.projectDir];
  args.push("--parallel", "16", options.entry ?? (options.typescript ? "index.ts" : "."));
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: options.projectDir,
    env: {
      ...process.env,
      PULUMI_CONFIG: JSON.stringify(options.config),
      PULUMI_CONFIG_SECRET_KEYS: "[]",
      PULUMI_NODEJS_TYPESCRIPT: String(options.typescript),
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<string>((resolve) => child.on("exit", (code) => resolve(`exited with ${code}`)));
  try {
    const outcome = await Promise.race([first.then((type) => ({ type })), exited.then((why) => ({ why }))]);
    if (!("type" in outcome)) throw new Error(`the program ${outcome.why} before its first resource:\n${[...errors, stderr].join("\n")}`);
    const run = { cpuMs: cpuOf(child.pid!), wallMs: Date.now() - started, firstType: outcome.type };
    return run;
  } finally {
    child.kill("SIGKILL");
    await exited;
    server.forceShutdown();
  }
}

/** The program's entry the compiled run starts from, for the report. */
export function compiledEntry(projectDir: string): string {
  return join(projectDir, JSON.parse(readFileSync(join(projectDir, "package.json"), "utf8")).main);
}
