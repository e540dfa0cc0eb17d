// Lets resource policies see which inputs are secrets. The one place this pack reaches into
// @pulumi/policy's private members: 1.21.0 has no public way (a validateResource's args carry no
// `isSecret`, and the inputs it gets have lost the secret marker), so both halves below rely on
// the SDK's internals. tests/policy/analyzerSecrets.test.ts fails on any other @pulumi/policy
// version until this is re-checked, and drives the SDK's real analyze handler through both.
//
// Measured on @pulumi/policy 1.21.0 with the 3.248 engine: the engine sends a resource's inputs
// to the policy pack with secrets marked (analyzer_plugin.go: MarshalOptions{KeepSecrets: true}),
// but the SDK's analyze handlers deserialize them with `proxySecrets = false`, which drops the
// marker: a validateResource sees a secret and a plain string alike. Remediations get the same
// inputs with `proxySecrets = true`: each secret kept as a `Secret` behind a proxy that unwraps it
// on read. `keepSecretMarkers` makes the analyze handlers do the same, so a policy reading inputs
// normally is unaffected, and one that looks under the proxies (`unproxied`) finds `Secret` where
// the stack used pulumi.secret.
//
// `keepSecretMarkers` replaces one function of the SDK's module; if the SDK changes shape, loading
// the pack fails loudly instead of the private-key policy silently flagging every secret key.

/** The @pulumi/policy version this module was checked against. */
export const CHECKED_POLICY_SDK_VERSION = "1.21.0";

/** The SDK's own proxy keys (@pulumi/policy proxy.ts: isSpecialProxy, getSpecialProxyTarget). */
const IS_SPECIAL_PROXY = "__isSpecialProxy";
const SPECIAL_PROXY_TARGET = "__getSpecialProxyTarget";

/** The object under the SDK's proxies (one throws on a value unknown during preview, one unwraps secrets), unchanged otherwise. */
export function unproxied(value: unknown): unknown {
  let current = value;
  while (typeof current === "object" && current !== null && (current as Record<string, unknown>)[IS_SPECIAL_PROXY] === true) {
    current = (current as Record<string, unknown>)[SPECIAL_PROXY_TARGET];
  }
  return current;
}

interface DeserializeModule {
  deserializeProperties: ((struct: unknown, proxySecrets: boolean) => unknown) & { keepsSecretMarkers?: boolean };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the SDK's internal module, as the analyzer loads it (no typed entry point)
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
