// The stack settings schema: every key a stack may set under the `edge:` namespace.
// Pure: no Pulumi resources, no I/O. Used by index.ts and by `npm run preflight`.
import { z } from "zod";
import { DEVICE_ID_PATTERN } from "./deviceIdPattern";
import {
  DPS_NAME,
  DPS_NAME_RULE,
  ENROLLMENT_GROUP_ID,
  ID_SCOPE,
  IOT_HUB_NAME,
  IOT_HUB_NAME_RULE,
  KEY_VAULT_NAME,
  KEY_VAULT_NAME_RULE,
  RESERVED_ADMIN_USERS,
  isReservedAdminUser,
} from "./azureNames";

/** Stands in for a `secure:` value that preflight reads offline: present, but unreadable. */
export const UNREADABLE_SECRET = "<encrypted secret>";

export const deviceIdSchema = z
  .string()
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters (IoT Hub limit)")
  .regex(DEVICE_ID_PATTERN, "may contain only letters, digits and - . + % _ # * ? ! ( ) , : = @ $ ' (IoT Hub rule)");

// abort: a name that is empty is not also reported as breaking a naming rule.
const nonEmpty = (what: string) =>
  z
    .string()
    .trim()
    .min(1, { message: `${what} must not be empty`, abort: true });

// IPv4/IPv6 CIDR or a single address. Azure service tags ("Internet", "*") are recognised
// so the internet check can name them, not because they are recommended.
const sourceRangeSchema = z.string().trim().min(1, "a source range must not be empty");

export const imageSchema = z
  .object({
    publisher: nonEmpty("image.publisher"),
    offer: nonEmpty("image.offer"),
    sku: nonEmpty("image.sku"),
    version: nonEmpty("image.version"),
  })
  .strict();

/** Ubuntu 22.04 LTS gen2: supported by IoT Edge 1.6 LTS. */
export const DEFAULT_IMAGE = {
  publisher: "Canonical",
  offer: "0001-com-ubuntu-server-jammy",
  sku: "22_04-lts-gen2",
  version: "latest",
} as const;

/** An Azure VM host's settings where neither the device nor `defaults.azureVm` sets them. */
export const DEFAULT_AZURE_VM = {
  size: "Standard_B2s",
  image: DEFAULT_IMAGE,
  adminUser: "azureuser",
  sshSourceRanges: [] as string[],
  publicIp: true,
  osDiskSizeGb: 64,
};

/** Settings of an Azure VM host that `defaults.azureVm` may set fleet-wide. */
const azureVmFields = {
  size: nonEmpty("size"),
  image: imageSchema,
  adminUser: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a Linux user name (lower case, at most 32 characters)")
    .refine((u) => !isReservedAdminUser(u), {
      message: `is a name Azure refuses for a VM's admin user (osProfile.adminUsername "Disallowed values": ${RESERVED_ADMIN_USERS.join(", ")})`,
    }),
  /** Address ranges allowed to reach SSH (port 22). Empty: no inbound SSH rule. */
  sshSourceRanges: z.array(sourceRangeSchema),
  /** false: no public IP; bootstrap then reaches the VM on its private address. */
  publicIp: z.boolean(),
  osDiskSizeGb: z.number().int().min(30).max(4095),
};

export const azureVmDefaultsSchema = z.object(azureVmFields).partial().strict();

export const azureVmHostSchema = z
  .object({
    type: z.literal("azureVm"),
    ...azureVmFields,
    /** OpenSSH public key (ssh-rsa). With it, sshPrivateKey is required; without both, an RSA 4096 key is generated. */
    sshPublicKey: z.string().optional(),
    sshPrivateKey: z.string().optional(),
    /** DNS label of the public IP; default derived from the device id. */
    dnsLabel: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,61}[a-z0-9]$/, "must be 3-63 lower-case letters, digits or hyphens, starting with a letter")
      .optional(),
  })
  .strict();

