// The whole stack: shared Azure pieces (resource group, network, hub) and one EdgeDevice per device;
// in dps mode also the DPS with its enrollment group (FleetDps) and the fleet's one at-scale deployment.
// Split over stacks (stackRole), a fleet-core makes the shared pieces and no devices, and a site
// makes only its devices, on the shared pieces its core exported (fleet/fleetCore.ts).
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { type CoreSettings, FleetSettings } from "./config/settings";
import { CertificateSource } from "./certificates/certificateSources";
import { createFleetCa, keyVaultBindingFor } from "./certificates/fleetCertificates";
import { EdgeDevice } from "./edgeDevice";
import { withoutVersionAliases } from "./azureVersionAliases";
import { DynamicProviderHost, withDynamicProviderHost } from "./dynamicProviders/dynamicProviderHost";
import { FleetHub, type HubCaCertificate } from "./fleet/fleetHub";
import { hubCaRegistrations, hubCertificateName } from "./fleet/hubCaCertificates";
import { FleetCertificateAuthority, type FleetSigners } from "./certificates/fleetCa";
import { type FleetHubContext, fleetHubContext } from "./iotHub/edgeDeviceHub";
import type { SiteShared } from "./fleet/fleetCore";
import { FleetNetwork } from "./fleet/fleetNetwork";
import { FleetDps } from "./fleet/fleetDps";
import { type DpsCaSource, defaultEnrollmentGroupId, enrollmentTags } from "./fleet/dpsEnrollment";
import { AtScaleDeployment } from "./iotHub/atScaleDeployment";
import { AtScaleDeploymentGate } from "./iotHub/atScaleDeploymentGate";
import { targetConditionForTags } from "./iotHub/atScaleDeployment.rules";
import type { DeviceDpsContext } from "./edgeDevice";

export interface EdgeFleetArgs {
  readonly settings: FleetSettings;
  /** `<project>/<stack>`: keeps generated DNS labels unique per stack. */
  readonly stackKey: string;
  /** Each device's certificate source by device id, resolved before anything is created (loadCertificateSources). */
  readonly certificateSources: ReadonlyMap<string, CertificateSource>;
  /** A fleet-core stack (no devices): what it makes for its sites. */
  readonly core?: CoreSettings;
  /** A site stack: the shared pieces its core made (siteSharedOf); the fleet then makes only its devices. */
  readonly site?: SiteShared;
  /** dps mode: the one CA the enrollment group trusts (dpsSigningCa, resolved before anything is created). */
  readonly dpsCa?: DpsCaSource;
}

/** dps mode: the DPS side of the fleet and its at-scale deployment, with the gate on the hub's counts. */
export interface FleetDpsParts {
  readonly dps: FleetDps;
  readonly enrollmentGroupId: string;
  readonly deployment: AtScaleDeployment;
  /** Absent when every device is decommissioned (none would report). */
  readonly deploymentGate?: AtScaleDeploymentGate;
}

/** The original flow's edgeVMfile.json, which existing scripts read. */
export interface EdgeVmFile {
  edge_private_IP: pulumi.Output<string>;
  edge_FQDN: pulumi.Output<string>;
  resource_group_name: pulumi.Output<string>;
}

export class EdgeFleet extends pulumi.ComponentResource {
  readonly devices: EdgeDevice[];
  readonly resourceGroupName: pulumi.Output<string>;
  /** The hub, when this stack holds it (not a site's: its core holds it). */
  readonly hub?: FleetHub;
  readonly hubHostName: pulumi.Output<string>;
  /** The fleet root CA's certificate, when the stack made one (devices with source generate). */
  readonly fleetRootCertificatePem?: pulumi.Output<string>;
  /** A fleet-core's CA, with its sites' intermediates (edge:core.sites). */
  readonly fleetCa?: FleetCertificateAuthority;
  /** The subnet the VMs share, when the stack made one. */
  readonly subnetId?: pulumi.Output<string>;
  /** dps mode only. */
  readonly dps?: FleetDpsParts;

