import { execFileSync } from "child_process";
import * as path from "path";
import { keyVaultProtection } from "../../policy/keyVaultProtection";
import { policyConfig } from "../../scripts/policy-config";

describe("policy-config", () => {
  it.each([
    [{ proofOfConcept: true }, true],
    [{ proofOfConcept: "true" }, true],
    [{ proofOfConcept: false }, false],
    [{}, false],
  ])("%j → proofOfConcept %s", (settings, expected) => {
    expect(policyConfig(settings)).toEqual({ "key-vault-protection": { proofOfConcept: expected } });
  });

  it("configures the Key Vault policy by its name, with a property its schema declares", () => {
    const [[name, config]] = Object.entries(policyConfig({}));
    expect(name).toBe(keyVaultProtection.name);
    expect(Object.keys(config)).toEqual(Object.keys(keyVaultProtection.configSchema!.properties!));
  });

  it("writes the dev stack's config (not a proof of concept)", () => {
    const root = path.join(__dirname, "../..");
    const out = execFileSync(
      process.execPath,
      [require.resolve("ts-node/dist/bin"), "--transpile-only", "scripts/policy-config.ts", "--stack", "dev"],
      { cwd: root, encoding: "utf8" },
    );
    expect(JSON.parse(out)).toEqual({ "key-vault-protection": { proofOfConcept: false } });
  });
});
