// The Device Provisioning Service of a `dps` stack and what the stack keeps on it: the DPS itself
// (created and linked to the fleet's hub, or an existing one by name), the fleet's signing CA
// registered on it as verified, the X.509 enrollment group that admits every device chained to that
// CA, and the record of the hub devices the group registers for this stack (deleted on destroy).
import * as dps from "@pulumi/azure-native/deviceprovisioningservices";
import * as iothub from "@pulumi/azure-native/iothub";
import * as pulumi from "@pulumi/pulumi";
import type { AzureScope } from "../azureScope";
import type { DpsSettings, ProvisioningSettings } from "../config/settings";
import { EnrollmentGroup } from "../dps/enrollmentGroup";
import { RegisteredDevices } from "../dps/registeredDevices";
import type { HubAccessArgs } from "../iotHub/hubAccessArgs";

/** The one CA every device of the stack chains to (dpsSigningCa.ts says which). */
export interface DpsSigningCa {
  /** Its name on the DPS: 1-64 of letters, digits, '-', '.', '_'. */
  readonly name: string;
  readonly certificatePem: pulumi.Input<string>;
}

export interface FleetDpsArgs extends AzureScope {
  readonly settings: ProvisioningSettings & { readonly dps: DpsSettings };
  /** The fleet's hub: what the DPS links to and allocates to, and how the stack reaches its registry. */
  readonly hub: {
    readonly access: HubAccessArgs;
    readonly name: pulumi.Input<string>;
    /** The hub's resource group, when known: where the link's key is read from when the stack holds no connection string. */
    readonly resourceGroupName?: pulumi.Input<string>;
  };
  readonly signingCa: DpsSigningCa;
  readonly enrollmentGroupId: string;
  /** The group's initial twin tags: what the at-scale deployment targets. */
  readonly twinTags: Readonly<Record<string, string>>;
  /** The stack's devices: their registration ids. */
  readonly deviceIds: readonly string[];
  /** What the DPS must have before the group: the hub's CA registrations, say. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class FleetDps extends pulumi.ComponentResource {
  readonly idScope: pulumi.Output<string>;
  /** config.toml's global_endpoint. */
  readonly globalEndpoint: string;
  /** The service API's host name (enrollments). */
  readonly serviceHostName: pulumi.Output<string>;
  readonly enrollmentGroup: EnrollmentGroup;
  readonly registeredDevices: RegisteredDevices;

