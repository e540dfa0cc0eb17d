// Stack settings validation: every rule with its exact message, and all errors at once.
import { formatSettingError, validateFleet } from "../../components/config/validateFleet";
import { UNREADABLE_SECRET } from "../../components/config/settings";
import { existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";
import { exampleManifest } from "../iotHub/manifestFixture";

const noHub = exampleManifest();
delete noHub.modulesContent.$edgeHub;
const files: Record<string, string> = {
  "manifests/simulated-temperature.json": JSON.stringify(exampleManifest()),
  "manifests/broken.json": "{ not json",
  "manifests/no-hub.json": JSON.stringify(noHub),
};
function readManifest(path: string): string {
  if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: "ENOENT" });
  return files[path];
}

function errorsOf(settings: Record<string, unknown>): string[] {
  const result = validateFleet(settings, readManifest);
  return result.ok ? [] : result.errors.map(formatSettingError);
}

test("a valid two-device stack passes with defaults applied", () => {
  const result = validateFleet(stackSettings([vmDevice("edge-01"), existingDevice("gw-01")]), readManifest);
  if (!result.ok) throw new Error(result.errors.map(formatSettingError).join("\n"));
  const [vm, existing] = result.settings.devices;
  expect(vm.host).toMatchObject({
    type: "azureVm",
    size: "Standard_B2s",
    adminUser: "azureuser",
    publicIp: true,
    sshSourceRanges: ["203.0.113.0/24"],
  });
  expect(existing.host).toMatchObject({ type: "existing", port: 22, user: "edgeadmin" });
  expect(vm.certificate).toMatchObject({
    source: "generate",
    keyAlgorithm: "RSA",
    rsaBits: 2048,
    validityDays: 365,
    renewBeforeDays: 30,
    intermediate: false,
  });
  expect(vm.manifest).toHaveProperty("$edgeAgent");
  expect(vm.runtime).toEqual({
    preinstalled: false,
    aziotEdgeVersion: "1.6.0-1",
    agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6",
    purgeOnDestroy: false,
  });
});

test("an aziot-edge version whose identity service is not known needs runtime.aziotIdentityServiceVersion", () => {
  const device = (runtime: Record<string, unknown>) => ({ ...existingDevice("gw-01"), runtime });
  expect(errorsOf(stackSettings([device({ aziotEdgeVersion: "1.7.0-1" })]))).toEqual([
    'devices[0].runtime.aziotIdentityServiceVersion (device "gw-01"): is required with aziotEdgeVersion 1.7.0-1: aziot-edge depends on one exact aziot-identity-service version (see `apt-cache show aziot-edge=1.7.0-1`, Depends)',
  ]);
  expect(errorsOf(stackSettings([device({ aziotEdgeVersion: "1.7.0-1", aziotIdentityServiceVersion: "1.7.0-1" })]))).toEqual([]);
  expect(errorsOf(stackSettings([device({ aziotEdgeVersion: "1.6.1-1" })]))).toEqual([]);
});

test("a device's own host settings override the fleet defaults", () => {
  const result = validateFleet(
    stackSettings([vmDevice("edge-01", { size: "Standard_D2s_v5", sshSourceRanges: ["198.51.100.7"] })]),
    readManifest,
  );
  expect(result.ok && result.settings.devices[0].host).toMatchObject({ size: "Standard_D2s_v5", sshSourceRanges: ["198.51.100.7"] });
});

test.each([
  ["too long", "d".repeat(129), 'devices[0].id (device "' + "d".repeat(129) + '"): must be at most 128 characters (IoT Hub limit)'],
  [
    "a space",
    "edge 01",
    `devices[0].id (device "edge 01"): may contain only letters, digits and - . + % _ # * ? ! ( ) , : = @ $ ' (IoT Hub rule)`,
  ],
  [
    "a slash",
    "edge/01",
    `devices[0].id (device "edge/01"): may contain only letters, digits and - . + % _ # * ? ! ( ) , : = @ $ ' (IoT Hub rule)`,
  ],
  ["empty", "", "devices[0].id: must not be empty"],
])("a device id IoT Hub would refuse (%s) is an error", (_, id, message) => {
  expect(errorsOf(stackSettings([existingDevice(id)]))).toEqual([message]);
});

