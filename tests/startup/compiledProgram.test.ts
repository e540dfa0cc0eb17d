// `pulumi up` runs the program compiled (bin/index.js): how the project says so, the check that
// refuses a build older than its sources, and a start through @pulumi/pulumi's cmd/run as the
// language host starts it, up to the program's first resource.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { checkCompiledProgram, PROGRAM_OUT_DIR } from "../../components/compiledProgram";
import { PROJECT_ROOT } from "../../components/projectRoot";
import { measureStartup } from "../../lab/bench/startupProbe";
import { asConfigMap, stackSettings, vmDevice } from "../../lab/mocks/stacks";

const ROOT = join(__dirname, "..", "..");
const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8"));

test("the project runs bin/index.js without ts-node, built by npm ci (prepare) and npm run build", () => {
  expect(parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")).runtime).toEqual({ name: "nodejs", options: { typescript: false } });
  const pkg = readJson("package.json");
  expect(pkg.main).toBe("bin/index.js");
  expect(pkg.scripts.prepare).toBe("npm run build:program");
  expect(pkg.scripts["build:program"]).toMatch(/rmSync\('bin'.*&& tsc -p tsconfig\.build\.json$/);
  expect(pkg.scripts.build).toContain("npm run build:program");
  const ts = require("typescript") as typeof import("typescript");
  const { config } = ts.readConfigFile(join(ROOT, "tsconfig.build.json"), ts.sys.readFile);
  expect(config).toMatchObject({ files: ["index.ts"], include: [], compilerOptions: { rootDir: ".", outDir: "bin" } });
  expect(PROGRAM_OUT_DIR).toBe(join(ROOT, "bin"));
});

test("the project root is found from the sources and from the compiled modules alike", () => {
  expect(PROJECT_ROOT).toBe(ROOT);

  expect(require(join(PROGRAM_OUT_DIR, "components", "projectRoot.js")).PROJECT_ROOT).toBe(ROOT);
});

describe("a compiled program older than its sources", () => {
  let dir: string;
  const at = (path: string, seconds: number) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), "x\n");
    utimesSync(join(dir, path), seconds, seconds);
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "compiled-program-"));
    at("components/a.ts", 1000);
    at("components/b.ts", 1000);
    at("index.ts", 1000);
    at("bin/components/a.js", 2000);
    at("bin/components/b.js", 2000);
    at("bin/index.js", 2000);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const check = (entry: string) => () => checkCompiledProgram(join(dir, entry), join(dir, "bin"), dir);

  test("a build newer than every source runs", () => {
    expect(check("bin/index.js")).not.toThrow();
  });

  test("is refused before anything runs, naming the changed sources and the command that rebuilds", () => {
    at("components/b.ts", 3000);
    at("index.ts", 3000);
    expect(check("bin/index.js")).toThrow(pulumi.RunError);
    expect(check("bin/index.js")).toThrow(
      `the compiled program in ${join(dir, "bin")} was built before components/b.ts, index.ts last changed: run \`npm run build\` in ${dir} (\`npm ci\` builds it too)`,
    );
  });

  test("does not matter when the program runs from its sources (ts-node, jest)", () => {
    at("components/b.ts", 3000);
    expect(check("index.ts")).not.toThrow();
  });
});

test("started as the language host starts it (cmd/run, typescript false, the package's main), the compiled program registers its first resource", async () => {
  const run = await measureStartup({ projectDir: ROOT, config: asConfigMap(stackSettings([vmDevice("edge-0")])), typescript: false });
  // The fleet's first child is made before the fleet itself registers: the dynamic resources' provider (dynamicProviderHost.ts).
  expect(run.firstType).toBe("pulumi:providers:pulumi-nodejs");
  expect(run.cpuMs).toBeGreaterThan(0);
}, 60000);