  constructor(name: string, args: EdgeFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    // Every child inherits the transformation: the azure-native resources' version aliases, which
    // no stack of this program needs, are left out (azureVersionAliases.ts); and the dynamic
    // resources' provider, one without the stack's configuration (dynamicProviderHost.ts).
    super(
      "edge:fleet:EdgeFleet",
      name,
      {},
      {
        ...opts,
        providers: withDynamicProviderHost(opts?.providers, new DynamicProviderHost(`${name}-dynamic`)),
        transformations: [...(opts?.transformations ?? []), withoutVersionAliases],
      },
    );
    const { settings } = args;
    const tags = { "managed-by": "pulumi", "edge-stack": args.stackKey };
    const location = settings.location;

    // Existing-host-only fleets (and the local lab) need no resource group and no network.
    const hasVms = settings.devices.some((d) => d.host.type === "azureVm");
    const { core, site } = args;
    const needsAzure = settings.iotHub.create || hasVms || core?.network === true;
    this.resourceGroupName = site ? pulumi.output(site.resourceGroupName) : resourceGroup(name, settings, needsAzure, location, tags, this);

    this.fleetCa = core ? coreFleetCa(`${name}-ca`, core, args.stackKey, this) : undefined;
    const fleetCa: FleetSigners | undefined = site
      ? site.siteCa && { root: site.siteCa }
      : (this.fleetCa ?? createFleetCa(`${name}-ca`, args.certificateSources, args.stackKey, { parent: this }));
    this.fleetRootCertificatePem = site ? undefined : fleetCa?.root.certPem;
    this.hub = site
      ? undefined
      : new FleetHub(
          `${name}-iothub`,
          {
            settings: settings.iotHub,
            resourceGroupName: settings.iotHub.resourceGroup ?? this.resourceGroupName,
            location,
            tags,
            // A core registers the fleet root its sites' devices chain to. In dps mode DPS registers
            // each device by its own certificate's thumbprint, so the hub needs no CA
            // (MicrosoftDocs/azure-docs #70976, #108289).
            caCertificates: this.fleetCa
              ? [{ name: hubCertificateName({ kind: "fleetRoot" }), certificatePem: this.fleetCa.root.certPem }]
              : settings.provisioning.mode === "dps"
                ? []
                : hubCaCertificatesOf(args.certificateSources, fleetCa),
          },
          { parent: this },
        );
    this.hubHostName = site ? pulumi.output(site.hubHostName) : this.hub!.hostName;

    const network =
      !site && (hasVms || core?.network)
        ? new FleetNetwork(
            `${name}-net`,
            { settings: settings.network, resourceGroupName: this.resourceGroupName, location, tags },
            { parent: this },
          )
        : undefined;

    this.subnetId = network?.subnetId;
    const hub: FleetHubContext = site
      ? {
          ...fleetHubContext({ hostName: site.hubHostName, connectionString: site.hubConnectionString }, settings),
          accessGrant: site.accessGrant,
        }
      : {
          ...fleetHubContext(this.hub!, settings),
          identityDependsOn: [...this.hub!.caCertificates, ...(this.hub!.dataRoleAssignment ? [this.hub!.dataRoleAssignment] : [])],
          accessGrant: this.hub!.accessGrant,
        };
    const dataRole = this.hub?.dataRoleAssignment ? [this.hub.dataRoleAssignment] : [];
    let deviceDps: DeviceDpsContext | undefined;
    let dpsPieces: { groupId: string; twinTags: Record<string, string>; dps: FleetDps } | undefined;
    // validateFleet allows dps only in a whole-fleet stack: this.hub is the stack's own.
    if (settings.provisioning.mode === "dps" && this.hub) {
      const p = settings.provisioning;
      if (!p.dps || !args.dpsCa)
        throw new Error("provisioning.mode dps: the DPS settings and the fleet's signing CA are required (validateFleet, dpsSigningCa)");
      const groupId = p.enrollmentGroupId ?? defaultEnrollmentGroupId(args.stackKey);
      const twinTags = enrollmentTags(groupId, args.stackKey, p.tags);
      const dps = new FleetDps(
        `${name}-dps`,
        {
          settings: { ...p, dps: p.dps },
          resourceGroupName: p.dps.resourceGroup ?? this.resourceGroupName,
          location,
          tags,
          hub: {
            access: hub.access,
            name: settings.iotHub.name,
            resourceGroupName: settings.iotHub.resourceGroup ?? (settings.iotHub.create ? this.resourceGroupName : undefined),
          },
          signingCa: signingCaOf(args.dpsCa, fleetCa),
          enrollmentGroupId: groupId,
          twinTags,
          deviceIds: settings.devices.map((d) => d.id),
          dependsOn: dataRole,
        },
        { parent: this },
      );
      deviceDps = { idScope: dps.idScope, globalEndpoint: dps.globalEndpoint, waitFor: [dps.enrollmentGroup] };
      dpsPieces = { groupId, twinTags, dps };
    }

    const keyVault = keyVaultBindingFor(settings.keyVault, tags);
    this.devices = settings.devices.map((device) => {
      const source = args.certificateSources.get(device.id);
      if (!source) throw new Error(`device "${device.id}": no certificate source was resolved for it`);
      return new EdgeDevice(
        `${name}-${device.id}`,
        {
          device,
          fleet: {
            resourceGroupName: this.resourceGroupName,
            location,
            subnetId: site ? site.subnetId : network?.subnetId,
            stackKey: args.stackKey,
            tags,
            hub,
            dps: deviceDps,
          },
          certificates: { source, fleetCa, keyVault },
        },
        { parent: this },
      );
    });
    if (dpsPieces) this.dps = this.atScaleDeployment(name, settings, dpsPieces, hub, dataRole);
    this.registerOutputs({ resourceGroupName: this.resourceGroupName });
  }

