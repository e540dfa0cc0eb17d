import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { affectedStacks, byRole, stackOfFile, stackRoleOfFile, stacksOfFiles } from "../../scripts/affected-stacks";

const STACKS = ["dev", "prod", "poc.line3"];

describe("affectedStacks", () => {
  it.each([
    ["a stack file affects only that stack", ["Pulumi.prod.yaml"], ["prod"]],
    ["a dotted stack name", ["Pulumi.poc.line3.yaml"], ["poc.line3"]],
    ["two stack files", ["Pulumi.prod.yaml", "Pulumi.dev.yaml"], ["dev", "prod"]],
    ["program code affects all", ["components/host/edgeVm.ts"], STACKS.slice().sort()],
    ["the entry point", ["index.ts"], STACKS.slice().sort()],
    ["a manifest", ["manifests/simulated-temperature.json"], STACKS.slice().sort()],
    ["Pulumi.yaml", ["Pulumi.yaml"], STACKS.slice().sort()],
    ["the lockfile", ["package-lock.json"], STACKS.slice().sort()],
    ["package.json", ["package.json"], STACKS.slice().sort()],
    ["the compiled program's build settings", ["tsconfig.build.json"], STACKS.slice().sort()],
    ["the provider package", ["packages/edge-dynamic-providers/package.json"], STACKS.slice().sort()],
    ["a device script", ["scripts/device/install-runtime.sh"], STACKS.slice().sort()],
    ["the policy pack", ["policy/sshFromInternet.ts"], STACKS.slice().sort()],
    ["docs and tests affect none", ["README.md", "docs/operator-guide.md", "tests/policy/pack.test.ts", "lab/bench/bench-program.ts"], []],
    ["a deleted stack's file affects none", ["Pulumi.staging.yaml"], []],
    ["a stack file in a subfolder is not a stack file", ["examples/Pulumi.dev.yaml"], []],
    ["nothing changed", [], []],
  ])("%s", (_label, changed, expected) => {
    expect(affectedStacks(changed, STACKS).stacks).toEqual(expected);
  });

  it("says which files affect each stack", () => {
    expect(affectedStacks(["Pulumi.dev.yaml", "components/edgeDevice.ts", "README.md"], ["dev", "prod"]).reasons).toEqual({
      dev: ["Pulumi.dev.yaml", "components/edgeDevice.ts"],
      prod: ["components/edgeDevice.ts"],
    });
  });

  it("reads stack names from file names", () => {
    expect([
      stackOfFile("Pulumi.dev.yaml"),
      stackOfFile("Pulumi.dev.yml"),
      stackOfFile("Pulumi.yaml"),
      stackOfFile("PulumiPolicy.yaml"),
    ]).toEqual(["dev", "dev", undefined, undefined]);
    expect(stacksOfFiles(["Pulumi.yaml", "Pulumi.prod.yaml", "README.md", "Pulumi.dev.yaml"])).toEqual(["dev", "prod"]);
  });
});

describe("a fleet split into a core and sites", () => {
  const stacks = ["core-weu", "plant-a", "plant-b", "dev"];
  const roles = {
    "core-weu": { role: "core" as const },
    "plant-a": { role: "site" as const, core: "core-weu" },
    "plant-b": { role: "site" as const, core: "core-weu" },
    dev: { role: "fleet" as const },
  };

  it.each([
    ["a site's file affects only that site", ["Pulumi.plant-a.yaml"], ["plant-a"]],
    ["the core's file affects the core and the sites that read it", ["Pulumi.core-weu.yaml"], ["core-weu", "plant-a", "plant-b"]],
    ["program code affects every stack", ["components/edgeFleet.ts"], ["core-weu", "dev", "plant-a", "plant-b"]],
    ["docs affect none", ["docs/operator-guide.md"], []],
  ])("%s", (_label, changed, expected) => {
    expect(affectedStacks(changed, stacks, roles).stacks).toEqual(expected);
  });

  it("groups the affected stacks into cores (updated first) and sites; whole-fleet stacks are in neither", () => {
    expect(byRole(["core-weu", "dev", "plant-a", "plant-b"], roles)).toEqual({ cores: ["core-weu"], sites: ["plant-a", "plant-b"] });
    expect(affectedStacks(["Pulumi.core-weu.yaml"], stacks, roles).reasons["plant-b"]).toEqual(["Pulumi.core-weu.yaml"]);
  });

  it("reads a stack's role and its core from its stack file", () => {
    expect(stackRoleOfFile("config:\n  edge:stackRole: core\n")).toEqual({ role: "core" });
    expect(stackRoleOfFile("config:\n  edge:stackRole: site\n  edge:site:\n    coreStack: organization/edge/core-weu\n")).toEqual({
      role: "site",
      core: "core-weu",
    });
    expect(stackRoleOfFile("config:\n  edge:iotHub: { name: h }\n")).toEqual({ role: "fleet" });
  });
});

describe("scripts/affected-stacks.ts on a git repository", () => {
  const script = path.join(__dirname, "../../scripts/affected-stacks.ts");
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: repo, encoding: "utf8" }).trim();
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), text);
  };
  const run = (...args: string[]) => {
    const out = execFileSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", script, ...args], {
      cwd: repo,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.parse(out);
  };

  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), "affected-"));
    git("init", "-q", "-b", "main");
    for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "index.ts", "README.md"]) write(f, "x\n");
    git("add", ".");
    git("commit", "-q", "-m", "base");
    git("checkout", "-q", "-b", "change");
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  it("previews the stack whose file changed and skips the other", () => {
    write("Pulumi.prod.yaml", "y\n");
    git("commit", "-qam", "prod settings");
    expect(run("--base", "main")).toEqual(["prod"]);
  });

  it("previews every stack once program code changed, and every stack without --base", () => {
    write("components/edgeDevice.ts", "export {};\n");
    git("add", ".");
    git("commit", "-qm", "code");
    expect(run("--base", "main", "--head", "HEAD")).toEqual(["dev", "prod"]);
    expect(run()).toEqual(["dev", "prod"]);
  });

  it("with --github-output, prints the stacks, cores and sites for $GITHUB_OUTPUT", () => {
    write("Pulumi.core.yaml", "config:\n  edge:stackRole: core\n");
    write("Pulumi.site-a.yaml", "config:\n  edge:stackRole: site\n  edge:site: { coreStack: organization/edge/core }\n");
    git("add", ".");
    git("commit", "-qm", "split fleet");
    const script = path.join(__dirname, "../../scripts/affected-stacks.ts");
    const out = execFileSync(
      process.execPath,
      [require.resolve("ts-node/dist/bin"), "--transpile-only", script, "--base", "HEAD~1", "--github-output"],
      {
        cwd: repo,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    expect(out.trim().split("\n")).toEqual(['stacks=["core","site-a"]', 'cores=["core"]', 'sites=["site-a"]']);
    git("rm", "-q", "Pulumi.core.yaml", "Pulumi.site-a.yaml");
    git("commit", "-qm", "unsplit");
  });

  it("ignores what changed on the base branch since the branch point (three-dot diff)", () => {
    git("checkout", "-q", "main");
    write("Pulumi.dev.yaml", "z\n");
    git("commit", "-qam", "dev on main");
    git("checkout", "-q", "change");
    expect(run("--base", "main")).toEqual(["dev", "prod"]);
    git("checkout", "-q", "-b", "docs-only", "main");
    write("README.md", "docs\n");
    git("commit", "-qam", "docs");
    expect(run("--base", "main")).toEqual([]);
  });
});
