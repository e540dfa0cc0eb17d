// Runs the program under Pulumi mocks and records what the engine would be asked to do:
// every resource with its inputs, parent and dependency lists, as the monitor receives them.
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  readonly inputs: Record<string, any>;
  /** URN of the parent ("" for the stack). */
  readonly parent: string;
  /** URNs the resource depends on, from `dependsOn` and from its inputs. */
  readonly dependencies: string[];
  /** Each input's URNs (the resources whose outputs it was made from), as the state keeps them. */
  readonly propertyDependencies: Record<string, string[]>;
  readonly additionalSecretOutputs: string[];
  /** The aliases sent with the registration, as the engine receives them (`aliasSpecs`). */
  readonly aliases: RecordedAlias[];
  /** The provider reference ("<urn>::<id>") a custom resource is registered with; "" for its package's default provider. */
  readonly provider: string;
}

/** An alias as sent to the engine: a URN, or a spec whose empty fields mean "as the resource is now". */
export interface RecordedAlias {
  readonly urn: string;
  readonly spec?: {
    readonly name: string;
    readonly type: string;
    readonly stack: string;
    readonly project: string;
    readonly parenturn: string;
    readonly noparent: boolean;
  };
}

/**
 * The URN an alias spec names, by the engine's rule for URNs
 * (`urn:pulumi:<stack>::<project>::<parent's type chain>$<type>::<name>`, the root stack left out:
 * NewURN in pulumi sdk/go/common/resource/urn.go).
 */
export function aliasUrn(resource: RecordedResource, alias: RecordedAlias): string {
  if (alias.urn) return alias.urn;
  const spec = alias.spec!;
  const [stackPart, project, , ...name] = resource.urn.split("::");
  const parentUrn = spec.noparent ? "" : spec.parenturn || resource.parent;
  const parentChain = parentUrn === "" ? "" : parentUrn.split("::")[2];
  const chain = parentChain === "" || parentChain === "pulumi:pulumi:Stack" ? "" : `${parentChain}$`;
  const stack = spec.stack ? `urn:pulumi:${spec.stack}` : stackPart;
  return `${stack}::${spec.project || project}::${chain}${spec.type || resource.type}::${spec.name || name.join("::")}`;
}

/** Pulumi's wire envelope around a secret value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export function isSecretValue(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270"
  );
}

/**
 * A fixed self-signed certificate (P-256, valid to 2126) that the default mocks return for every
 * certificate: well-formed, so code that reads certificates (thumbprints, chains) runs. Tests of
 * the certificates themselves emulate @pulumi/tls instead (tests/certificates/support).
 */
/** The object id getClientConfig answers under mocks: the principal running `pulumi up`. */
export const MOCK_PRINCIPAL_ID = "11111111-2222-3333-4444-555555555555";

