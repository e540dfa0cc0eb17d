import { VAULT_TYPE, keyVaultProtection } from "../../policy/keyVaultProtection";
import { violations } from "./runPolicy";

const vault = (properties: Record<string, unknown>) => ({
  vaultName: "kv-edge-dev",
  properties: { tenantId: "t", sku: { family: "A", name: "standard" }, ...properties },
});

const PURGE =
  "properties.enablePurgeProtection must be true outside a proof of concept: nobody may purge device credentials before the retention period ends. " +
  "For a proof-of-concept stack set edge:proofOfConcept to true (the policy config then says so).";
const SOFT =
  "properties.enableSoftDelete is false: a vault that holds device credentials must keep deleted keys recoverable (remove the setting or set it to true).";

describe("key-vault-protection", () => {
  it("passes a vault with soft delete and purge protection", async () => {
    expect(await violations(keyVaultProtection, VAULT_TYPE, vault({ enableSoftDelete: true, enablePurgeProtection: true }))).toEqual([]);
  });

  it("fails a vault without purge protection when the stack is not a proof of concept (no config: strict)", async () => {
    expect(await violations(keyVaultProtection, VAULT_TYPE, vault({ enableSoftDelete: true }))).toEqual([PURGE]);
    expect(await violations(keyVaultProtection, VAULT_TYPE, vault({ enablePurgeProtection: false }), { proofOfConcept: false })).toEqual([
      PURGE,
    ]);
  });

  it("fails a vault with soft delete off", async () => {
    expect(await violations(keyVaultProtection, VAULT_TYPE, vault({ enableSoftDelete: false, enablePurgeProtection: true }))).toEqual([
      SOFT,
    ]);
  });

  it("lets a proof-of-concept stack have a purgeable vault", async () => {
    expect(await violations(keyVaultProtection, VAULT_TYPE, vault({ enableSoftDelete: false }), { proofOfConcept: true })).toEqual([]);
  });

  it("declares its config so --policy-pack-config can set proofOfConcept", () => {
    expect(keyVaultProtection.configSchema?.properties?.proofOfConcept).toEqual({
      type: "boolean",
      default: false,
      description: "The stack's edge:proofOfConcept.",
    });
  });
});
