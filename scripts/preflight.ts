// `npm run preflight -- --stack <name>`: checks a stack's settings offline, before anything is created.
// Reads Pulumi.yaml and Pulumi.<name>.yaml; `secure:` values count as present but are not decrypted.
import * as fs from "fs";
import * as path from "path";
import { fleetWarnings } from "../components/config/fleetWarnings";
import { devicePlan, renderTable, stackPlan } from "../components/config/plan";
import { settingsFromStackFiles } from "../components/config/readSettings";
import { formatSettingError, validateFleet } from "../components/config/validateFleet";

function usage(message: string): never {
  console.error(`preflight: ${message}\nusage: npm run preflight -- --stack <name> [--dir <project folder>]`);
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

  const raw = settingsFromStackFiles(
    fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"),
    fs.readFileSync(stackFile, "utf8"),
  );
  const result = validateFleet(raw, (file) => fs.readFileSync(path.resolve(projectDir, file), "utf8"));
  if (!result.ok) {
    console.error(`preflight: stack "${stack}" has ${result.errors.length} problem(s); nothing would be created:`);
    for (const error of result.errors) console.error(`  ✗ ${formatSettingError(error)}`);
    return 1;
  }
  console.log(`preflight: stack "${stack}" is valid: ${result.settings.devices.length} device(s)\n`);
  for (const line of stackPlan(result.settings)) console.log(`  ${line}`);
  console.log(`\n${renderTable(result.settings.devices.map(devicePlan))}`);
  const warnings = fleetWarnings(result.settings);
  if (warnings.length > 0) console.error(`\npreflight: ${warnings.length} warning(s):\n${warnings.map((w) => `  ! ${formatSettingError(w)}`).join("\n")}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