test("128 characters and every allowed punctuation mark are accepted", () => {
  expect(errorsOf(stackSettings([existingDevice("a".repeat(128)), existingDevice("-.+%_#*?!(),:=@$'")]))).toEqual([]);
});

test("duplicate device ids are an error naming both entries", () => {
  expect(errorsOf(stackSettings([existingDevice("gw"), existingDevice("other"), existingDevice("gw")]))).toEqual([
    'devices[2].id (device "gw"): duplicates devices[0]; device ids must be unique in the hub',
  ]);
});

test("two ids that map to the same Azure VM name are an error", () => {
  expect(errorsOf(stackSettings([vmDevice("Edge_01"), vmDevice("edge-01")]))).toEqual([
    'devices[1].id (device "edge-01"): gives the same Azure VM name "edge-01" as devices[0]; rename one of them',
  ]);
});

test.each(["0.0.0.0/0", "*", "Internet"])("SSH open to the internet (%s) is refused unless the stack allows it", (range) => {
  const settings = stackSettings([vmDevice("edge-01", { sshSourceRanges: [range] })]);
  expect(errorsOf(settings)).toEqual([
    `devices[0].host.sshSourceRanges[0] (device "edge-01"): "${range}" opens SSH to the whole internet; list your own ranges, or set edge:allowSshFromInternet to true to allow it on purpose`,
  ]);
  expect(errorsOf({ ...settings, allowSshFromInternet: true })).toEqual([]);
});

test("a malformed source range is named", () => {
  expect(errorsOf(stackSettings([vmDevice("edge-01", { sshSourceRanges: ["10.0.0.300/24", "office"] })]))).toEqual([
    'devices[0].host.sshSourceRanges[0] (device "edge-01"): "10.0.0.300/24" has an octet above 255',
    'devices[0].host.sshSourceRanges[1] (device "edge-01"): "office" is not an IP address or CIDR range (e.g. 203.0.113.0/24)',
  ]);
});

test("a missing, unparsable or incomplete manifest is an error", () => {
  expect(
    errorsOf(
      stackSettings([
        { ...existingDevice("a"), deploymentManifest: "manifests/missing.json" },
        { ...existingDevice("b"), deploymentManifest: "manifests/broken.json" },
        { ...existingDevice("c"), deploymentManifest: "manifests/no-hub.json" },
      ]),
    ),
  ).toEqual([
    'devices[0].deploymentManifest (device "a"): file "manifests/missing.json" does not exist',
    expect.stringMatching(/^devices\[1\]\.deploymentManifest \(device "b"\): file "manifests\/broken.json" is not valid JSON: /),
    'devices[2].deploymentManifest (device "c"): file "manifests/no-hub.json": modulesContent.$edgeHub["properties.desired"] is missing: every deployment needs the $edgeHub section',
  ]);
});

test("unknown keys in a device entry are typos, with a suggestion", () => {
  expect(errorsOf(stackSettings([{ ...vmDevice("edge-01", { sise: "Standard_B2s" }), deploymentManifset: "x.json" }]))).toEqual([
    'devices[0].deploymentManifset (device "edge-01"): is not a known setting; did you mean "deploymentManifest"?',
    'devices[0].host.sise (device "edge-01"): is not a known setting; did you mean "size"?',
  ]);
});

test("unknown top-level keys are typos too", () => {
  expect(errorsOf({ ...stackSettings([existingDevice("gw")]), devcies: [] })).toEqual([
    'devcies: is not a known setting; did you mean "devices"?',
  ]);
});

test("an empty VM size or image field is an error", () => {
  expect(
    errorsOf(
      stackSettings([
        vmDevice("edge-01", { size: " ", image: { publisher: "Canonical", offer: "", sku: "22_04-lts-gen2", version: "latest" } }),
      ]),
    ),
  ).toEqual([
    'devices[0].host.size (device "edge-01"): size must not be empty',
    'devices[0].host.image.offer (device "edge-01"): image.offer must not be empty',
  ]);
});