export const existingHostSchema = z
  .object({
    type: z.literal("existing"),
    address: nonEmpty("address"),
    port: z.number().int().min(1).max(65535).default(22),
    user: nonEmpty("user"),
    /** OpenSSH or PEM private key. Set it with `pulumi config set --secret --path`. */
    privateKey: z.string({ error: "is required for an existing host (set it as a secret)" }).min(1, "is required for an existing host"),
    /** The host's public key, as in known_hosts (`ssh-ed25519 AAAA…`). Recommended. */
    hostKey: z.string().optional(),
    /** config.toml's `hostname`; default: the host's own name, read over SSH. Checked like `iotedge check` does (edgeHostname.ts). */
    edgeHostname: z.string().optional(),
  })
  .strict();

// How IoT Hub authenticates a device: by the thumbprints of its identity certificate
// (selfSigned), or by its chain to a CA verified on the hub (certificateAuthority), which needs
// the certificate's CN to equal the device id.
const hubAuthentication = z.enum(["selfSigned", "certificateAuthority"]).default("selfSigned");

/** The key of a generated device certificate: RSA (2048-4096 bits) or ECDSA P-256. */
const generatedKeyFields = {
  keyAlgorithm: z.enum(["RSA", "ECDSA"]).default("RSA"),
  rsaBits: z.number().int().min(2048).max(4096).default(2048),
};

/** Lifetime of generated certificates; a certificate is replaced once inside renewBeforeDays of its end. */
const lifetimeFields = {
  validityDays: z.number().int().min(1).max(3650).default(365),
  renewBeforeDays: z.number().int().min(1).max(365).default(30),
};

export const certificateSchema = z.discriminatedUnion("source", [
  z
    .object({
      source: z.literal("generate"),
      ...generatedKeyFields,
      ...lifetimeFields,
      /** Sign device certificates with a generated intermediate CA instead of the fleet root. */
      intermediate: z.boolean().default(false),
      authentication: hubAuthentication,
    })
    .strict(),
  z
    .object({
      source: z.literal("keyVault"),
      /** An existing Key Vault certificate, with an exportable key, used as the device identity. */
      certificateName: nonEmpty("certificateName"),
      /** An existing Key Vault CA certificate used as the edge CA; generated when absent. */
      edgeCaCertificateName: nonEmpty("edgeCaCertificateName").optional(),
      /** The program refuses a certificate that expires within this many days. */
      renewBeforeDays: lifetimeFields.renewBeforeDays,
      authentication: hubAuthentication,
    })
    .strict(),
  z
    .object({
      source: z.literal("keyVaultCa"),
      /** An existing Key Vault CA certificate, with an exportable key, that signs the device certificates. */
      caCertificateName: nonEmpty("caCertificateName"),
      ...generatedKeyFields,
      ...lifetimeFields,
      authentication: hubAuthentication,
    })
    .strict(),
]);

export const runtimeSchema = z
  .object({
    /** true: the host comes with moby-engine and aziot-edge installed; skip the bootstrap's install part. */
    preinstalled: z.boolean().default(false),
    aziotEdgeVersion: z.string().default("1.6.0-1"),
    /** Default: the version aziotEdgeVersion depends on, when known (components/bootstrap/runtimePackages.ts). */
    aziotIdentityServiceVersion: z.string().optional(),
    mobyEngineVersion: z.string().optional(),
    agentImage: z.string().default("mcr.microsoft.com/azureiotedge-agent:1.6"),
    /** Existing hosts: destroy also purges the runtime packages the bootstrap put there (not moby-engine). */
    purgeOnDestroy: z.boolean().default(false),
  })
  .strict();

export const deviceDefaultsSchema = z
  .object({
    azureVm: azureVmDefaultsSchema.optional(),
    existing: z
      .object({ port: z.number().int().min(1).max(65535), user: nonEmpty("user") })
      .partial()
      .strict()
      .optional(),
    certificate: certificateSchema.optional(),
    deploymentManifest: z.string().optional(),
    runtime: runtimeSchema.partial().optional(),
  })
  .strict();

/** A device entry as written in config: host fields not given fall back to `defaults`. */
export const deviceEntrySchema = z
  .object({
    id: deviceIdSchema,
    host: z.looseObject({ type: z.enum(["azureVm", "existing"]) }),
    certificate: certificateSchema.optional(),
    deploymentManifest: z.string().optional(),
    runtime: runtimeSchema.partial().optional(),
    /**
     * The host is gone for good: its device-side steps no longer run, and destroy (or removing the
     * entry) drops them without running their delete. See the operator guide, "Retire a device".
     */
    decommissioned: z.boolean().default(false),
  })
  .strict();

