// `npm run test:azure -- --stack <name> [--location westeurope] [--ssh-from <cidr>] [--key-vault <name>]`
// The live check on a real subscription: preflight, `pulumi up` of a one-VM stack (the readiness
// gate included), a second `up` that must change nothing, `pulumi destroy`, then a check that
// nothing the stack made is left (resource group and hub gone, vault certificates soft-deleted).
// Without Azure credentials it prints one line saying why it skipped, and exits 0.
// Costs: one Standard_B2s VM, a Standard public IP and an S1 IoT Hub for the ~15-25 minutes it runs
// (around 1 USD per run at list prices; README § Live check on Azure), billed to the subscription it runs in.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { keyVaultCertificateName } from "../../components/certificates/certificateNaming";
import { type AzureProbe, leftovers, liveStackNames, liveStackYaml, skipReason } from "./liveStack";

const PROJECT_DIR = resolve(__dirname, "..", "..");

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : undefined;
}

function azLoggedIn(): boolean {
  return spawnSync("az", ["account", "show", "--output", "none"], { stdio: "ignore" }).status === 0;
}

function run(command: string, args: string[]): void {
  console.log(`test:azure: ${command} ${args.join(" ")}`);
  const r = spawnSync(command, args, { cwd: PROJECT_DIR, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${r.status ?? r.signal}`);
}

const azProbe: AzureProbe = {
  async resourceGroupExists(name) {
    return execFileSync("az", ["group", "exists", "--name", name], { encoding: "utf8" }).trim() === "true";
  },
  async iotHubExists(name) {
    return spawnSync("az", ["iot", "hub", "show", "--name", name, "--output", "none"], { stdio: "ignore" }).status === 0;
  },
  async vaultCertificateState(vault, name) {
    const show = (cmd: string[]) =>
      spawnSync("az", ["keyvault", "certificate", ...cmd, "--vault-name", vault, "--name", name, "--output", "none"], { stdio: "ignore" })
        .status === 0;
    if (show(["show"])) return "live";
    return show(["show-deleted"]) ? "deleted" : "absent";
  },
};

async function main(argv: string[]): Promise<number> {
  const reason = skipReason(process.env, azLoggedIn);
  if (reason) {
    console.log(`test:azure: skipped: ${reason}`);
    return 0;
  }
  const stack = option(argv, "stack");
  if (!stack) {
    console.error("test:azure: --stack <name> is required (a throwaway stack name, e.g. live-check)");
    return 2;
  }
  const sshFrom = option(argv, "ssh-from") ?? process.env.EDGE_LIVE_SSH_FROM;
  if (!sshFrom) {
    console.error(
      "test:azure: --ssh-from <your public address or CIDR> is required (EDGE_LIVE_SSH_FROM): the bootstrap reaches the VM over SSH from there",
    );
    return 2;
  }
  const suffix = randomBytes(4).toString("hex");
  const names = liveStackNames(suffix);
  const keyVault = option(argv, "key-vault") ?? process.env.EDGE_LIVE_KEY_VAULT;
  const stackFile = join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
  writeFileSync(stackFile, liveStackYaml({ suffix, location: option(argv, "location") ?? "westeurope", sshFrom, keyVault }));
  let created = false;
  let failure: unknown;
  try {
    run("npm", ["run", "preflight", "--", "--stack", stack]);
    run("pulumi", ["stack", "init", stack, "--non-interactive"]);
    created = true;
    run("pulumi", ["up", "--stack", stack, "--yes", "--skip-preview", "--non-interactive"]);
    // The second run must be a no-op (AVM's "idempotency" check).
    run("pulumi", ["up", "--stack", stack, "--yes", "--expect-no-changes", "--non-interactive"]);
  } catch (error) {
    failure = error;
  } finally {
    if (created) {
      try {
        run("pulumi", ["destroy", "--stack", stack, "--yes", "--non-interactive"]);
        run("pulumi", ["stack", "rm", stack, "--yes", "--non-interactive"]);
      } catch (error) {
        failure ??= error;
      }
    }
    rmSync(stackFile, { force: true });
  }
  const left = await leftovers(
    azProbe,
    names,
    keyVault ? { name: keyVault, certificates: [keyVaultCertificateName(names.deviceId)] } : undefined,
  );
  for (const line of left) console.error(`test:azure: left behind: ${line}`);
  if (failure) console.error(`test:azure: failed: ${failure instanceof Error ? failure.message : String(failure)}`);
  if (failure || left.length > 0) return 1;
  console.log(`test:azure: passed: up, a no-change up, destroy; nothing left of ${names.resourceGroup}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`test:azure: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
