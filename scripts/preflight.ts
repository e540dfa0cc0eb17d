// `npm run preflight -- --stack <name> [--json]`: checks a stack's settings offline, before anything
// is created, with the same validateFleet that `pulumi up` runs first (components/program.ts).
// Reads Pulumi.yaml and Pulumi.<name>.yaml; `secure:` values count as present but are not decrypted.
// --json prints the plan and every problem (setting, device, message, and where in the stack file) for CI.
import * as fs from "fs";
import * as path from "path";
import { fleetWarnings } from "../components/config/fleetWarnings";
import { devicePlan, PlanRow, renderTable, stackPlan } from "../components/config/plan";
import { settingsFromStackFiles } from "../components/config/readSettings";
import { settingLine } from "../components/config/settingLocation";
import { formatSettingError, type SettingError, validateFleet } from "../components/config/validateFleet";

export interface PreflightProblem {
  readonly setting: string;
  /** The device the setting belongs to; null for stack-wide settings. */
  readonly device: string | null;
  readonly message: string;
  /** The stack file, relative to the project folder. */
  readonly file: string;
  /** The line of the setting (or of the nearest setting around it that the file has). */
  readonly line: number | null;
}

export interface PreflightReport {
  readonly stack: string;
  readonly ok: boolean;
  readonly plan: { readonly stack: string[]; readonly devices: PlanRow[] } | null;
  readonly problems: PreflightProblem[];
  /** What a valid stack should still change (fleetWarnings); not refused. */
  readonly warnings: PreflightProblem[];
}

/** The whole check of one stack, as data. Throws when the stack file does not exist. */
export function preflightReport(projectDir: string, stack: string): PreflightReport {
  const file = `Pulumi.${stack}.yaml`;
  const stackYaml = fs.readFileSync(path.join(projectDir, file), "utf8");
  const raw = settingsFromStackFiles(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"), stackYaml);
  const result = validateFleet(raw, (manifest) => fs.readFileSync(path.resolve(projectDir, manifest), "utf8"));
  const located = (e: SettingError) => ({
    setting: e.setting,
    device: e.device ?? null,
    message: e.message,
    file,
    line: settingLine(stackYaml, e.setting) ?? null,
  });
  if (!result.ok) return { stack, ok: false, plan: null, problems: result.errors.map(located), warnings: [] };
  const plan = {
    stack: stackPlan(result.settings),
    devices: result.settings.devices.map((d) =>
      devicePlan(d, result.settings.stackRole === "site" ? "hub" : result.settings.provisioning.mode),
    ),
  };
  return { stack, ok: true, plan, problems: [], warnings: fleetWarnings(result.settings).map(located) };
}

function usage(message: string): never {
  console.error(`preflight: ${message}\nusage: npm run preflight -- --stack <name> [--dir <project folder>] [--json]`);
  process.exit(2);
}

function main(argv: string[]): number {
  const option = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stack = option("stack") ?? usage("--stack is required");
  const projectDir = path.resolve(option("dir") ?? process.cwd());
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) usage(`no stack file ${stackFile}`);

  const report = preflightReport(projectDir, stack);
  if (argv.includes("--json")) {
    console.log(JSON.stringify(report, null, 2));
    return report.ok ? 0 : 1;
  }
  if (!report.ok) {
    console.error(`preflight: stack "${stack}" has ${report.problems.length} problem(s); nothing would be created:`);
    for (const problem of report.problems) console.error(`  ✗ ${formatSettingError({ ...problem, device: problem.device ?? undefined })}`);
    return 1;
  }
  console.log(`preflight: stack "${stack}" is valid: ${report.plan!.devices.length} device(s)\n`);
  for (const line of report.plan!.stack) console.log(`  ${line}`);
  console.log(`\n${renderTable(report.plan!.devices)}`);
  const warnings = report.warnings;
  if (warnings.length > 0)
    console.error(
      `\npreflight: ${warnings.length} warning(s):\n${warnings.map((w) => `  ! ${formatSettingError({ ...w, device: w.device ?? undefined })}`).join("\n")}`,
    );
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