export const resourceGroupSchema = z.object({ name: nonEmpty("resourceGroup.name"), create: z.boolean().default(true) }).strict();

export const iotHubSchema = z
  .object({
    name: nonEmpty("iotHub.name").regex(IOT_HUB_NAME, IOT_HUB_NAME_RULE),
    /** false: use an existing hub by name. */
    create: z.boolean().default(false),
    resourceGroup: z.string().optional(),
    sku: z.enum(["S1", "S2", "S3"]).default("S1"),
    capacity: z.number().int().min(1).max(200).default(1),
    /** How the program reaches the hub's registry: a connection string (secret) or Entra ID. */
    auth: z.enum(["connectionString", "entraId"]).default("connectionString"),
    connectionString: z.string().optional(),
    /** Take over device identities that already exist instead of failing. */
    adoptExistingIdentities: z.boolean().default(false),
    /** How long the readiness gate waits for a device to run its deployment ($edgeAgent 200, every module running). */
    readinessTimeoutSeconds: z
      .number()
      .int()
      .min(30, "must be at least 30 seconds")
      .max(3600, "must be at most 3600 seconds (one hour)")
      .default(600),
    /**
     * create + entraId: the stack grants "IoT Hub Data Contributor" to whoever runs `pulumi up`;
     * identities wait this long for the grant to apply (401/403 meanwhile).
     */
    roleAssignmentWaitSeconds: z.number().int().min(0).max(3600, "must be at most 3600 seconds (one hour)").default(600),
    /** The hub's host name; default `<name>.azure-devices.net`. Set it for another cloud or a local stand-in (the lab). */
    hostName: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "must be a host name or IPv4 address, e.g. my-hub.azure-devices.net")
      .optional(),
  })
  .strict();

export const keyVaultSchema = z
  .object({
    name: nonEmpty("keyVault.name").regex(KEY_VAULT_NAME, KEY_VAULT_NAME_RULE),
    resourceGroup: z.string().optional(),
    /** The vault's URL; default `https://<name>.vault.azure.net` (set it for other clouds). */
    url: z
      .string()
      .regex(/^https:\/\/[^\s/]+\/?$/, "must be the vault's https:// URL, e.g. https://my-vault.vault.azure.net")
      .optional(),
    /** Purge deleted certificates on destroy so their names can be reused at once. */
    purgeOnDelete: z.boolean().default(false),
    /**
     * false only for a local Key Vault stand-in (the lab), whose URL is not under vault.azure.net:
     * skips the SDK's check that the authentication challenge's resource matches the vault's domain.
     */
    challengeResourceVerification: z.boolean().default(true),
  })
  .strict();

export const containerRegistrySchema = z
  .object({
    loginServer: nonEmpty("containerRegistry.loginServer"),
    username: nonEmpty("containerRegistry.username"),
    password: nonEmpty("containerRegistry.password"),
  })
  .strict();

/** One registry the devices pull from; its address fills the manifest entries with the same address. */
export const containerRegistryEntrySchema = z
  .object({
    /** The login server, as the manifest's registryCredentials entry has it: `myacr.azurecr.io`. */
    address: nonEmpty("address").regex(/^\S+$/, "must be the registry's login server (no spaces), e.g. myacr.azurecr.io"),
    username: nonEmpty("username"),
    /** Set it with `pulumi config set --secret --path`. */
    password: nonEmpty("password"),
  })
  .strict();

export const networkSchema = z
  .object({
    addressSpace: z.string().default("10.40.0.0/16"),
    subnetPrefix: z.string().default("10.40.1.0/24"),
  })
  .strict();

/** A site's name: the stack name of a site stack, as the core's `core.sites` lists it. */
const siteNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    "must be a site's stack name: 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit",
  );

/**
 * A stack's part in a fleet: the whole fleet (`fleet`), or, for a fleet split over several stacks,
 * its fleet-core (`core`: hub, network, fleet CA, Key Vault) or one site (`site`: only its devices).
 */
export const STACK_ROLES = ["fleet", "core", "site"] as const;

