// A dynamic provider that carries no code of its own: each call requires a module of the
// `edge-dynamic-providers` package by name (providerPackage.ts), makes an instance of the provider
// class it exports and hands the call on. What the engine stores with each resource is this object,
// the module's name, the export's name and the constructor arguments.
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderModule } from "./providerPackage";

const METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a constructor constraint must admit every argument list
type ProviderClass = new (...args: any[]) => pulumi.dynamic.ResourceProvider;

/** Only the methods the class has: the provider host treats a missing one as "the default behaviour". */
export function delegatingProvider<M extends Record<K, ProviderClass>, K extends keyof M & string>(
  source: ProviderModule<M>,
  exportName: K,
  ...args: ConstructorParameters<M[K]>
): pulumi.dynamic.ResourceProvider {
  const { specifier } = source;
  const prototype = source.exports[exportName].prototype as Record<string, unknown>;
  // `require` is never serialized (it resolves where the provider runs), so neither is the module.
  // A module object captured here would be, by value: Node loads the workspace package from its real
  // path, outside node_modules, and Pulumi serializes by reference only modules in node_modules.
  const call = (method: string, callArgs: unknown[]) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- by name, where the provider runs (above)
    const exports = require(specifier) as M;
    const instance = new exports[exportName](...args) as unknown as Record<string, (...a: unknown[]) => unknown>;
    return instance[method](...callArgs);
  };
  const provider: Record<string, (...callArgs: unknown[]) => unknown> = {};
  for (const method of METHODS) {
    if (typeof prototype[method] === "function") provider[method] = (...callArgs: unknown[]) => call(method, callArgs);
  }
  return provider as unknown as pulumi.dynamic.ResourceProvider;
}
