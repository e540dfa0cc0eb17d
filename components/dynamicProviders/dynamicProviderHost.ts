// The provider every dynamic resource of the fleet runs on: one explicit `pulumi-nodejs` provider
// without configuration, which the fleet's components hand down to their children (a child takes its
// package's provider from its parent). The default one the engine would make instead gets the stack's
// whole configuration as its inputs (pulumi pkg/resource/deploy/target.go, GetPackageConfig: "For
// dynamic providers, we always pass the full configuration"), and the state keeps them twice, inputs
// and outputs: the device list among them, ~2 KB a device in the lab. No provider of the package
// reads configuration (none has a `configure`). A stack made before moves its resources over without
// replacing them: the dynamic-provider host does not implement DiffConfig, so the engine treats the
// provider change as no reason to replace (pkg/resource/deploy/step_generator.go, providerChanged).
import * as pulumi from "@pulumi/pulumi";

/** The package of every dynamic resource's type token (`pulumi-nodejs:dynamic/<module>:<type>`). */
export const DYNAMIC_PROVIDER_PACKAGE = "pulumi-nodejs";

export class DynamicProviderHost extends pulumi.ProviderResource {
  constructor(name: string) {
    super(DYNAMIC_PROVIDER_PACKAGE, name, {});
  }
}

/** Component options' providers with this one added for the dynamic resources' package. */
export function withDynamicProviderHost(
  providers: pulumi.ComponentResourceOptions["providers"],
  host: DynamicProviderHost,
): pulumi.ComponentResourceOptions["providers"] {
  return Array.isArray(providers) || providers === undefined
    ? [...(providers ?? []), host]
    : { ...providers, [DYNAMIC_PROVIDER_PACKAGE]: host };
}