/** stackRole core: what the core makes for its sites. */
export const coreSchema = z
  .object({
    /** The sites whose generated device certificates the core's fleet CA signs: each gets an intermediate CA of its own. */
    sites: z.array(siteNameSchema).default([]),
    /** The VNet and subnet the sites' Azure VMs share (needs resourceGroup); false when every site has existing hosts only. */
    network: z.boolean().default(true),
  })
  .strict();

/** The fully qualified name a StackReference takes: `organization/project/stack` (`organization` itself on the file and Azure Blob backends). */
export const QUALIFIED_STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** stackRole site: the core stack it reads. */
export const siteSchema = z
  .object({
    coreStack: z
      .string()
      .regex(
        QUALIFIED_STACK_NAME,
        "must name the core stack as organization/project/stack (on the file and Azure Blob backends: organization/<project>/<stack>)",
      ),
    /** The site's name in the core's `core.sites`; default: this stack's name. */
    name: siteNameSchema.optional(),
  })
  .strict();

/** The Device Provisioning Service a `dps` stack provisions through: one the stack creates, or an existing one by name. */
export const dpsSchema = z
  .object({
    name: nonEmpty("provisioning.dps.name").regex(DPS_NAME, DPS_NAME_RULE),
    /** true: the stack creates the DPS and links it to the fleet's hub; false: an existing DPS, already linked to the hub. */
    create: z.boolean().default(false),
    /** The DPS's resource group: where the stack creates it (default edge:resourceGroup's), or where an existing one's id scope and keys are read and the CA registered. */
    resourceGroup: z.string().optional(),
    /** DPS units (S1, its one SKU). */
    capacity: z.number().int().min(1).max(10).default(1),
    /** An existing DPS's id scope, when it is not read from Azure (no resourceGroup). */
    idScope: z
      .string()
      .regex(ID_SCOPE, 'must be the DPS\'s id scope: "0ne" and 8 hexadecimal digits, as the portal shows it (e.g. 0ne00002193)')
      .optional(),
    /** An existing DPS's service connection string with enrollment write rights (secret), when it is not read from Azure. */
    connectionString: z.string().optional(),
    /** The DPS's service host name; default `<name>.azure-devices-provisioning.net`. Set it for another cloud or a local stand-in (the lab). */
    hostName: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/, "must be a host name or IPv4 address, e.g. my-dps.azure-devices-provisioning.net")
      .optional(),
    /** Where devices register: config.toml's global_endpoint. */
    globalEndpoint: z
      .string()
      .regex(/^https:\/\/[^\s/]+\/?$/, "must be an https:// URL, e.g. https://global.azure-devices-provisioning.net")
      .default("https://global.azure-devices-provisioning.net"),
  })
  .strict();

/** How devices get into the hub: the stack registers each one (`hub`), or each registers itself through DPS (`dps`). */
export const provisioningSchema = z
  .object({
    mode: z.enum(["hub", "dps"]).default("hub"),
    dps: dpsSchema.optional(),
    /** The X.509 enrollment group's id; default `edge-<project>-<stack>`, lower case (components/fleet/dpsEnrollment.ts). */
    enrollmentGroupId: z
      .string()
      .regex(
        ENROLLMENT_GROUP_ID,
        "must be 1-128 lower-case letters, digits and hyphens, starting and ending with a letter or digit (DPS enrollment group id)",
      )
      .optional(),
    /** How DPS picks the hub among the linked ones the group lists (the fleet's one hub). */
    allocationPolicy: z.enum(["hashed", "static", "geoLatency"]).default("hashed"),
    /** What DPS does when a registered device registers again (REST ReprovisionPolicy; the service's defaults). */
    reprovisionPolicy: z
      .object({ updateHubAssignment: z.boolean().default(true), migrateDeviceData: z.boolean().default(true) })
      .strict()
      .prefault({}),
    /** Twin tags every device gets from the enrollment group, besides edgeFleet and edgeStack; the at-scale deployment targets them all. */
    tags: z.record(z.string(), z.string()).default({}),
    /** The at-scale deployment's priority: where deployments overlap on a device, the highest wins. */
    deploymentPriority: z.number().int().min(0).max(2147483647).default(10),
  })
  .strict();

