// The virtual network that the fleet's Azure VMs share.
import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";
import type { AzureScope } from "../azureScope";
import { NetworkSettings } from "../config/settings";

export interface FleetNetworkArgs extends AzureScope {
  readonly settings: NetworkSettings;
}

export class FleetNetwork extends pulumi.ComponentResource {
  readonly subnetId: pulumi.Output<string>;

  constructor(name: string, args: FleetNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:fleet:FleetNetwork", name, {}, opts);
    const vnet = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: args.tags,
        addressSpace: { addressPrefixes: [args.settings.addressSpace] },
      },
      // Subnets are their own resources below; without this the VNet would fight over them.
      { parent: this, ignoreChanges: ["subnets"] },
    );
    const subnet = new network.Subnet(
      `${name}-subnet`,
      {
        resourceGroupName: args.resourceGroupName,
        virtualNetworkName: vnet.name,
        subnetName: "edge-devices",
        addressPrefix: args.settings.subnetPrefix,
      },
      { parent: this },
    );
    this.subnetId = subnet.id;
    this.registerOutputs({ subnetId: this.subnetId });
  }
}
