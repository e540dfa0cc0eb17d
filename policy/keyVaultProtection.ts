// Key Vault with soft delete and purge protection, unless the stack is a proof of concept.
//
// A policy pack cannot read the stack's config (`edge:proofOfConcept`): @pulumi/policy 1.21
// ignores the config the engine sends when it configures the stack. So the pack takes it as
// policy config instead, `{ "key-vault-protection": { "proofOfConcept": true } }` in the file given
// to `--policy-pack-config`; scripts/policy-config.ts writes that file from the stack's settings.
// Without it the rule is strict (not a proof of concept).
import { type Props, at } from "./inputs";
import { mandatoryPolicy } from "./mandatoryPolicy";

export const VAULT_TYPE = "azure-native:keyvault:Vault";

export interface KeyVaultPolicyConfig {
  readonly proofOfConcept?: boolean;
}

/** Every protection problem of a resource. Pure. */
export function keyVaultProblems(type: string, props: Props, config: KeyVaultPolicyConfig): string[] {
  if (type !== VAULT_TYPE || config.proofOfConcept === true) return [];
  const problems: string[] = [];
  // Soft delete is on by default (and can no longer be turned off in Azure); only an explicit false is wrong.
  if (at(props, "properties", "enableSoftDelete") === false) {
    problems.push(
      "properties.enableSoftDelete is false: a vault that holds device credentials must keep deleted keys recoverable (remove the setting or set it to true).",
    );
  }
  if (at(props, "properties", "enablePurgeProtection") !== true) {
    problems.push(
      "properties.enablePurgeProtection must be true outside a proof of concept: nobody may purge device credentials before the retention period ends. " +
        "For a proof-of-concept stack set edge:proofOfConcept to true (the policy config then says so).",
    );
  }
  return problems;
}

export const keyVaultProtection = mandatoryPolicy(
  "key-vault-protection",
  "Key Vaults must have soft delete and purge protection unless the stack is a proof of concept.",
  (args) => keyVaultProblems(args.type, args.props, args.getConfig<KeyVaultPolicyConfig>()),
  { properties: { proofOfConcept: { type: "boolean", default: false, description: "The stack's edge:proofOfConcept." } } },
);
