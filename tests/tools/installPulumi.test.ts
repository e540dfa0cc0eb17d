// lab/tools/install-pulumi installs the lab's Pulumi only into its cache folder: the CLI into
// bin/, our `command` plugin into the cache's own Pulumi home. The user's Pulumi (~/.pulumi,
// or $PULUMI_HOME) is never written: a `command` plugin of ours there would replace upstream's
// for the user's own stacks.
// The first case builds the CLI if this machine has not yet (~7 min cold, as the e2e does);
// the others run the script against a copy of that build in a throwaway cache and HOME, so
// they install into a fresh lab home without building anything.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { treeListing } from "../support/treeListing";

jest.setTimeout(40 * 60_000);

const root = join(__dirname, "../..");
const script = join(root, "lab/tools/install-pulumi");
const commandVersion = JSON.parse(readFileSync(join(root, "node_modules/@pulumi/command/package.json"), "utf8")).version as string;
const pluginDir = (home: string) => join(home, "plugins", `resource-command-v${commandVersion}`);
const tmp = mkdtempSync(join(tmpdir(), "edge-install-pulumi-"));
let real: { bin: string; home: string; cache: string };

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the real cache's build (bin/, the built plugin, the stamps) in a new cache folder. */
function copyOfBuild(name: string): string {
  const cache = join(tmp, name, "cache");
  for (const sub of ["bin", "plugins", "stamps"]) {
    mkdirSync(join(cache, sub), { recursive: true });
    const from = join(real.cache, sub);
    for (const f of readdirSync(from).filter((f) => sub !== "plugins" || f === "pulumi-resource-command")) {
      copyFileSync(join(from, f), join(cache, sub, f));
      if (sub !== "stamps") chmodSync(join(cache, sub, f), 0o755);
    }
  }
  return cache;
}

/** install-pulumi with HOME, PULUMI_HOME and the cache folder given (and no pulumi on PATH). */
function install(env: { HOME: string; PULUMI_HOME?: string; PULUMI_BUILD_CACHE: string }) {
  const path = (process.env.PATH ?? "")
    .split(":")
    .filter((d) => !existsSync(join(d, "pulumi")))
    .join(":");
  const base = { ...process.env, PATH: path } as NodeJS.ProcessEnv;
  delete base.PULUMI_HOME;
  // Go's caches stay where they are (nothing should need them here; a build would reuse them).
  for (const v of ["GOPATH", "GOCACHE", "GOMODCACHE"])
    base[v] = execFileSync("go", ["env", v], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/go/bin` },
    }).trim();
  const r = spawnSync("bash", [script], { cwd: root, encoding: "utf8", env: { ...base, ...env }, timeout: 5 * 60_000 });
  return { code: r.status, lines: r.stdout.trim().split("\n"), stderr: r.stderr };
}

test("the lab's Pulumi is built (once) into the cache; the user's plugin cache is left as it was", () => {
  const userPlugins = join(process.env.PULUMI_HOME || join(homedir(), ".pulumi"), "plugins");
  const before = treeListing(userPlugins);
  const out = execFileSync("bash", [script], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 35 * 60_000 });
  const [bin, home] = out.trim().split("\n").slice(-2);
  // The other cases copy this build (a pulumi found on PATH instead would leave nothing to copy).
  real = { bin, home, cache: dirname(bin) };
  expect(existsSync(join(real.cache, "stamps", "pulumi"))).toBe(true);
  expect(home).toBe(join(real.cache, "home"));
  expect(existsSync(join(pluginDir(home), "pulumi-resource-command"))).toBe(true);
  expect(treeListing(userPlugins)).toEqual(before);
});

test("into a fresh cache: the command plugin goes into the cache's home, nothing into ~/.pulumi or $PULUMI_HOME", () => {
  const cache = copyOfBuild("fresh");
  const home = join(tmp, "fresh", "home");
  const userHome = join(tmp, "fresh", "user-pulumi-home");
  mkdirSync(home);
  const r = install({ HOME: home, PULUMI_HOME: userHome, PULUMI_BUILD_CACHE: cache });
  expect(r.stderr).not.toMatch(/building/);
  expect(r.code).toBe(0);
  expect(r.lines).toEqual([join(cache, "bin"), join(cache, "home")]);
  const installed = readFileSync(join(pluginDir(join(cache, "home")), "pulumi-resource-command"));
  expect(installed.equals(readFileSync(join(cache, "plugins", "pulumi-resource-command")))).toBe(true);
  expect(existsSync(join(home, ".pulumi"))).toBe(false);
  expect(existsSync(userHome)).toBe(false);
  // The lab's CLI with the lab's home finds the plugin.
  const listed = execFileSync(join(cache, "bin", "pulumi"), ["plugin", "ls"], {
    encoding: "utf8",
    env: { ...process.env, HOME: home, PULUMI_HOME: join(cache, "home"), PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  expect(listed).toMatch(new RegExp(`^command\\s+resource\\s+${commandVersion.replace(/\./g, "\\.")}\\s`, "m"));
  expect(existsSync(join(home, ".pulumi"))).toBe(false);
});

test("a command plugin an older install-pulumi put into ~/.pulumi: named in a warning, left untouched", () => {
  const cache = copyOfBuild("old");
  const home = join(tmp, "old", "home");
  const old = pluginDir(join(home, ".pulumi"));
  mkdirSync(old, { recursive: true });
  writeFileSync(join(old, "pulumi-resource-command"), "#!/bin/sh\n", { mode: 0o755 });
  writeFileSync(join(old, "BUILT-BY-install-pulumi"), "Built by lab/tools/install-pulumi from Go modules; see that script.\n");
  const before = treeListing(join(home, ".pulumi"));
  const r = install({ HOME: home, PULUMI_BUILD_CACHE: cache });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain(`warning: ${old} is our lab's command plugin`);
  expect(r.stderr).toContain(`pulumi plugin rm resource command ${commandVersion} --yes`);
  expect(treeListing(join(home, ".pulumi"))).toEqual(before);
});
