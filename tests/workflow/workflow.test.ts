// What the pipeline promises, read from the workflow file itself.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string };
type Job = {
  steps: Step[];
  environment?: string;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  strategy?: { matrix: Record<string, string>; "max-parallel"?: number; "fail-fast"?: boolean };
};
const workflow = parse(fs.readFileSync(path.join(__dirname, "../../.github/workflows/pulumi.yml"), "utf8")) as {
  on: Record<string, { branches: string[] }>;
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, Job>;
};
const uses = (job: Job, action: string) => job.steps.find((s) => s.uses?.startsWith(`${action}@`));
const allSteps = Object.values(workflow.jobs).flatMap((j) => j.steps);

describe(".github/workflows/pulumi.yml", () => {
  it("runs on pull requests and on main, with read-only default permissions", () => {
    expect(workflow.on).toEqual({ pull_request: { branches: ["main"] }, push: { branches: ["main"] } });
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("tests with npm ci then npm test, and works out the affected stacks with the script", () => {
    const runs = workflow.jobs.test.steps.map((s) => s.run ?? "");
    expect(runs.findIndex((r) => r.startsWith("npm ci"))).toBeLessThan(runs.indexOf("npm test"));
    expect(runs.some((r) => r.includes("scripts/affected-stacks.ts --base"))).toBe(true);
  });

  it("on pull requests, preflights each affected stack as JSON and annotates its stack file", () => {
    const step = workflow.jobs.test.steps.find((s) => s.name === "Preflight the affected stacks") as Step & {
      env?: Record<string, string>;
    };
    expect(step?.if).toBe("github.event_name == 'pull_request'");
    expect(step.env?.STACKS).toBe("${{ steps.affected.outputs.stacks }}");
    expect(step.run).toMatch(/npm run --silent preflight -- --stack "\$stack" --json > "\$RUNNER_TEMP\/preflight-\$stack.json"/);
    expect(step.run).toContain('scripts/preflight-annotations.ts < "$RUNNER_TEMP/preflight-$stack.json" || status=1');
    expect(step.run).toMatch(/exit "\$status"\s*$/);
  });

  it("previews each affected stack with the policy pack and comments the diff on the pull request", () => {
    const preview = workflow.jobs.preview;
    expect(preview.needs).toBe("test");
    expect(preview.strategy?.matrix.stack).toBe("${{ fromJSON(needs.test.outputs.stacks) }}");
    expect(uses(preview, "pulumi/actions")?.with).toMatchObject({ command: "preview", "comment-on-pr": true, policyPacks: "policy" });
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write", "pull-requests": "write" });
  });

  it("runs pulumi up of the dev stack on main only, with the policy pack", () => {
    const up = workflow.jobs.up;
    expect(up.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(uses(up, "pulumi/actions")?.with).toMatchObject({
      command: "up",
      "stack-name": "${{ vars.PULUMI_STACK_PREFIX }}dev",
      policyPacks: "policy",
    });
  });

  it("works out the affected stacks on main too, against the commit before the push, grouped into cores and sites", () => {
    const step = workflow.jobs.test.steps.find((s) => s.name === "Affected stacks") as Step & { env?: Record<string, string> };
    expect(step.if).toBeUndefined();
    expect(step.env?.BASE_SHA).toBe("${{ github.event.pull_request.base.sha || github.event.before }}");
    expect(step.run).toContain('scripts/affected-stacks.ts --base "$base" --head HEAD --github-output');
    expect((workflow.jobs.test as Job & { outputs: Record<string, string> }).outputs).toEqual({
      stacks: "${{ steps.affected.outputs.stacks }}",
      cores: "${{ steps.affected.outputs.cores }}",
      sites: "${{ steps.affected.outputs.sites }}",
    });
  });

  it("on main, updates the affected core stacks first, then the affected site stacks in parallel, bounded, one update per stack at a time", () => {
    const push = "github.event_name == 'push' && github.ref == 'refs/heads/main'";
    const core = workflow.jobs["up-core"];
    const sites = workflow.jobs["up-sites"];
    expect(core.needs).toBe("test");
    expect(core.if).toBe(`${push} && needs.test.outputs.cores != '[]'`);
    expect(core.strategy?.matrix.stack).toBe("${{ fromJSON(needs.test.outputs.cores) }}");
    expect(sites.needs).toEqual(["test", "up-core"]);
    // Sites run after their cores, also when no core changed (up-core skipped), and never after a core failed.
    expect(sites.if).toContain(push);
    expect(sites.if).toContain("(needs.up-core.result == 'success' || needs.up-core.result == 'skipped')");
    expect(sites.if).toContain("needs.test.outputs.sites != '[]'");
    expect(sites.strategy).toEqual({
      "fail-fast": false,
      "max-parallel": 4,
      matrix: { stack: "${{ fromJSON(needs.test.outputs.sites) }}" },
    });
    for (const job of [core, sites]) {
      expect(uses(job, "pulumi/actions")?.with).toMatchObject({
        command: "up",
        "stack-name": "${{ vars.PULUMI_STACK_PREFIX }}${{ matrix.stack }}",
        "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}",
        policyPacks: "policy",
      });
      expect(job.concurrency).toEqual({ group: "pulumi-up-${{ matrix.stack }}", "cancel-in-progress": false });
      expect(job.steps.find((s) => s.name === "Preflight")?.run).toBe('npm run preflight -- --stack "$STACK"');
    }
    expect(workflow.jobs.preview.strategy?.["max-parallel"]).toBe(4);
  });

  it("signs in to Azure by OpenID Connect only: no client secret, ARM_USE_OIDC for azure-native", () => {
    for (const job of [workflow.jobs.preview, workflow.jobs.up, workflow.jobs["up-core"], workflow.jobs["up-sites"]]) {
      expect(uses(job, "azure/login")?.with).toEqual({
        "client-id": "${{ vars.AZURE_CLIENT_ID }}",
        "tenant-id": "${{ vars.AZURE_TENANT_ID }}",
        "subscription-id": "${{ vars.AZURE_SUBSCRIPTION_ID }}",
      });
      expect(job.permissions?.["id-token"]).toBe("write");
    }
    expect(workflow.env.ARM_USE_OIDC).toBe("true");
    expect(JSON.stringify(workflow)).not.toMatch(/creds|client-secret|CLIENT_SECRET/i);
  });

  it("takes the state backend from a repository variable (empty: Pulumi Cloud)", () => {
    for (const job of [workflow.jobs.preview, workflow.jobs.up, workflow.jobs["up-core"], workflow.jobs["up-sites"]]) {
      expect(uses(job, "pulumi/actions")?.with?.["cloud-url"]).toBe("${{ vars.PULUMI_BACKEND_URL }}");
    }
    expect(workflow.env.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_ACCESS_TOKEN }}");
  });

  it("pins every action to a version tag and the CLI to the SDK's version", () => {
    for (const step of allSteps.filter((s) => s.uses)) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+(\.\d+){0,2}$/);
    const lock = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package-lock.json"), "utf8"));
    expect(workflow.env.PULUMI_VERSION).toBe(lock.packages["node_modules/@pulumi/pulumi"].version);
  });
});
