// The contract between a fleet-core stack and its site stacks. The core exports two stack outputs:
// `fleetCore` (plain: where the hub, network, Key Vault and CA certificates are) and
// `fleetCoreSecrets` (a secret: the hub's connection string and each site's CA key). A site reads
// them through a StackReference (coreReference.ts), checks them against its devices, and turns them
// into its devices' settings and the shared pieces its EdgeFleet uses instead of making its own.
import * as pulumi from "@pulumi/pulumi";
import type { FleetCertificateAuthority, SigningCa } from "../certificates/fleetCa";
import type { SettingError } from "../config/settingErrors";
import {
  type CoreSettings,
  type FleetSettings,
  type IotHubSettings,
  type KeyVaultSettings,
  type SiteSettings,
  iotHubSchema,
  provisioningSchema,
  networkSchema,
} from "../config/settings";
import type { AccessGrant } from "../iotHub/accessGrant";
import type { FleetHub } from "./fleetHub";

export const FLEET_CORE_OUTPUT = "fleetCore";
export const FLEET_CORE_SECRETS_OUTPUT = "fleetCoreSecrets";
/** The outputs' shape: a site refuses any other, so it never misreads a core of another version. */
export const FLEET_CORE_VERSION = 1;

/** The hub as a site's devices use it. */
export type CoreHub = Pick<
  IotHubSettings,
  "name" | "auth" | "resourceGroup" | "adoptExistingIdentities" | "readinessTimeoutSeconds" | "roleAssignmentWaitSeconds"
> & { readonly hostName: string };

/** The `fleetCore` output. Nothing in it is secret. */
export interface FleetCoreOutput {
  readonly version: number;
  readonly location: string;
  /** The core's resource group, where the sites' VMs go; "" when the core has none. */
  readonly resourceGroupName: string;
  readonly iotHub: CoreHub;
  /** A hub the core created with Entra ID: the data-plane role it granted, which identities wait for. */
  readonly accessGrant?: AccessGrant;
  /** The `edge-devices` subnet (edge:core.network). */
  readonly subnetId?: string;
  readonly keyVault?: KeyVaultSettings;
  /** The fleet root CA, registered verified on the hub (edge:core.sites). */
  readonly fleetRootCertificatePem?: string;
  /** Per site of edge:core.sites, its intermediate CA's certificate; the key is in `fleetCoreSecrets`. */
  readonly siteCertificateAuthorities: Record<string, string>;
}

/** The `fleetCoreSecrets` output, a secret as a whole. */
export interface FleetCoreSecrets {
  readonly iotHubConnectionString?: string;
  readonly siteCertificateAuthorityKeys: Record<string, string>;
}

/** What a fleet-core's EdgeFleet made, for its outputs. */
export interface CoreParts {
  readonly settings: FleetSettings;
  readonly core: CoreSettings;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly hub: FleetHub;
  readonly subnetId?: pulumi.Input<string>;
  readonly fleetCa?: FleetCertificateAuthority;
}

/** The core's two outputs. The plain one is built from plain values only, so it stays readable by getOutputDetails. */
export function coreOutputs(parts: CoreParts): {
  fleetCore: pulumi.Output<FleetCoreOutput>;
  fleetCoreSecrets: pulumi.Output<FleetCoreSecrets>;
} {
  const { settings, hub, fleetCa } = parts;
  const sites = fleetCa ? Object.entries(fleetCa.sites) : [];
  const iotHub = settings.iotHub;
  const fleetCore = pulumi.output({
    version: FLEET_CORE_VERSION,
    location: settings.location,
    resourceGroupName: parts.resourceGroupName,
    iotHub: {
      name: iotHub.name,
      hostName: hub.hostName,
      auth: iotHub.auth,
      resourceGroup: iotHub.resourceGroup ?? (iotHub.create ? parts.resourceGroupName : undefined),
      adoptExistingIdentities: iotHub.adoptExistingIdentities,
      readinessTimeoutSeconds: iotHub.readinessTimeoutSeconds,
      roleAssignmentWaitSeconds: iotHub.roleAssignmentWaitSeconds,
    },
    accessGrant: hub.accessGrant,
    subnetId: parts.subnetId,
    keyVault: settings.keyVault,
    fleetRootCertificatePem: fleetCa?.root.certPem,
    siteCertificateAuthorities: Object.fromEntries(sites.map(([site, ca]) => [site, ca.certPem])),
  }) as pulumi.Output<FleetCoreOutput>;
  const fleetCoreSecrets = pulumi.secret({
    iotHubConnectionString: hub.connectionString,
    siteCertificateAuthorityKeys: Object.fromEntries(sites.map(([site, ca]) => [site, ca.keyPem])),
  }) as pulumi.Output<FleetCoreSecrets>;
  return { fleetCore, fleetCoreSecrets };
}