test("an existing host without a private key is an error", () => {
  const device = existingDevice("gw");
  delete (device.host as Record<string, unknown>).privateKey;
  expect(errorsOf(stackSettings([device]))).toEqual([
    'devices[0].host.privateKey (device "gw"): is required for an existing host (set it as a secret)',
  ]);
});

test("an encrypted key counts as present offline; a plain non-key does not", () => {
  expect(errorsOf(stackSettings([existingDevice("gw", { privateKey: UNREADABLE_SECRET })]))).toEqual([]);
  expect(errorsOf(stackSettings([existingDevice("gw", { privateKey: "hunter2" })]))).toEqual([
    'devices[0].host.privateKey (device "gw"): is not a PEM or OpenSSH private key (-----BEGIN … PRIVATE KEY-----)',
  ]);
});

test("a VM key from config must be RSA and come with its private half", () => {
  expect(errorsOf(stackSettings([vmDevice("edge-01", { sshPublicKey: "ssh-ed25519 AAAAC3Nz" })]))).toEqual([
    'devices[0].host.sshPublicKey (device "edge-01"): must be an OpenSSH RSA public key ("ssh-rsa AAAA…"); Azure refuses other key types for VMs',
    'devices[0].host.sshPrivateKey (device "edge-01"): is required with sshPublicKey: the bootstrap logs in with it (or drop both to generate a key)',
  ]);
});

test("a public VM with no SSH ranges could never be bootstrapped", () => {
  expect(errorsOf(stackSettings([vmDevice("edge-01", { sshSourceRanges: [] })]))).toEqual([
    'devices[0].host.sshSourceRanges (device "edge-01"): is empty, so nothing could reach SSH on the public IP to bootstrap the device; list the ranges Pulumi runs from, or set publicIp to false and run from inside the network',
  ]);
  expect(errorsOf(stackSettings([vmDevice("edge-01", { sshSourceRanges: [], publicIp: false })]))).toEqual([]);
});

test("stack-wide rules: a resource group for Azure resources, a connection string for an existing hub", () => {
  const settings = stackSettings([vmDevice("edge-01")], { resourceGroup: undefined, iotHub: { name: "hub", auth: "connectionString" } });
  delete settings.resourceGroup;
  expect(errorsOf(settings)).toEqual([
    'resourceGroup: is required because device "edge-01" is an Azure VM; set edge:resourceGroup.name',
    'iotHub.connectionString: is required for an existing hub with auth "connectionString"; set it with `pulumi config set --secret --path iotHub.connectionString`, or use auth "entraId"',
  ]);
});

test("certificateAuthority with a CA the stack holds, on an existing hub: the hub's resource group is required to register the CA", () => {
  const ca = (source: Record<string, unknown>) => ({
    ...existingDevice("ca-01"),
    certificate: { authentication: "certificateAuthority", ...source },
  });
  const withVault = { keyVault: { name: "kv-fleet" } };
  const message =
    'iotHub.resourceGroup (device "ca-01"): is required: the device uses certificateAuthority authentication with a CA the stack holds (source generate), ' +
    "which the stack registers, verified, on the existing hub; set edge:iotHub.resourceGroup to the hub's resource group";
  expect(errorsOf(stackSettings([ca({ source: "generate" })]))).toEqual([message]);
  expect(errorsOf(stackSettings([ca({ source: "keyVaultCa", caCertificateName: "signing" })], withVault))).toEqual([
    message.replace("source generate", "source keyVaultCa"),
  ]);
  expect(
    errorsOf(stackSettings([ca({ source: "generate" })], { iotHub: { name: "hub", auth: "entraId", resourceGroup: "rg-hub" } })),
  ).toEqual([]);
  expect(errorsOf(stackSettings([ca({ source: "generate" })], { iotHub: { name: "hub", auth: "entraId", create: true } }))).toEqual([]);
  // A keyVault identity's CA is one the stack never holds: the operator registers it.
  expect(errorsOf(stackSettings([ca({ source: "keyVault", certificateName: "id" })], withVault))).toEqual([]);
});

