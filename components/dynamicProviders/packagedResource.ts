// A dynamic resource whose provider is a class of the provider package (providerPackage.ts), named
// in a short constant text instead of serialized. pulumi.dynamic.Resource serializes its provider
// object into the resource's `__provider` input (runtime/closure, ~2 KB for an object that only
// requires the package, the whole code otherwise), and the engine keeps it in inputs and outputs.
// The engine's dynamic-provider host (@pulumi/pulumi cmd/dynamic-provider) needs no more than
// CommonJS text whose `handler()` returns the provider: it loads it with require-from-string, from
// the project folder, once per distinct text, and calls only the methods the object has.
import * as pulumi from "@pulumi/pulumi";
import { checkProviderPackage, PROVIDER_PACKAGE, type ProviderEntry } from "./providerPackage";

/** The input the host reads a dynamic resource's provider from. */
export const PROVIDER_KEY = "__provider";

/** A provider class of the package: the host makes it with no arguments. */
type ProviderClass = new () => pulumi.dynamic.ResourceProvider;
/** The names a provider module exports its provider classes under. */
export type ProviderClassName<M> = { [K in keyof M]: M[K] extends ProviderClass ? K : never }[keyof M] & string;

/** What a resource type registers: its type token and its provider's text. */
export interface PackagedProvider {
  readonly type: string;
  readonly text: string;
}

export interface PackagedProviderArgs<M> {
  /**
   * `pulumi-nodejs:dynamic/<module>:<type>`, the token pulumi.dynamic.Resource gave these
   * resources: it is part of every URN in the stacks, so a new one would replace them all.
   */
  readonly module: string;
  readonly type: string;
  /** The package's export name of the module (PROVIDER_EXPORTS). */
  readonly entry: ProviderEntry;
  /** The provider class in that module (M: its `typeof import(...)`, checked here, never loaded). */
  readonly className: ProviderClassName<M>;
}

let checked = false;

/**
 * The type token and the provider text of a resource type. The text makes one instance of the
 * class per host process, so the provider has exactly the class's methods; the class keeps no
 * state between calls. Checks once that the package's build is complete and current.
 */
export function packagedProvider<M>(args: PackagedProviderArgs<M>): PackagedProvider {
  if (!checked) {
    checkProviderPackage();
    checked = true;
  }
  const specifier = JSON.stringify(`${PROVIDER_PACKAGE}/${args.entry}.js`);
  return {
    type: `pulumi-nodejs:dynamic/${args.module}:${args.type}`,
    text: `exports.handler = () => new (require(${specifier}).${args.className})();\n`,
  };
}

/** A custom resource of the dynamic-provider host whose provider is a packaged class. */
export abstract class PackagedResource extends pulumi.CustomResource {
  protected constructor(provider: PackagedProvider, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(provider.type, name, { ...props, [PROVIDER_KEY]: provider.text }, opts);
  }
}