/**
 * What is wrong with a core's `fleetCore` output for this site's devices, each problem naming the
 * setting to change (here or in the core) and the device. Pure.
 */
export function siteCoreProblems(site: SiteSettings, siteName: string, core: unknown): SettingError[] {
  const coreStack = site.site.coreStack;
  if (!isRecord(core) || core.version !== FLEET_CORE_VERSION || !isRecord(core.iotHub)) {
    return [
      {
        setting: "site.coreStack",
        message:
          `stack "${coreStack}" has no ${FLEET_CORE_OUTPUT} output of version ${FLEET_CORE_VERSION}: ` +
          "name a stack with edge:stackRole core, and run `pulumi up` on it (with this version of the program) before its sites",
      },
    ];
  }
  const c = core as unknown as FleetCoreOutput;
  const problems: SettingError[] = [];
  site.devices.forEach((device, i) => {
    const at = `devices[${i}]`;
    if (device.host.type === "azureVm" && (!c.subnetId || !c.resourceGroupName)) {
      problems.push({
        setting: `${at}.host`,
        device: device.id,
        message: `is an Azure VM, but the core stack "${coreStack}" has no network for it: set edge:core.network to true there (with edge:resourceGroup)`,
      });
    }
    const source = device.certificate.source;
    if (source !== "generate" && !c.keyVault) {
      problems.push({
        setting: `${at}.certificate.source`,
        device: device.id,
        message: `is ${source}, read from Key Vault, but the core stack "${coreStack}" has no edge:keyVault: set it there`,
      });
    }
    const needsSiteCa = source === "generate" || (source === "keyVault" && device.certificate.edgeCaCertificateName === undefined);
    if (needsSiteCa && !c.siteCertificateAuthorities?.[siteName]) {
      problems.push({
        setting: `${at}.certificate`,
        device: device.id,
        message:
          `needs the site's CA to sign ${source === "generate" ? "its certificates" : "its edge CA"}, but the core stack "${coreStack}" ` +
          `signs for no site "${siteName}": add "${siteName}" to edge:core.sites there (or set edge:site.name to the name it has there)`,
      });
    }
  });
  return problems;
}

/** The settings a site's devices are built with: its own, and the core's location, hub and vault. Pure. */
export function siteFleetSettings(site: SiteSettings, core: FleetCoreOutput): FleetSettings {
  return {
    location: core.location,
    resourceGroup: core.resourceGroupName ? { name: core.resourceGroupName, create: false } : undefined,
    // The site creates no hub: an existing one, as the core has it (its other fields at their defaults, unused).
    iotHub: iotHubSchema.parse({ ...core.iotHub, create: false }),
    keyVault: core.keyVault,
    registries: site.registries,
    network: networkSchema.parse({}),
    allowSshFromInternet: site.allowSshFromInternet,
    proofOfConcept: site.proofOfConcept,
    // A site provisions through the hub (validateFleet: dps needs a whole-fleet stack).
    provisioning: provisioningSchema.parse({}),
    devices: site.devices,
  };
}

/** The shared pieces a site's EdgeFleet uses in place of its own. */
export interface SiteShared {
  readonly resourceGroupName: string;
  readonly subnetId?: string;
  readonly hubHostName: string;
  /** With auth connectionString: from `fleetCoreSecrets`, still a secret. */
  readonly hubConnectionString?: pulumi.Output<string>;
  readonly accessGrant?: AccessGrant;
  /** The site's intermediate CA (its key a secret), chained to the fleet root. */
  readonly siteCa?: SigningCa;
}

/** A checked `fleetCore` (siteCoreProblems) and the `fleetCoreSecrets` Output, as the site's shared pieces. */
export function siteSharedOf(core: FleetCoreOutput, secrets: pulumi.Output<FleetCoreSecrets>, siteName: string): SiteShared {
  const siteCaPem = core.siteCertificateAuthorities[siteName];
  const secret = <T>(read: (s: FleetCoreSecrets) => T | undefined, what: string) =>
    pulumi.secret(
      secrets.apply((s) => {
        const value = s === undefined ? undefined : read(s);
        if (value === undefined) throw new Error(`the core stack's ${FLEET_CORE_SECRETS_OUTPUT} output has no ${what}`);
        return value;
      }),
    );
  return {
    resourceGroupName: core.resourceGroupName,
    subnetId: core.subnetId,
    hubHostName: core.iotHub.hostName,
    hubConnectionString:
      core.iotHub.auth === "connectionString" ? secret((s) => s.iotHubConnectionString, "hub connection string") : undefined,
    accessGrant: core.accessGrant,
    siteCa: siteCaPem
      ? {
          certPem: pulumi.output(siteCaPem),
          keyPem: secret((s) => s.siteCertificateAuthorityKeys?.[siteName], `CA key for site "${siteName}"`),
          chainPems: pulumi.output(core.fleetRootCertificatePem ? [core.fleetRootCertificatePem] : []),
        }
      : undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
