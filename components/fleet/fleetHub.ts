// The IoT Hub the fleet registers into: created by the stack, or an existing one by name.
import * as authorization from "@pulumi/azure-native/authorization";
import * as iothub from "@pulumi/azure-native/iothub";
import * as pulumi from "@pulumi/pulumi";
import type { AzureScope } from "../azureScope";
import { IotHubSettings } from "../config/settings";
import { type AccessGrant, IOT_HUB_DATA_CONTRIBUTOR, principalTypeOfToken } from "../iotHub/accessGrant";

/** A CA certificate to register, verified, on the hub (hubCaCertificates.ts says which). */
export interface HubCaCertificate {
  readonly name: string;
  readonly certificatePem: pulumi.Input<string>;
}

export interface FleetHubArgs extends AzureScope {
  readonly settings: IotHubSettings;
  /** Signing CAs of certificateAuthority devices; validateFleet makes sure the hub's resource group is known. */
  readonly caCertificates?: readonly HubCaCertificate[];
}

export class FleetHub extends pulumi.ComponentResource {
  /** `<name>.azure-devices.net` */
  readonly hostName: pulumi.Output<string>;
  /** Registry connection string (secret), when the stack has one; absent with Entra ID auth. */
  readonly connectionString?: pulumi.Output<string>;
  /** The verified CA certificates on the hub: every identity waits for them. */
  readonly caCertificates: iothub.Certificate[];
  /** Entra ID on a hub the stack creates: the data-plane role granted to whoever runs `pulumi up`. */
  readonly dataRoleAssignment?: authorization.RoleAssignment;
  /** What identities wait for while that role applies. */
  readonly accessGrant?: pulumi.Output<AccessGrant>;

  constructor(name: string, args: FleetHubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:fleet:FleetHub", name, {}, opts);
    const { settings } = args;
    let hubName: pulumi.Input<string> = settings.name;
    if (!settings.create) {
      this.hostName = pulumi.output(settings.hostName ?? `${settings.name}.azure-devices.net`);
      this.connectionString =
        settings.auth === "connectionString" && settings.connectionString !== undefined
          ? pulumi.secret(settings.connectionString)
          : undefined;
    } else {
      const hub = new iothub.IotHubResource(
        `${name}-hub`,
        {
          resourceName: settings.name,
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          tags: args.tags,
          sku: { name: settings.sku, capacity: settings.capacity },
        },
        { parent: this },
      );
      hubName = hub.name;
      this.hostName = hub.properties.apply((p) => p.hostName ?? settings.hostName ?? `${settings.name}.azure-devices.net`);
      if (settings.auth === "entraId") {
        // A role can only be granted on a hub that exists: nobody holds a data-plane role on a new one.
        const client = authorization.getClientConfigOutput({ parent: this });
        // The token only tells user from service principal; it goes nowhere else.
        const principalType = pulumi.unsecret(authorization.getClientTokenOutput({}, { parent: this }).token.apply(principalTypeOfToken));
        this.dataRoleAssignment = new authorization.RoleAssignment(
          `${name}-data-contributor`,
          {
            principalId: client.objectId,
            principalType,
            roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${IOT_HUB_DATA_CONTRIBUTOR.id}`,
            scope: hub.id,
          },
          { parent: this },
        );
        this.accessGrant = client.objectId.apply((principalId) => ({
          role: IOT_HUB_DATA_CONTRIBUTOR.name,
          principalId,
          waitSeconds: settings.roleAssignmentWaitSeconds,
        }));
      }
      if (settings.auth === "connectionString") {
        const keys = iothub.listIotHubResourceKeysOutput(
          { resourceGroupName: args.resourceGroupName, resourceName: hub.name },
          { parent: this },
        );
        this.connectionString = pulumi.secret(
          pulumi.all([this.hostName, keys]).apply(([host, k]) => {
            const owner = k.value?.find((rule) => rule.keyName === "iothubowner");
            if (!owner?.primaryKey) throw new Error(`IoT Hub "${settings.name}" has no iothubowner key to build a connection string from`);
            return `HostName=${host};SharedAccessKeyName=iothubowner;SharedAccessKey=${owner.primaryKey}`;
          }),
        );
      }
    }
    // isVerified: true stands for the proof of possession the portal asks for (Microsoft.Devices/IotHubs/certificates).
    this.caCertificates = (args.caCertificates ?? []).map(
      (ca) =>
        new iothub.Certificate(
          `${name}-ca-${ca.name}`,
          {
            resourceGroupName: args.resourceGroupName,
            resourceName: hubName,
            certificateName: ca.name,
            properties: { certificate: ca.certificatePem, isVerified: true },
          },
          { parent: this },
        ),
    );
    this.registerOutputs({ hostName: this.hostName });
  }
}
