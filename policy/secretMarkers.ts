// Lets resource policies see which inputs are secrets.
//
// Measured on @pulumi/policy 1.21.0 with the 3.248 engine: the engine sends a resource's inputs
// to the policy pack with secrets marked (analyzer_plugin.go: MarshalOptions{KeepSecrets: true}),
// but the SDK's analyze handlers deserialize them with `proxySecrets = false`, which drops the
// marker: a validateResource sees a secret and a plain string alike, and there is no
// `args.isSecret`. Remediations get the same inputs with `proxySecrets = true`: each secret kept
// as a `Secret` behind a proxy that unwraps it on read. This makes the analyze handlers do the
// same, so a policy reading inputs normally is unaffected, and one that looks under the proxies
// (inputs.ts `unproxied`) finds `Secret` where the stack used pulumi.secret.
//
// It replaces one function of the SDK's module; if the SDK changes shape, loading the pack fails
// loudly instead of the private-key policy silently flagging every secret key.

interface DeserializeModule {
  deserializeProperties: ((struct: unknown, proxySecrets: boolean) => unknown) & { keepsSecretMarkers?: boolean };
}

export function keepSecretMarkers(module: DeserializeModule = require("@pulumi/policy/deserialize")): void {
  const original = module.deserializeProperties;
  if (typeof original !== "function" || original.length !== 2) {
    throw new Error(
      "policy/secretMarkers.ts: @pulumi/policy's deserializeProperties(struct, proxySecrets) is not there any more; " +
        "check how this @pulumi/policy version presents secret inputs and update the private-keys-as-secrets policy.",
    );
  }
  if (original.keepsSecretMarkers) return;
  const patched = Object.assign((struct: unknown) => original(struct, true), { keepsSecretMarkers: true });
  module.deserializeProperties = patched;
}
