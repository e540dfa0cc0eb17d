// `npm run lab:down`: destroys the lab stack (the device files, hub identities and deployments it
// made), removes the stack's state, and stops the lab's services. Safe to run twice.
import { existsSync, rmSync } from "node:fs";
import { checkMachine, labFolder, labPulumi, progress, runningServices, stopServices } from "./labMachine";
import { LabStack } from "./labStack";

async function main(): Promise<number> {
  checkMachine();
  const dir = labFolder();
  const services = runningServices(dir);
  let code = 0;
  if (services) {
    const stack = new LabStack({ stateDir: dir, stack: "lab", pulumi: labPulumi(), endpoints: services.endpoints });
    if (existsSync(stack.configFile)) {
      progress("pulumi destroy --yes --stack lab");
      const destroyed = await stack.destroy((line) => process.stderr.write(`  ${line}\n`));
      code = destroyed.code;
      progress(
        destroyed.code === 0
          ? `destroyed in ${(destroyed.ms / 1000).toFixed(1)} s`
          : "destroy FAILED: the stack's state is kept; fix the error and run lab:down again",
      );
      if (destroyed.code === 0) await stack.remove();
    }
    progress(`stopping the lab services (pid ${services.pid})`);
    await stopServices(services);
  } else {
    progress("no lab services are running");
  }
  if (code === 0) {
    rmSync(dir, { recursive: true, force: true });
    progress(`removed ${dir}`);
  }
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