export const MOCK_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIBaTCCAQ+gAwIBAgIUQ2yfnSHwxjH/6+1ORah85awW2SkwCgYIKoZIzj0EAwIw
GzEZMBcGA1UEAwwQbW9jayBjZXJ0aWZpY2F0ZTAgFw0yNjExMjYwNDUzMDNaGA8y
MTI2MTEwMjA0NTMwM1owGzEZMBcGA1UEAwwQbW9jayBjZXJ0aWZpY2F0ZTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABBKIGw23QelJljFfSNP4SzPoR7U/vNNIum4V
EgW6cA0ucSin8UfgmaV+58+IOv7wG2NmBuBSZDDqtiljlJLtnUyjLzAtMAwGA1Ud
EwEB/wQCMAAwHQYDVR0OBBYEFKqOXqnBmPeb8QYYjctxFQpa7sYaMAoGCCqGSM49
BAMCA0gAMEUCIQDNt9kcK+VniqfXLGf7l7T7Wkv2Jytll+kqwCOakWHgBgIgS1AM
uMTkcmTC8ywTWe8sh+D1AVaUqKHUUVuBKtCfPSg=
-----END CERTIFICATE-----
`;

/** The id scope mocks give every DPS. */
export const MOCK_ID_SCOPE = "0ne00000A0A";

/** What a DPS reports about itself (its id scope and host names), created or read. */
function mockDpsProperties(name: string) {
  return {
    idScope: MOCK_ID_SCOPE,
    serviceOperationsHostName: `${name}.azure-devices-provisioning.net`,
    deviceProvisioningHostName: "global.azure-devices-provisioning.net",
  };
}

/** Outputs the mocked providers return for the types the program reads back. */
function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
    case "pulumi-nodejs:dynamic/certificates:EdgeCaCertificate":
      return { ...inputs, certPem: MOCK_CERT_PEM };
    case "tls:index/certRequest:CertRequest":
      return { ...inputs, certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\n${name}\n-----END CERTIFICATE REQUEST-----\n` };
    case "pulumi-nodejs:dynamic/certificates:ThumbprintSlots":
      return { ...inputs, primary: inputs.current, secondary: inputs.current };
    case "tls:index/privateKey:PrivateKey": {
      // @pulumi/tls ends publicKeyOpenssh with a newline.
      const publicKeyOpenssh =
        inputs.algorithm === "ED25519" ? `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5${name}\n` : `ssh-rsa AAAAB3NzaC1yc2E${name} generated`;
      return {
        ...inputs,
        privateKeyPem: `-----BEGIN PRIVATE KEY-----\n${name}\n-----END PRIVATE KEY-----\n`,
        // @pulumi/tls gives the key in PKCS#8 too (the Key Vault import reads it).
        privateKeyPemPkcs8: `-----BEGIN PRIVATE KEY-----\n${name}\n-----END PRIVATE KEY-----\n`,
        publicKeyOpenssh,
        privateKeyOpenssh: `-----BEGIN OPENSSH PRIVATE KEY-----\n${name}\n-----END OPENSSH PRIVATE KEY-----`,
      };
    }
    case "command:remote:Command":
      return { ...inputs, stdout: "", stderr: "" };
    case "azure-native:network:NetworkInterface":
      return { ...inputs, ipConfigurations: [{ ...inputs.ipConfigurations?.[0], privateIPAddress: "10.40.1.4" }] };
    case "azure-native:network:PublicIPAddress":
      return {
        ...inputs,
        ipAddress: "198.51.100.10",
        dnsSettings: { fqdn: `${inputs.dnsSettings?.domainNameLabel}.westeurope.cloudapp.azure.com` },
      };
    case "azure-native:compute:VirtualMachine":
      return { ...inputs, vmId: `vm-${name}`, identity: { type: "SystemAssigned", principalId: `principal-${name}` } };
    case "azure-native:iothub:IotHubResource":
      return { ...inputs, name: inputs.resourceName, properties: { hostName: `${inputs.resourceName}.azure-devices.net` } };
    case "azure-native:deviceprovisioningservices:IotDpsResource":
      return {
        ...inputs,
        name: inputs.provisioningServiceName,
        // Only what the service reports: with the inputs' link (a secret) spread in, the mock state came back without these.
        properties: mockDpsProperties(inputs.provisioningServiceName),
      };
    default:
      return { ...inputs, name: inputs.name ?? inputs.resourceGroupName ?? name };
  }
}

/** A mock of its own for some resource types; undefined leaves the resource to the default mock. */
export type MockOverride = (
  args: pulumi.runtime.MockResourceArgs,
) => pulumi.runtime.MockResourceResult | undefined | Promise<pulumi.runtime.MockResourceResult | undefined>;

export interface MockRun<T> {
  /** Every registration with its request (none with `countOnly`). */
  readonly resources: RecordedResource[];
  /** How many registrations reached the mock monitor. */
  readonly registrations: number;
  readonly result: T;
}

