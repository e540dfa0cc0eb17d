// `pulumi up` runs the program compiled: bin/index.js (package.json `main`), built by `npm ci`
// (prepare) or `npm run build` with tsconfig.build.json; Pulumi.yaml's `typescript: false` keeps the
// SDK from loading ts-node and transpiling every module again at each run.
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { staleSources } from "./buildFreshness";
import { PROJECT_ROOT } from "./projectRoot";

export const PROGRAM_OUT_DIR = join(PROJECT_ROOT, "bin");

/**
 * Refuses to run a compiled program older than one of its sources: that run would create what the
 * sources no longer say. `entry` is the running entry module's file; a .ts one (ts-node, jest) is
 * the sources themselves.
 */
export function checkCompiledProgram(entry: string, outDir: string = PROGRAM_OUT_DIR, projectDir: string = PROJECT_ROOT): void {
  if (!entry.endsWith(".js")) return;
  const changed = staleSources(outDir, projectDir) ?? [];
  if (changed.length > 0) {
    throw new pulumi.RunError(
      `the compiled program in ${outDir} was built before ${changed.join(", ")} last changed: run \`npm run build\` in ${projectDir} (\`npm ci\` builds it too)`,
    );
  }
}
