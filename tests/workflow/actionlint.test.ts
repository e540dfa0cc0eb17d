// Lints the GitHub Actions workflows with actionlint (with its shellcheck pass on `run:` scripts).
// scripts/install-test-tools, run by `npm test` before jest, builds the pinned version; a missing
// binary fails here rather than skipping the check.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "../..");
const workflowsDir = path.join(root, ".github/workflows");

function actionlintPath(): string {
  if (process.env.ACTIONLINT) return process.env.ACTIONLINT;
  const script = fs.readFileSync(path.join(root, "scripts/install-test-tools"), "utf8");
  const version = /^ACTIONLINT_VERSION=(\S+)$/m.exec(script)?.[1];
  if (!version) throw new Error("scripts/install-test-tools has no ACTIONLINT_VERSION=<version> line");
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(cache, "edge-provisioning", `actionlint-${version}`, "actionlint");
}

function actionlint(args: string[], input?: string): { status: number | null; output: string } {
  const bin = actionlintPath();
  if (!fs.existsSync(bin))
    throw new Error(`actionlint is not installed at ${bin}: run \`bash scripts/install-test-tools\` (npm test does it first)`);
  const result = spawnSync(bin, ["-no-color", "-oneline", ...args], { cwd: root, input, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const workflows = fs.readdirSync(workflowsDir).filter((f) => /\.ya?ml$/.test(f));

describe("actionlint", () => {
  it("finds the workflows", () => {
    expect(workflows).toContain("pulumi.yml");
  });

  it.each(workflows)("%s has no findings", (file) => {
    expect(actionlint([path.join(".github/workflows", file)])).toEqual({ status: 0, output: "" });
  });

  it("reports a broken workflow (unknown action input, unquoted shell variable)", () => {
    const broken = fs
      .readFileSync(path.join(workflowsDir, "pulumi.yml"), "utf8")
      .replace("comment-on-pr: true", "comment-on-pull-request: true")
      .replace('echo "$groups"', "echo $groups");
    const { status, output } = actionlint(["-stdin-filename", "broken.yml", "-"], broken);
    expect(status).toBe(1);
    expect(output).toContain('input "comment-on-pull-request" is not defined in action "pulumi/actions@v6"');
    expect(output).toContain("SC2086");
  });
});
