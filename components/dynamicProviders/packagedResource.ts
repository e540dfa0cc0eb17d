// A dynamic resource whose provider comes from the provider package (providerPackage.ts), named
// in a short constant text instead of serialized. pulumi.dynamic.Resource serializes its provider
// object into the resource's `__provider` input (runtime/closure, ~2 KB for an object that only
// requires the package, the whole code otherwise), and the engine keeps it in inputs and outputs.
// The engine's dynamic-provider host (@pulumi/pulumi cmd/dynamic-provider) needs no more than
// CommonJS text whose `handler()` returns the provider: it loads it with require-from-string, from
// the project folder, once per distinct text, and calls only the methods the object has.
import * as pulumi from "@pulumi/pulumi";
import { checkProviderPackage, PROVIDER_PACKAGE, type ProviderName } from "./providerPackage";
import { DYNAMIC_PROVIDER_PACKAGE } from "./dynamicProviderHost";

/** The input the host reads a dynamic resource's provider from. */
export const PROVIDER_KEY = "__provider";

/** What a resource type registers: its type token and its provider's text. */
export interface PackagedProvider {
  readonly type: string;
  readonly text: string;
}

export interface PackagedProviderArgs {
  /**
   * `pulumi-nodejs:dynamic/<module>:<type>`, the token pulumi.dynamic.Resource gave these
   * resources: it is part of every URN in the stacks, so a new one would replace them all.
   */
  readonly module: string;
  /** The token's type, also the package's export name of its provider module (PROVIDER_MODULES). */
  readonly type: ProviderName;
}

let checked = false;

/**
 * The type token and the provider text of a resource type. The host calls the module's `handler`
 * (no arguments) once per process, so the provider is one instance of its class, with exactly the
 * class's methods; the class keeps no state between calls. Checks once that the package's build is
 * complete and current.
 */
export function packagedProvider(args: PackagedProviderArgs): PackagedProvider {
  if (!checked) {
    checkProviderPackage();
    checked = true;
  }
  return {
    type: `${DYNAMIC_PROVIDER_PACKAGE}:dynamic/${args.module}:${args.type}`,
    text: `module.exports=require(${JSON.stringify(`${PROVIDER_PACKAGE}/${args.type}`)})`,
  };
}

/** A custom resource of the dynamic-provider host whose provider is a packaged class. */
export abstract class PackagedResource extends pulumi.CustomResource {
  protected constructor(provider: PackagedProvider, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(provider.type, name, { ...props, [PROVIDER_KEY]: provider.text }, opts);
  }
}
