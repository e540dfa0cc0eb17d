// Turns `npm run preflight -- --stack <name> --json` into GitHub annotations on the stack file:
//   npm run --silent preflight -- --stack dev --json | npx ts-node --transpile-only scripts/preflight-annotations.ts
// One `::error file=…,line=…::` line per problem (`::warning` per warning) (workflow commands: docs.github.com/actions/reference/
// workflow-commands-for-github-actions#setting-an-error-message). Exits 1 when the report has problems.
import * as fs from "fs";
import type { PreflightReport } from "./preflight";

// Workflow commands read `%`, CR and LF as escapes everywhere, and `:` and `,` in properties too.
const escapeData = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

/** One annotation per problem, on the line of its setting when the file has one. Pure. */
export function annotations(report: PreflightReport): string[] {
  const lines = (level: "error" | "warning", list: PreflightReport["problems"]) =>
    list.map((p) => {
      const properties = [
        `file=${escapeProperty(p.file)}`,
        ...(p.line !== null ? [`line=${p.line}`] : []),
        `title=${escapeProperty(`preflight: ${p.setting}`)}`,
      ];
      const device = p.device !== null ? ` (device "${p.device}")` : "";
      return `::${level} ${properties.join(",")}::${escapeData(`${p.setting}${device}: ${p.message}`)}`;
    });
  return [...lines("error", report.problems), ...lines("warning", report.warnings ?? [])];
}

if (require.main === module) {
  const report = JSON.parse(fs.readFileSync(0, "utf8")) as PreflightReport;
  for (const line of annotations(report)) console.log(line);
  if (report.ok) console.log(`preflight: stack "${report.stack}" is valid: ${report.plan?.devices.length ?? 0} device(s)`);
  process.exitCode = report.ok ? 0 : 1;
}
