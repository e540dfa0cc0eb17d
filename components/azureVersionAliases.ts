// @pulumi/azure-native gives every resource one alias per API version its type has had
// (`azure-native:network/v20230201:NetworkInterface` and 59 more for a NIC, 29 for a VM), so that a
// resource made through a versioned module (`@pulumi/azure-native/network/v20230201`) keeps its state
// when moved to the default one. This program has only ever used the default modules
// (`azure-native:network:NetworkInterface`), so no stack of it holds a resource of those types and
// the aliases match nothing.
//
// They are not free. @pulumi/pulumi 3.248's Resource constructor turns each alias into a URN Output
// (collapseAliasToUrn: ~5 Outputs, pending until the parent's URN is known), even when the engine
// takes aliases as specs and never reads that URN; for a VM device's ~210 aliases that is over half
// of the program's live memory while its registrations are pending (docs/benchmarks.md, "Cost per
// device"). The engine then looks each one up in the state.
//
// withoutVersionAliases drops exactly those: aliases whose only field is a versioned type of the
// resource's own package. Other aliases stay, the program's own and azure-native's renamed modules
// (`azure-native:devices:IotHubResource`, the v2 name of `azure-native:iothub:IotHubResource`).
import type * as pulumi from "@pulumi/pulumi";

/** `azure-native:<module>/v<yyyymmdd>[preview…]:<Type>`: a type of a versioned module. */
const VERSIONED_TYPE = /^azure-native:[A-Za-z]+\/v\d{8}[a-z]*:[A-Za-z0-9]+$/;

/** Whether an alias is azure-native's alias for a versioned module's type, and nothing else. */
export function isVersionAlias(alias: pulumi.Input<pulumi.URN | pulumi.Alias>): boolean {
  if (typeof alias !== "object" || alias === null || !("type" in alias)) return false;
  const keys = Object.keys(alias);
  return keys.length === 1 && typeof alias.type === "string" && VERSIONED_TYPE.test(alias.type);
}

/** A resource transformation (ComponentResourceOptions.transformations, inherited by every child). */
export const withoutVersionAliases: pulumi.ResourceTransformation = ({ type, props, opts }) => {
  if (!type.startsWith("azure-native:") || !opts.aliases?.some(isVersionAlias)) return undefined;
  return { props, opts: { ...opts, aliases: opts.aliases.filter((alias) => !isVersionAlias(alias)) } };
};