export interface MockRunOptions {
  /**
   * Count registrations without keeping them: neither a copy of each request's inputs here nor
   * the SDK mock monitor's copy of each resource's state (kept for `getResource` invokes, which the
   * program makes none of). The benchmark measures the program's own memory this way.
   */
  readonly countOnly?: boolean;
}

/**
 * Sets `config` (flat `edge:key` → text, as the CLI passes it), runs `program` (awaited, if it
 * is async) under mocks and waits until every registration has reached the mock monitor.
 */
export async function runUnderMocks<T>(
  config: Record<string, string>,
  program: () => T,
  override?: MockOverride,
  options: MockRunOptions = {},
): Promise<MockRun<Awaited<T>>> {
  const resources: RecordedResource[] = [];
  let registrations = 0;
  await pulumi.runtime.setMocks(
    {
      newResource: async (args) =>
        (await override?.(args)) ?? { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) },
      call: (args) => {
        if (args.token === "azure-native:authorization:getClientConfig") {
          return {
            clientId: "client-test",
            objectId: MOCK_PRINCIPAL_ID,
            subscriptionId: "00000000-0000-0000-0000-00000000000s",
            tenantId: "tenant-test",
          };
        }
        if (args.token === "azure-native:authorization:getClientToken") {
          // An app-only token (no scp claim): the principal is a service principal, as in CI.
          const claims = Buffer.from(JSON.stringify({ oid: MOCK_PRINCIPAL_ID, idtyp: "app", roles: [] })).toString("base64url");
          return { token: `e30.${claims}.sig` };
        }
        if (args.token === "azure-native:iothub:listIotHubResourceKeys") {
          return { value: [{ keyName: "iothubowner", primaryKey: "bW9jay1odWIta2V5", rights: "RegistryWrite" }] };
        }
        if (args.token === "azure-native:deviceprovisioningservices:listIotDpsResourceKeys") {
          return {
            value: [{ keyName: "provisioningserviceowner", primaryKey: "bW9jay1kcHMta2V5", rights: "ServiceConfig, EnrollmentWrite" }],
          };
        }
        if (args.token === "azure-native:deviceprovisioningservices:getIotDpsResource") {
          return { name: args.inputs.provisioningServiceName, properties: mockDpsProperties(args.inputs.provisioningServiceName) };
        }
        throw new Error(`unexpected call to ${args.token}: add a mock for it`);
      },
    },
    "edge",
    "test",
    false,
  );
  pulumi.runtime.setAllConfig(config);
  // Wrap the mock monitor to see each registration request as the engine would.
  const monitor = (pulumi.runtime as any).getMonitor();
  // The SDK mock monitor keeps each state in `resources` and writes component outputs into it.
  if (options.countOnly) monitor.resources = { set: () => undefined, get: () => ({}) };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) =>
    register(req, (err: unknown, response: any) => {
      if (!err) registrations++;
      if (!err && !options.countOnly) {
        resources.push({
          type: req.getType(),
          name: req.getName(),
          urn: response.getUrn(),
          custom: req.getCustom(),
          inputs: req.getObject()?.toJavaScript() ?? {},
          parent: req.getParent(),
          dependencies: req.getDependenciesList(),
          propertyDependencies: propertyDependenciesOf(req),
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
          aliases: req.getAliasesList().map((a: any) => a.toObject()),
          provider: req.getProvider(),
        });
      }
      callback(err, response);
    });
  const result = await program();
  await settle();
  return { resources, registrations, result };
}

function propertyDependenciesOf(req: any): Record<string, string[]> {
  const deps: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((value: any, key: string) => (deps[key] = value.getUrnsList()));
  return deps;
}

/** Waits for the RPC queue to drain, including registrations made inside `apply`. */
async function settle(): Promise<void> {
  const settings = require("@pulumi/pulumi/runtime/settings");
  for (let i = 0; i < 3; i++) {
    await settings.waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The value an Output resolves to under mocks. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

export function byName(resources: RecordedResource[], name: string): RecordedResource {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}; have: ${resources.map((r) => r.name).join(", ")}`);
  return found;
}
