import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { POLICY_PACK_NAME, policies } from "../../policy/policies";

describe("the edge policy pack", () => {
  it("serves the six guardrails, all mandatory", () => {
    expect(POLICY_PACK_NAME).toBe("edge-guardrails");
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["no-ssh-from-internet", "mandatory"],
      ["no-password-login", "mandatory"],
      ["standard-public-ip", "mandatory"],
      ["key-vault-protection", "mandatory"],
      ["x509-device-identity", "mandatory"],
      ["private-keys-as-secrets", "mandatory"],
    ]);
  });

  it("is a Node.js pack whose entry point installs the secret markers before serving", () => {
    const root = join(__dirname, "../../policy");
    expect(parse(readFileSync(join(root, "PulumiPolicy.yaml"), "utf8")).runtime).toBe("nodejs");
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).main).toBe("index.ts");
    const index = readFileSync(join(root, "index.ts"), "utf8");
    expect(index.indexOf("keepSecretMarkers();")).toBeGreaterThan(0);
    expect(index.indexOf("keepSecretMarkers();")).toBeLessThan(index.indexOf("new PolicyPack("));
  });
});
