// The stand-in as its own process, and the real SDK in another process trusting it only through
// NODE_EXTRA_CA_CERTS (read at process start): the set-up a local `pulumi up` lab uses.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const ROOT = join(__dirname, "..", "..");
let standin: ChildProcess;
let dir: string;
let started: { hostName: string; caFile: string; connectionStringFile: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "iothub-main-"));
  standin = spawn(
    process.execPath,
    [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "lab/standins/iotHub-main.ts", "--address", "127.0.4.4", "--out", dir],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: standin.stdout! }).once("line", resolve);
    standin.once("exit", (code) => reject(new Error(`stand-in exited with ${code}`)));
  });
  started = JSON.parse(line);
}, 30_000);

afterAll(async () => {
  if (standin.exitCode === null) {
    const exited = new Promise((resolve) => standin.once("exit", resolve));
    standin.kill("SIGTERM");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Creates then reads a device with the real SDK in a fresh node process. */
function sdkClient(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `
    const { Registry } = require("azure-iothub");
    const registry = Registry.fromConnectionString(require("fs").readFileSync(process.argv[1], "utf8"));
    (async () => {
      await registry.create({ deviceId: "env-" + process.pid, capabilities: { iotEdge: true }, authentication: { type: "certificateAuthority" } });
      const { responseBody } = await registry.get("env-" + process.pid);
      console.log(responseBody.authentication.type, responseBody.capabilities.iotEdge);
      process.exit(0);
    })().catch((e) => { console.error(e.message); process.exit(3); });`;
  return new Promise((resolve) => {
    execFile(process.execPath, ["-e", script, started.connectionStringFile], { cwd: ROOT, env, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

test("the stand-in process writes its CA and a 0600 connection string, and prints no secret", () => {
  expect(started.hostName).toBe("127.0.4.4");
  expect(readFileSync(started.caFile, "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);
  expect(statSync(started.connectionStringFile).mode & 0o777).toBe(0o600);
  expect(readFileSync(started.connectionStringFile, "utf8")).toMatch(
    /^HostName=127\.0\.4\.4;SharedAccessKeyName=iothubowner;SharedAccessKey=/,
  );
});

test("the real SDK reaches it with NODE_EXTRA_CA_CERTS set at process start", async () => {
  const result = await sdkClient({ ...process.env, NODE_EXTRA_CA_CERTS: started.caFile });
  expect(result).toMatchObject({ code: 0, stdout: "certificateAuthority true\n" });
});

test("without the CA the SDK refuses the stand-in's certificate", async () => {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const result = await sdkClient(env);
  expect(result.code).toBe(3);
  expect(result.stderr).toMatch(/unable to (verify the first|get local issuer) certificate/);
});
