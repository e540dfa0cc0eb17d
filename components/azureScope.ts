// Where a component puts its Azure resources and how it tags them: one interface for every
// component that creates them (FleetHub, FleetNetwork, EdgeVm), as Azure Verified Modules share
// `location` and `tags`.
import * as pulumi from "@pulumi/pulumi";

export interface AzureScope {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  /** On every resource the component creates. */
  readonly tags: Record<string, string>;
}
