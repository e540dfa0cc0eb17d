// The program's own resources pass its guardrails: the stack is run under Pulumi mocks, and every
// resource's inputs, in the wire form the engine receives them (secrets marked), go through the
// real analyze RPC of the policy pack.
import { type RecordedResource, runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";
import { loadAnalyzer } from "./analyzeRpc";

type Program = typeof import("../../components/program");

async function resourcesOf(settings: Record<string, unknown>): Promise<RecordedResource[]> {
  const run = await runUnderMocks(asConfigMap(settings), () => {
    const { defineStack } = require("../../components/program") as Program;
    return defineStack({ projectDir: process.cwd() });
  });
  return run.resources.filter((r) => r.custom);
}

async function violations(resources: RecordedResource[]): Promise<string[]> {
  const analyze = loadAnalyzer(true);
  const found: string[] = [];
  for (const r of resources) for (const line of await analyze(r.type, r.name, r.inputs)) found.push(`${r.name}: ${line}`);
  return found;
}

describe("the program under its policy pack", () => {
  let resources: RecordedResource[];
  beforeAll(async () => {
    resources = await resourcesOf(stackSettings([vmDevice("edge-vm-01"), existingDevice("line-3-gateway")]));
  });

  it("registers the resources the guardrails look at", () => {
    const types = new Set(resources.map((r) => r.type));
    for (const type of [
      "azure-native:network:NetworkSecurityGroup",
      "azure-native:network:PublicIPAddress",
      "azure-native:compute:VirtualMachine",
    ]) {
      expect(types).toContain(type);
    }
  });

  // Every custom resource the program registers is checked, so resources wired in later (bootstrap
  // commands carrying keys, hub identities) are covered as they arrive.
  it("a VM and an existing host violate no policy", async () => {
    expect(await violations(resources)).toEqual([]);
  });

  it("a stack that opens SSH to the internet on purpose is still stopped by the pack", async () => {
    const open = await resourcesOf(
      stackSettings([vmDevice("edge-vm-02", { sshSourceRanges: ["0.0.0.0/0"] })], { allowSshFromInternet: true }),
    );
    expect(await violations(open.filter((r) => r.type === "azure-native:network:NetworkSecurityGroup"))).toEqual([
      "fleet-edge-vm-02-host-nsg: no-ssh-from-internet: Network security rules must not allow SSH (port 22) from the whole internet.\n" +
        'securityRules[0] ("allow-ssh-ipv4") allows inbound SSH (port 22) from "0.0.0.0/0", i.e. the whole internet. ' +
        "List the networks that need SSH (host.sshSourceRanges / defaults.azureVm.sshSourceRanges), or set publicIp: false and run Pulumi inside the network.",
    ]);
  });
});