  constructor(name: string, args: FleetDpsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:fleet:FleetDps", name, {}, opts);
    const { dps: settings } = args.settings;
    const parent = { parent: this };
    this.globalEndpoint = settings.globalEndpoint;
    const resourceGroupName = settings.resourceGroup ?? args.resourceGroupName;

    let dpsName: pulumi.Input<string> = settings.name;
    let connectionString: pulumi.Output<string>;
    let caParent: pulumi.Resource[] = [];
    if (settings.create) {
      const service = new dps.IotDpsResource(
        `${name}-dps`,
        {
          provisioningServiceName: settings.name,
          resourceGroupName,
          location: args.location,
          tags: args.tags,
          sku: { name: "S1", capacity: settings.capacity },
          properties: {
            // The link: DPS creates registered devices in the hub with this connection string (secret).
            iotHubs: [{ connectionString: pulumi.secret(hubLinkConnectionString(args)), location: args.location }],
          },
        },
        parent,
      );
      dpsName = service.name;
      caParent = [service];
      this.idScope = service.properties.idScope;
      this.serviceHostName = service.properties.serviceOperationsHostName;
      connectionString = ownerConnectionString(this.serviceHostName, dpsName, resourceGroupName, this);
    } else {
      this.serviceHostName = pulumi.output(settings.hostName ?? `${settings.name}.azure-devices-provisioning.net`);
      const readFromAzure = settings.resourceGroup !== undefined;
      const existing = readFromAzure
        ? dps.getIotDpsResourceOutput({ provisioningServiceName: settings.name, resourceGroupName: settings.resourceGroup! }, parent)
        : undefined;
      // validateFleet: without a resource group both are set.
      this.idScope = settings.idScope !== undefined ? pulumi.output(settings.idScope) : existing!.properties.idScope;
      connectionString =
        settings.connectionString !== undefined
          ? pulumi.secret(settings.connectionString)
          : ownerConnectionString(this.serviceHostName, settings.name, settings.resourceGroup!, this);
    }

    // Registered as verified (isVerified stands for the proof of possession), the group names it;
    // without the DPS's resource group (an existing DPS reached only by its service API, the local
    // lab) the group carries the certificate itself.
    const registerCa = settings.create || settings.resourceGroup !== undefined;
    const ca = registerCa
      ? new dps.DpsCertificate(
          `${name}-ca-${args.signingCa.name}`,
          {
            resourceGroupName,
            provisioningServiceName: dpsName,
            certificateName: args.signingCa.name,
            properties: { certificate: args.signingCa.certificatePem, isVerified: true },
          },
          { parent: this, dependsOn: caParent },
        )
      : undefined;

    this.registeredDevices = new RegisteredDevices(
      `${name}-registered-devices`,
      { hub: args.hub.access, enrollmentGroupId: args.enrollmentGroupId, deviceIds: [...args.deviceIds] },
      parent,
    );
    // The group depends on the record of registered devices, so that destroy deletes the group
    // first: a device whose runtime still runs cannot register again once its devices are deleted.
    this.enrollmentGroup = new EnrollmentGroup(
      `${name}-enrollment-group`,
      {
        dps: { hostName: this.serviceHostName, connectionString },
        enrollmentGroupId: args.enrollmentGroupId,
        ...(ca ? { caReference: args.signingCa.name } : { signingCertificatePem: args.signingCa.certificatePem }),
        iotEdge: true,
        tags: { ...args.twinTags },
        provisioningStatus: "enabled",
        updateHubAssignment: args.settings.reprovisionPolicy.updateHubAssignment,
        migrateDeviceData: args.settings.reprovisionPolicy.migrateDeviceData,
        allocationPolicy: args.settings.allocationPolicy,
        iotHubs: [args.hub.access.hostName],
      },
      { parent: this, dependsOn: [this.registeredDevices, ...(ca ? [ca] : []), ...caParent, ...(args.dependsOn ?? [])] },
    );
    this.registerOutputs({ idScope: this.idScope, serviceHostName: this.serviceHostName });
  }
}

/** The hub connection string the DPS links with: the stack's own, else the hub's iothubowner key read from Azure. */
function hubLinkConnectionString(args: FleetDpsArgs): pulumi.Input<string> {
  if (args.hub.access.connectionString !== undefined) return args.hub.access.connectionString;
  // validateFleet makes sure the hub's resource group is known then.
  const keys = iothub.listIotHubResourceKeysOutput({ resourceGroupName: args.hub.resourceGroupName!, resourceName: args.hub.name });
  return pulumi.all([args.hub.access.hostName, keys]).apply(([host, k]) => {
    const owner = k.value?.find((rule) => rule.keyName === "iothubowner");
    if (!owner?.primaryKey) throw new Error(`IoT Hub ${host} has no iothubowner key to link the DPS with`);
    return `HostName=${host};SharedAccessKeyName=iothubowner;SharedAccessKey=${owner.primaryKey}`;
  });
}

/** The DPS's provisioningserviceowner connection string (secret), from its keys in Azure. */
function ownerConnectionString(
  host: pulumi.Output<string>,
  dpsName: pulumi.Input<string>,
  resourceGroupName: pulumi.Input<string>,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const keys = dps.listIotDpsResourceKeysOutput({ provisioningServiceName: dpsName, resourceGroupName }, { parent });
  return pulumi.secret(
    pulumi.all([host, keys]).apply(([h, k]) => {
      const owner = k.value?.find((rule) => rule.keyName === "provisioningserviceowner");
      if (!owner?.primaryKey) throw new Error(`DPS ${h} has no provisioningserviceowner key to manage enrollments with`);
      return `HostName=${h};SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=${owner.primaryKey}`;
    }),
  );
}
