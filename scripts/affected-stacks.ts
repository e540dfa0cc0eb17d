// Which stacks a change affects, for the pull-request preview and the main branch's update of a
// split fleet's core and site stacks (.github/workflows/pulumi.yml).
//   npx ts-node --transpile-only scripts/affected-stacks.ts --base <rev> [--head <rev>] [--dir <project>] [--github-output]
// prints a JSON array of stack names (the workflow's matrix) on stdout and why on stderr; with
// --github-output, `stacks=`, `cores=` and `sites=` lines (each a JSON array) for $GITHUB_OUTPUT.
// Without --base every stack is affected.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** `Pulumi.<stack>.yaml` (or `.yml`) at the project root. */
const STACK_FILE = /^Pulumi\.(.+)\.ya?ml$/;

/** Files and folders every stack is built from: the program, its manifests, packages, and the pipeline that previews them. */
const SHARED_FILES = [
  "index.ts",
  "Pulumi.yaml",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/affected-stacks.ts",
  "scripts/policy-config.ts",
];
const SHARED_FOLDERS = ["components/", "manifests/", "scripts/device/", "policy/", "packages/", ".github/workflows/"];

/** The stack a path is the settings file of, if it is one. */
export function stackOfFile(file: string): string | undefined {
  return STACK_FILE.exec(file)?.[1];
}

export function affectsAllStacks(file: string): boolean {
  return SHARED_FILES.includes(file) || SHARED_FOLDERS.some((folder) => file.startsWith(folder));
}

/** Stacks that run only on a developer's machine against local stand-ins (`npm start`): never previewed in CI. */
export const LOCAL_STACKS = ["lab"];

/** The stacks of a project: its `Pulumi.<stack>.yaml` files, sorted, without the local lab. */
export function stacksOfFiles(files: readonly string[]): string[] {
  return files
    .map(stackOfFile)
    .filter((s): s is string => s !== undefined && !LOCAL_STACKS.includes(s))
    .sort();
}

export interface Affected {
  /** Sorted; each is previewed. */
  readonly stacks: string[];
  /** Per affected stack, the changed files that affect it. */
  readonly reasons: Record<string, string[]>;
}

/** The stacks among `stacks` that the changed files (paths from the project root) affect. Pure. */
export function affectedStacks(
  changed: readonly string[],
  stacks: readonly string[],
  roles: Readonly<Record<string, StackRoleOf>> = {},
): Affected {
  const reasons: Record<string, string[]> = {};
  const add = (stack: string, file: string) => (reasons[stack] ??= []).push(file);
  for (const file of changed) {
    const own = stackOfFile(file);
    // A deleted stack file names a stack that is no longer there to preview.
    if (own !== undefined) {
      if (stacks.includes(own)) add(own, file);
    } else if (affectsAllStacks(file)) {
      for (const stack of stacks) add(stack, file);
    }
  }
  // A core's settings change what its sites read from it (its outputs): they are affected too.
  for (const [site, role] of Object.entries(roles)) {
    const core = role.core;
    if (role.role !== "site" || core === undefined || !stacks.includes(site)) continue;
    for (const file of reasons[core]?.filter((f) => stackOfFile(f) === core) ?? []) add(site, file);
  }
  return { stacks: [...stacks].filter((s) => reasons[s]).sort(), reasons };
}

/** A stack's part in a split fleet (edge:stackRole), and for a site the stack name of its core (edge:site.coreStack's last part). */
export interface StackRoleOf {
  readonly role: "fleet" | "core" | "site";
  readonly core?: string;
}

/** Reads edge:stackRole and edge:site.coreStack from a stack file's text. Pure. */
export function stackRoleOfFile(stackYaml: string): StackRoleOf {
  const config = ((YAML.parse(stackYaml) ?? {}) as { config?: Record<string, unknown> }).config ?? {};
  const role = config["edge:stackRole"];
  if (role === "core") return { role: "core" };
  if (role !== "site") return { role: "fleet" };
  const site = config["edge:site"] as { coreStack?: unknown } | undefined;
  const coreStack = typeof site?.coreStack === "string" ? site.coreStack : undefined;
  return { role: "site", core: coreStack?.split("/").at(-1) };
}

/** The affected stacks by what CI does with them: cores are updated first, then sites (in parallel). */
export function byRole(affected: readonly string[], roles: Readonly<Record<string, StackRoleOf>>): { cores: string[]; sites: string[] } {
  return {
    cores: affected.filter((s) => roles[s]?.role === "core"),
    sites: affected.filter((s) => roles[s]?.role === "site"),
  };
}

function changedFiles(dir: string, base: string, head: string): string[] {
  const out = execFileSync("git", ["diff", "--name-only", "--no-renames", `${base}...${head}`, "--", "."], { cwd: dir, encoding: "utf8" });
  // git prints paths from the repository root; make them relative to the project folder.
  const top = execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: dir, encoding: "utf8" }).trim();
  const prefix = path.relative(fs.realpathSync(top), fs.realpathSync(dir));
  return out
    .split("\n")
    .filter((line) => line !== "")
    .map((file) => (prefix === "" ? file : path.relative(prefix, file)));
}

function main(argv: string[]): number {
  const option = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const dir = path.resolve(option("dir") ?? process.cwd());
  const files = fs.readdirSync(dir);
  const stacks = stacksOfFiles(files);
  const roles = Object.fromEntries(
    files
      .filter((f) => stacks.includes(stackOfFile(f) ?? ""))
      .map((f) => [stackOfFile(f)!, stackRoleOfFile(fs.readFileSync(path.join(dir, f), "utf8"))]),
  );
  const print = (affected: string[]) => {
    if (!argv.includes("--github-output")) return console.log(JSON.stringify(affected));
    const { cores, sites } = byRole(affected, roles);
    console.log(`stacks=${JSON.stringify(affected)}\ncores=${JSON.stringify(cores)}\nsites=${JSON.stringify(sites)}`);
  };
  const base = option("base");
  if (base === undefined || base === "") {
    console.error(`affected-stacks: no --base; every stack: ${stacks.join(", ") || "(none)"}`);
    print(stacks);
    return 0;
  }
  const result = affectedStacks(changedFiles(dir, base, option("head") ?? "HEAD"), stacks, roles);
  for (const stack of stacks) {
    const why = result.reasons[stack];
    console.error(
      `affected-stacks: ${stack}: ${why ? `preview (${why.slice(0, 5).join(", ")}${why.length > 5 ? ", …" : ""})` : "skipped (nothing it is built from changed)"}`,
    );
  }
  print(result.stacks);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