/** Every key of the `edge:` config namespace, and its schema. Unknown keys are errors (typos). */
export const stackSettingsSchema = z
  .object({
    /** Absent: a stack that is the whole fleet, as before stacks could be split. */
    stackRole: z.enum(STACK_ROLES).default("fleet"),
    core: coreSchema.optional(),
    site: siteSchema.optional(),
    location: nonEmpty("location").default("westeurope"),
    resourceGroup: resourceGroupSchema.optional(),
    iotHub: iotHubSchema,
    keyVault: keyVaultSchema.optional(),
    containerRegistry: containerRegistrySchema.optional(),
    containerRegistries: z.array(containerRegistryEntrySchema).optional(),
    // Absent: the defaults of networkSchema's fields.
    network: networkSchema.prefault({}),
    /** Allow an SSH rule open to the whole internet. Off by default, on purpose. */
    allowSshFromInternet: z.boolean().default(false),
    /** A proof-of-concept stack: destroy may purge what it made; policies relax retention. */
    proofOfConcept: z.boolean().default(false),
    // Absent: hub mode, today's per-device identities.
    provisioning: provisioningSchema.prefault({}),
    defaults: deviceDefaultsSchema.default({}),
    devices: z.array(z.unknown()).min(1, "list at least one device"),
  })
  .strict();

export type AzureVmHost = z.infer<typeof azureVmHostSchema>;
export type ExistingHost = z.infer<typeof existingHostSchema>;
export type HostSettings = AzureVmHost | ExistingHost;
export type CertificateSettings = z.infer<typeof certificateSchema>;
export type RuntimeSettings = z.infer<typeof runtimeSchema>;
export type IotHubSettings = z.infer<typeof iotHubSchema>;
export type KeyVaultSettings = z.infer<typeof keyVaultSchema>;
export type ContainerRegistryEntry = z.infer<typeof containerRegistryEntrySchema>;
export type NetworkSettings = z.infer<typeof networkSchema>;
export type ProvisioningSettings = z.infer<typeof provisioningSchema>;
export type DpsSettings = z.infer<typeof dpsSchema>;
/** The stack's settings as the schema parses them, before the devices are checked one by one. */
export type ParsedStackSettings = z.infer<typeof stackSettingsSchema>;

/** One device after defaults are applied and every check has passed. */
export interface DeviceSettings {
  readonly id: string;
  readonly host: HostSettings;
  readonly certificate: CertificateSettings;
  /** Path of the deployment manifest, relative to the project root. */
  readonly deploymentManifest: string;
  /** The manifest's parsed content (`modulesContent`). */
  readonly manifest: Record<string, unknown>;
  readonly runtime: RuntimeSettings;
  /** The host is gone for good (see deviceEntrySchema). */
  readonly decommissioned: boolean;
}

export interface FleetSettings {
  readonly location: string;
  readonly resourceGroup?: z.infer<typeof resourceGroupSchema>;
  readonly iotHub: IotHubSettings;
  readonly keyVault?: KeyVaultSettings;
  /** Every registry of the stack (containerRegistry and containerRegistries), passwords secret. */
  readonly registries: readonly ContainerRegistryEntry[];
  readonly network: NetworkSettings;
  readonly allowSshFromInternet: boolean;
  readonly proofOfConcept: boolean;
  /** hub: the stack registers each device; dps: each registers itself through the DPS. */
  readonly provisioning: ProvisioningSettings;
  readonly devices: readonly DeviceSettings[];
}

export type CoreSettings = z.infer<typeof coreSchema>;
export type SiteReference = z.infer<typeof siteSchema>;

/**
 * A site stack's own settings: its devices and what they pull from. The hub, the network, the
 * fleet CA and the Key Vault come from its core stack (components/fleet/fleetCore.ts).
 */
export interface SiteSettings {
  readonly stackRole: "site";
  readonly site: SiteReference;
  readonly registries: readonly ContainerRegistryEntry[];
  readonly allowSshFromInternet: boolean;
  readonly proofOfConcept: boolean;
  readonly devices: readonly DeviceSettings[];
}

/** What validateFleet makes of a stack: the whole fleet, a fleet-core (no devices), or a site. */
export type StackSettings =
  | (FleetSettings & { readonly stackRole: "fleet" })
  | (FleetSettings & { readonly stackRole: "core"; readonly core: CoreSettings })
  | SiteSettings;

/** The names of the keys above, for unknown-key checks on the whole namespace. */
export const SETTING_KEYS = Object.keys(stackSettingsSchema.shape);
