// The policy-pack config for a stack, from its settings: the pack cannot read stack config itself
// (policy/keyVaultProtection.ts says why).
//   npx ts-node --transpile-only scripts/policy-config.ts --stack <name> [--dir <project>] > policy-config.json
//   pulumi preview --stack <name> --policy-pack policy --policy-pack-config policy-config.json
import * as fs from "fs";
import * as path from "path";
import { settingsFromStackFiles } from "../components/config/readSettings";

/**
 * `--policy-pack-config` JSON for a stack's raw `edge:` settings. Pure. `pulumi config set` without
 * `--path` stores `"true"` as text, which the program reads as true too.
 */
export function policyConfig(settings: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const proofOfConcept = settings.proofOfConcept === true || settings.proofOfConcept === "true";
  return { "key-vault-protection": { proofOfConcept } };
}

function main(argv: string[]): number {
  const i = argv.indexOf("--stack");
  const stack = i >= 0 ? argv[i + 1] : undefined;
  if (!stack) {
    console.error("policy-config: usage: policy-config.ts --stack <name> [--dir <project folder>]");
    return 2;
  }
  const d = argv.indexOf("--dir");
  const dir = path.resolve(d >= 0 ? argv[d + 1] : process.cwd());
  const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(stackFile)) {
    console.error(`policy-config: no stack file ${stackFile}`);
    return 2;
  }
  const settings = settingsFromStackFiles(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"), fs.readFileSync(stackFile, "utf8"));
  console.log(JSON.stringify(policyConfig(settings), null, 2));
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
