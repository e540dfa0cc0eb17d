// A dynamic provider that carries no code of its own: each call makes an instance of a provider
// class exported by a module of the `edge-dynamic-providers` package (providerPackage.ts) and hands
// the call on. Pulumi serializes the module by name, so what the engine stores with each resource is
// this object, the export's name and the constructor arguments.
import type * as pulumi from "@pulumi/pulumi";

const METHODS = ["check", "diff", "create", "read", "update", "delete"] as const;

type ProviderClass = new (...args: any[]) => pulumi.dynamic.ResourceProvider;

/** Only the methods the class has: the provider host treats a missing one as "the default behaviour". */
export function delegatingProvider<M extends Record<K, ProviderClass>, K extends keyof M & string>(
  source: M,
  exportName: K,
  ...args: ConstructorParameters<M[K]>
): pulumi.dynamic.ResourceProvider {
  const prototype = source[exportName].prototype as Record<string, unknown>;
  const provider: Record<string, (...callArgs: unknown[]) => unknown> = {};
  for (const method of METHODS) {
    if (typeof prototype[method] !== "function") continue;
    provider[method] = (...callArgs: unknown[]) => {
      const instance = new source[exportName](...args) as unknown as Record<string, (...a: unknown[]) => unknown>;
      return instance[method](...callArgs);
    };
  }
  return provider as unknown as pulumi.dynamic.ResourceProvider;
}
