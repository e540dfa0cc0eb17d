// An Azure VM to run IoT Edge on: NSG, public IP (optional), NIC, Ubuntu VM.
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as azureTypes from "@pulumi/azure-native/types";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { AzureScope } from "../azureScope";
import { SourceKind, sourceKind } from "../config/networkRules";
import { AzureVmHost } from "../config/settings";
import { EdgeHost, SshConnection } from "./edgeHost";
import { hostKeyCustomData } from "./hostKeyCloudConfig";

export interface EdgeVmArgs extends AzureScope {
  /** Azure name of the VM and prefix of its NIC, NSG and IP (see naming.ts). */
  readonly vmName: string;
  readonly host: AzureVmHost;
  /** DNS label of the public IP; unused when the host has no public IP. */
  readonly dnsLabel: string;
  readonly subnetId: pulumi.Input<string>;
}

export class EdgeVm extends pulumi.ComponentResource implements EdgeHost {
  readonly privateIp: pulumi.Output<string>;
  readonly fqdn: pulumi.Output<string>;
  readonly connection: SshConnection;
  readonly hostname: string;
  readonly deletedWithStack = true;
  readonly readyResources: pulumi.Resource[];
  readonly vmId: pulumi.Output<string>;
  /** Object id of the VM's system-assigned identity, for role assignments (e.g. Key Vault). */
  readonly principalId: pulumi.Output<string | undefined>;

  constructor(name: string, args: EdgeVmArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:host:EdgeVm", name, {}, opts);
    const { host } = args;
    const common = { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags };

    const sshKey = sshKeyPair(name, host, this);
    // The VM's SSH host key, made here before the VM boots and handed to cloud-init, so every
    // connection pins it: the first one included, which carries the device's private keys. Ed25519:
    // the command provider asks the server for exactly the pinned key's type.
    const hostKey = new tls.PrivateKey(`${name}-host-key`, { algorithm: "ED25519" }, { parent: this });
    const hostPublicKey = hostKey.publicKeyOpenssh.apply((k) => k.trim());

    // Only the listed ranges reach port 22; Azure's default rules deny the rest of the internet.
    const nsg = new network.NetworkSecurityGroup(
      `${name}-nsg`,
      {
        ...common,
        networkSecurityGroupName: `${args.vmName}-nsg`,
        securityRules: sshRules(host.sshSourceRanges),
      },
      { parent: this },
    );

    const publicIp = host.publicIp
      ? new network.PublicIPAddress(
          `${name}-ip`,
          {
            ...common,
            publicIpAddressName: `${args.vmName}-ip`,
            // Basic SKU and dynamic allocation can no longer be created.
            sku: { name: "Standard", tier: "Regional" },
            publicIPAllocationMethod: "Static",
            publicIPAddressVersion: "IPv4",
            dnsSettings: { domainNameLabel: args.dnsLabel },
          },
          { parent: this },
        )
      : undefined;

    const nic = new network.NetworkInterface(
      `${name}-nic`,
      {
        ...common,
        networkInterfaceName: `${args.vmName}-nic`,
        networkSecurityGroup: { id: nsg.id },
        ipConfigurations: [
          {
            name: "primary",
            primary: true,
            subnet: { id: args.subnetId },
            privateIPAllocationMethod: "Dynamic",
            publicIPAddress: publicIp ? { id: publicIp.id } : undefined,
          },
        ],
      },
      { parent: this },
    );

    const vm = new compute.VirtualMachine(
      `${name}-vm`,
      {
        ...common,
        vmName: args.vmName,
        hardwareProfile: { vmSize: host.size },
        identity: { type: compute.ResourceIdentityType.SystemAssigned },
        storageProfile: {
          imageReference: host.image,
          osDisk: {
            createOption: compute.DiskCreateOptionTypes.FromImage,
            deleteOption: compute.DiskDeleteOptionTypes.Delete,
            diskSizeGB: host.osDiskSizeGb,
            managedDisk: { storageAccountType: compute.StorageAccountTypes.StandardSSD_LRS },
          },
        },
        osProfile: {
          // Also the VM's host name (cloud-init's Azure datasource sets it from the provisioning
          // HostName, the computer name) and config.toml's `hostname` (DeviceBootstrap), so iotedge
          // check's hostname rule holds: equal to the host name, RFC 1035 (naming.ts). Not the public
          // FQDN (its label is not the host name, and edgeHub's ports are closed on the public IP: the
          // NSG admits SSH only): downstream devices reach the gateway inside the VNet, where
          // Azure-provided DNS resolves VM host names (learn.microsoft.com/azure/virtual-network/
          // virtual-networks-name-resolution-for-vms-and-role-instances).
          computerName: args.vmName,
          // Secret: it holds the host's private key.
          customData: pulumi.secret(
            pulumi.all([hostKey.privateKeyOpenssh, hostKey.publicKeyOpenssh]).apply(([k, p]) => hostKeyCustomData(k, p)),
          ),
          adminUsername: host.adminUser,
          linuxConfiguration: {
            disablePasswordAuthentication: true,
            ssh: {
              publicKeys: [{ path: `/home/${host.adminUser}/.ssh/authorized_keys`, keyData: sshKey.publicKey }],
            },
          },
        },
        networkProfile: {
          networkInterfaces: [{ id: nic.id, primary: true, deleteOption: compute.DeleteOptions.Delete }],
        },
      },
      // osProfile carries customData (the host's private key): secret in the outputs too.
      { parent: this, additionalSecretOutputs: ["osProfile"] },
    );

    this.privateIp = nic.ipConfigurations.apply((configs) => configs?.[0]?.privateIPAddress ?? "");
    this.fqdn = publicIp ? publicIp.dnsSettings.apply((d) => d?.fqdn ?? "") : this.privateIp;
    this.connection = {
      host: publicIp ? publicIp.ipAddress.apply((ip) => ip ?? "") : this.privateIp,
      port: 22,
      user: host.adminUser,
      privateKey: sshKey.privateKey,
      hostKey: hostPublicKey,
    };
    this.readyResources = [vm];
    this.vmId = vm.vmId;
    this.principalId = vm.identity.apply((i) => i?.principalId);

    this.hostname = args.vmName;
    this.registerOutputs({ privateIp: this.privateIp, fqdn: this.fqdn, vmId: this.vmId, hostKey: hostPublicKey });
  }
}