test("every problem is reported, not just the first", () => {
  const errors = errorsOf({
    ...stackSettings([
      vmDevice("ok-1"),
      existingDevice("bad id"),
      vmDevice("edge-02", { sshSourceRanges: ["0.0.0.0/0"], size: "" }),
      { ...existingDevice("gw"), deploymentManifest: "manifests/missing.json" },
    ]),
    iotHub: { name: "" },
  });
  expect(errors).toHaveLength(5);
  expect(errors.map((e) => e.split(":")[0])).toEqual([
    "iotHub.name",
    'devices[1].id (device "bad id")',
    'devices[2].host.size (device "edge-02")',
    'devices[2].host.sshSourceRanges[0] (device "edge-02")',
    'devices[3].deploymentManifest (device "gw")',
  ]);
});

test("an empty device list is an error", () => {
  expect(errorsOf(stackSettings([]))).toEqual(["devices: list at least one device"]);
});

test("the bootstrap's runtime rules and the hub's connection-string rules are settings errors, found before anything runs", () => {
  expect(errorsOf(stackSettings([{ ...existingDevice("gw-01"), runtime: { aziotEdgeVersion: "1.6 latest", agentImage: "" } }]))).toEqual([
    'devices[0].runtime.agentImage (device "gw-01"): must not be empty (e.g. mcr.microsoft.com/azureiotedge-agent:1.6)',
    'devices[0].runtime.aziotEdgeVersion (device "gw-01"): "1.6 latest" is not a Debian package version',
  ]);
  // purgeOnDestroy from the fleet defaults meets a device's own preinstalled: refused for that device.
  const purging = stackSettings([existingDevice("gw-01"), { ...existingDevice("gw-02"), runtime: { preinstalled: true } }]);
  (purging.defaults as Record<string, unknown>).runtime = { purgeOnDestroy: true };
  expect(errorsOf(purging)).toEqual([
    'devices[1].runtime.purgeOnDestroy (device "gw-02"): cannot be true with runtime.preinstalled: the operator installed those packages, so destroy leaves them',
  ]);
  const hub = (connectionString: string) => ({ iotHub: { name: "hub-test", connectionString } });
  expect(
    errorsOf(stackSettings([existingDevice("gw-01")], hub("HostName=other.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=a2V5"))),
  ).toEqual(["iotHub.connectionString: the connection string is for other.azure-devices.net, not for the hub hub-test.azure-devices.net"]);
  expect(errorsOf(stackSettings([existingDevice("gw-01")], hub("HostName=hub-test.azure-devices.net;SharedAccessKeyName=p")))).toEqual([
    "iotHub.connectionString: the connection string must have HostName, SharedAccessKeyName and SharedAccessKey",
  ]);
  // Offline, an encrypted connection string counts as present and is not judged.
  expect(errorsOf(stackSettings([existingDevice("gw-01")], hub(UNREADABLE_SECRET)))).toEqual([]);
});

test("containerRegistries: each entry strict, each registry once across containerRegistry and containerRegistries", () => {
  const registries = {
    containerRegistry: { loginServer: "myacr.azurecr.io", username: "u", password: "p" },
    containerRegistries: [{ address: "https://MYACR.azurecr.io/", username: "u", password: "p" }],
  };
  expect(errorsOf(stackSettings([existingDevice("gw-01")], registries))).toEqual([
    "containerRegistries[0].address: names the same registry as containerRegistry; list each registry once",
  ]);
  expect(
    errorsOf(stackSettings([existingDevice("gw-01")], { containerRegistries: [{ address: "b.io", username: "u", passwd: "p" }] })),
  ).toEqual(["containerRegistries[0].password: is required", "containerRegistries[0].passwd: is not a known setting"]);
  const result = validateFleet(
    stackSettings([existingDevice("gw-01")], {
      containerRegistry: registries.containerRegistry,
      containerRegistries: [{ address: "b.io", username: "u2", password: "p2" }],
    }),
    readManifest,
  );
  expect(result.ok && result.settings.registries).toEqual([
    { address: "myacr.azurecr.io", username: "u", password: "p" },
    { address: "b.io", username: "u2", password: "p2" },
  ]);
});
