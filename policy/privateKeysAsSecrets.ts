// Private keys only as secrets: no resource input holds a PEM private key in plain text, where it
// would be stored unencrypted in state and shown in diffs. Needs the secret markers that
// secretMarkers.ts keeps (the pack's index.ts installs it).
import { Secret } from "@pulumi/policy";
import { mandatoryPolicy } from "./mandatoryPolicy";
import type { Props } from "./inputs";
import { unproxied } from "./secretMarkers";

/** A PEM private key block (PKCS#1, PKCS#8, EC, encrypted PKCS#8, OpenSSH). */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/;
/** A dynamic provider's code, or the line that requires it from the provider package: program text, not data. */
const PROVIDER_CODE = "__provider";

function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/**
 * The input paths (`a.b[0].c`) of plain-text private keys in `props`, where a secret is a
 * `Secret` (looked for under the SDK's proxies). Pure.
 */
export function plaintextPrivateKeyPaths(props: Props): string[] {
  const found: string[] = [];
  const walk = (value: unknown, path: string): void => {
    const plain = unproxied(value);
    if (plain instanceof Secret) return;
    if (typeof plain === "string") {
      if (PEM_PRIVATE_KEY.test(plain)) found.push(path);
    } else if (Array.isArray(plain)) {
      plain.forEach((item, i) => walk(item, joinPath(path, i)));
    } else if (typeof plain === "object" && plain !== null) {
      for (const [key, item] of Object.entries(plain)) {
        if (!(path === "" && key === PROVIDER_CODE)) walk(item, joinPath(path, key));
      }
    }
  };
  walk(props, "");
  return found;
}

export function privateKeyProblems(props: Props): string[] {
  return plaintextPrivateKeyPaths(props).map(
    (path) =>
      `input ${path} holds a PEM private key in plain text: pass it as a secret (pulumi.secret(...), or pulumi config set --secret) so it is encrypted in state and hidden in diffs.`,
  );
}

export const privateKeysAsSecrets = mandatoryPolicy(
  "private-keys-as-secrets",
  "Resource inputs must hold private keys only as Pulumi secrets.",
  (args) => privateKeyProblems(args.props),
);