  /**
   * dps mode: the fleet's modules as one at-scale deployment targeting the enrollment group's tags
   * (a manifest change is one change to it, however many devices), and the gate that waits for the
   * hub's counts to show it applied and reported successful on every active device, after each
   * device's own gate.
   */
  private atScaleDeployment(
    name: string,
    settings: FleetSettings,
    pieces: { groupId: string; twinTags: Record<string, string>; dps: FleetDps },
    hub: ReturnType<typeof fleetHubContext>,
    dataRole: pulumi.Resource[],
  ): FleetDpsParts {
    const deployment = new AtScaleDeployment(
      `${name}-deployment`,
      {
        hub: hub.access,
        deploymentId: pieces.groupId,
        // validateFleet: one manifest for a dps fleet.
        content: settings.devices[0].manifest,
        registryCredentials: hub.registries.length > 0 ? [...hub.registries] : undefined,
        targetCondition: targetConditionForTags(pieces.twinTags),
        priority: settings.provisioning.deploymentPriority,
      },
      { parent: this, dependsOn: dataRole },
    );
    const active = this.devices.filter((d) => d.readiness !== undefined);
    const deploymentGate =
      active.length === 0
        ? undefined
        : new AtScaleDeploymentGate(
            `${name}-deployment-ready`,
            {
              hub: hub.access,
              deploymentId: deployment.deploymentId,
              deploymentEtag: deployment.etag,
              deploymentContentHash: deployment.contentHash,
              expectedDeviceCount: active.length,
              timeoutSeconds: settings.iotHub.readinessTimeoutSeconds,
            },
            { parent: this, dependsOn: [deployment, ...active.map((d) => d.readiness!)] },
          );
    return { dps: pieces.dps, enrollmentGroupId: pieces.groupId, deployment, deploymentGate };
  }

  /** Per device: where it is, how to reach it, and its identity certificate's thumbprints. Nothing secret. */
  deviceOutputs() {
    return Object.fromEntries(
      this.devices.map((d) => [
        d.deviceId,
        { privateIp: d.privateIp, publicFqdn: d.publicFqdn, sshTarget: d.sshTarget, identityThumbprints: d.certificates.thumbprints },
      ]),
    );
  }

  edgeVmFile(device: EdgeDevice): EdgeVmFile {
    return { edge_private_IP: device.privateIp, edge_FQDN: device.publicFqdn, resource_group_name: this.resourceGroupName };
  }
}

function resourceGroup(
  name: string,
  settings: FleetSettings,
  needsAzure: boolean,
  location: string,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const group = settings.resourceGroup;
  if (!group) {
    if (needsAzure) throw new Error("edge:resourceGroup is required when the stack creates Azure resources");
    return pulumi.output("");
  }
  if (!group.create) return pulumi.output(group.name);
  return new resources.ResourceGroup(`${name}-rg`, { resourceGroupName: group.name, location, tags }, { parent }).name;
}

/** A fleet-core's CA: the fleet root, and an intermediate for each site that has the core sign its certificates. */
function coreFleetCa(name: string, core: CoreSettings, stackKey: string, parent: pulumi.Resource): FleetCertificateAuthority | undefined {
  if (core.sites.length === 0) return undefined;
  return new FleetCertificateAuthority(
    name,
    { commonName: `${stackKey} edge fleet root CA`, organization: "edge-provisioning", intermediate: false, sites: core.sites },
    { parent },
  );
}

/** The PEM of each signing CA the stack registers on the hub (hubCaRegistrations). */
function hubCaCertificatesOf(sources: ReadonlyMap<string, CertificateSource>, fleetCa: FleetSigners | undefined): HubCaCertificate[] {
  return hubCaRegistrations(sources).map((r) => {
    const signer = r.signer;
    let certificatePem: pulumi.Input<string> | undefined;
    if (signer.kind === "fleetRoot") certificatePem = fleetCa?.root.certPem;
    else if (signer.kind === "fleetIntermediate") certificatePem = fleetCa?.intermediate?.certPem;
    else {
      const source = sources.get(r.deviceIds[0]);
      certificatePem = source?.kind === "keyVaultCa" ? source.ca.certificatePem : undefined;
    }
    if (certificatePem === undefined) throw new Error(`the CA "${r.name}" of devices ${r.deviceIds.join(", ")} was not made`);
    return { name: r.name, certificatePem };
  });
}

/** The PEM of the CA the enrollment group trusts, and its name on the DPS. */
function signingCaOf(ca: DpsCaSource, fleetCa: FleetSigners | undefined): { name: string; certificatePem: pulumi.Input<string> } {
  if (ca.kind === "pem") return { name: ca.name, certificatePem: ca.certificatePem };
  const pem = ca.kind === "fleetRoot" ? fleetCa?.root.certPem : fleetCa?.intermediate?.certPem;
  if (pem === undefined) throw new Error(`the fleet CA "${ca.name}" the enrollment group trusts was not made`);
  return { name: ca.name, certificatePem: pem };
}
