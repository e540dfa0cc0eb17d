// Runs the Go tests of our own Pulumi plugins (lab/tools/pulumi-resource-command, including
// a real sshd on 127.0.77.1, and lab/tools/pulumi-language-nodejs) through
// `lab/tools/install-pulumi --go-test`, which tests them in a module with the same go.mod as
// the build, without building the CLI. Needs Go (as scripts/install-test-tools does for
// actionlint) and openssh-server, which scripts/install-test-tools installs before jest.
// The first run on a fresh machine downloads the sdk/v3 modules and compiles them (about a
// minute or two); later runs take a few seconds.
import { execFile, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "../..");
const script = path.join(root, "lab/tools/install-pulumi");

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

describe("tools/ Go programs", () => {
  it("pass `go test ./...` (via lab/tools/install-pulumi --go-test)", async () => {
    const { code, output } = await run("bash", [script, "--go-test"]);
    if (code !== 0) throw new Error(`go test of tools/ failed (exit ${code}):\n${output}`);
    // Both packages must have run tests, not just compiled.
    expect(output).toMatch(/^ok\s+\S+\/cmd\/pulumi-resource-command\s/m);
    expect(output).toMatch(/^ok\s+\S+\/cmd\/pulumi-language-nodejs\s/m);
  }, 600_000);

  it("lab/tools/install-pulumi is shellcheck-clean and carries no embedded Go", () => {
    const result = spawnSync("shellcheck", [script], { encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.status).toBe(0);
    expect(fs.readFileSync(script, "utf8")).not.toMatch(/^package main$/m);
  });
});