/**
 * The inbound rules that admit SSH from the configured ranges only: one rule per address family
 * (ARM refuses a rule whose prefixes mix IPv4 and IPv6) and one per service tag (`*`, `Internet`),
 * which ARM takes only alone in `sourceAddressPrefix` (networkRules.ts).
 */
export function sshRules(sourceRanges: readonly string[]): azureTypes.input.network.SecurityRuleArgs[] {
  const ranges = sourceRanges.map((r) => r.trim());
  const ofKind = (kind: SourceKind) => ranges.filter((r) => sourceKind(r) === kind);
  const tags = ofKind("tag").filter((t, i, all) => all.findIndex((u) => u.toLowerCase() === t.toLowerCase()) === i);
  const sources = [
    ...(["ipv4", "ipv6"] as const)
      .filter((f) => ofKind(f).length > 0)
      .map((f) => ({ name: `allow-ssh-${f}`, sourceAddressPrefixes: ofKind(f) })),
    ...tags.map((tag) => ({ name: `allow-ssh-${tag === "*" ? "any" : tag.toLowerCase()}`, sourceAddressPrefix: tag })),
  ];
  return sources.map((source, i) => ({
    ...source,
    priority: 1000 + i,
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    sourcePortRange: "*",
    destinationAddressPrefix: "*",
    destinationPortRange: "22",
  }));
}

/** The VM's login key: from config (both halves) or a generated RSA 4096 key (Azure accepts RSA only). */
function sshKeyPair(name: string, host: AzureVmHost, parent: pulumi.Resource) {
  if (host.sshPublicKey !== undefined && host.sshPrivateKey !== undefined) {
    return { publicKey: pulumi.output(host.sshPublicKey), privateKey: pulumi.secret(host.sshPrivateKey) };
  }
  const key = new tls.PrivateKey(`${name}-ssh-key`, { algorithm: "RSA", rsaBits: 4096 }, { parent });
  return { publicKey: key.publicKeyOpenssh, privateKey: pulumi.secret(key.privateKeyOpenssh) };
}
