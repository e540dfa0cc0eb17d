// The resource graph of a two-device stack (one Azure VM, one existing host) under mocks.
import { RecordedResource, byName, isSecretValue, runUnderMocks, valueOf } from "../../lab/mocks/pulumiMocks";
import { expectPackagedProvider } from "../support/packagedProviders";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";

type Program = typeof import("../../components/program");

let resources: RecordedResource[];
let outputs: Awaited<ReturnType<Program["defineStack"]>>;

beforeAll(async () => {
  const settings = stackSettings([vmDevice("edge-vm-01"), existingDevice("line-3-gateway")]);
  const run = await runUnderMocks(asConfigMap(settings), () => {
    // Imported after the mocks are set, as the engine would load the program.
    const { defineStack } = require("../../components/program") as Program;
    return defineStack({ projectDir: process.cwd() });
  });
  resources = run.resources;
  outputs = run.result;
});

const urnOf = (name: string) => byName(resources, name).urn;

test("creates exactly the shared pieces, the fleet CA, and one host and one set of certificates per device", () => {
  const certificates = (d: string) => [
    `edge:certificates:DeviceCertificates fleet-${d}-certs`,
    `pulumi-nodejs:dynamic/certificates:EdgeCaCertificate fleet-${d}-certs-edge-ca-cert`,
    `pulumi-nodejs:dynamic/certificates:ThumbprintSlots fleet-${d}-certs-thumbprints`,
    `tls:index/certRequest:CertRequest fleet-${d}-certs-identity-csr`,
    `tls:index/locallySignedCert:LocallySignedCert fleet-${d}-certs-identity-cert`,
    `tls:index/privateKey:PrivateKey fleet-${d}-certs-edge-ca-key`,
    `tls:index/privateKey:PrivateKey fleet-${d}-certs-identity-key`,
  ];
  // The hub identity, the bootstrap over SSH, then the deployment and the readiness gate.
  const runtimeAndHub = (d: string) => [
    `edge:bootstrap:DeviceBootstrap fleet-${d}-bootstrap`,
    `command:remote:Command fleet-${d}-bootstrap-converge`,
    `command:remote:CopyToRemote fleet-${d}-bootstrap-scripts`,
    `edge:iotHub:EdgeDeviceHub fleet-${d}-iothub`,
    `pulumi-nodejs:dynamic/iotHub:IotHubDevice fleet-${d}-iothub-identity`,
    `pulumi-nodejs:dynamic/iotHub:EdgeDeployment fleet-${d}-iothub-deployment`,
    `pulumi-nodejs:dynamic/iotHub:EdgeReadiness fleet-${d}-iothub-ready`,
  ];
  expect(resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
    [
      "azure-native:compute:VirtualMachine fleet-edge-vm-01-host-vm",
      "azure-native:network:NetworkInterface fleet-edge-vm-01-host-nic",
      "azure-native:network:NetworkSecurityGroup fleet-edge-vm-01-host-nsg",
      "azure-native:network:PublicIPAddress fleet-edge-vm-01-host-ip",
      "azure-native:network:Subnet fleet-net-subnet",
      "azure-native:network:VirtualNetwork fleet-net-vnet",
      "azure-native:resources:ResourceGroup fleet-rg",
      "edge:device:EdgeDevice fleet-edge-vm-01",
      "edge:device:EdgeDevice fleet-line-3-gateway",
      "edge:fleet:EdgeFleet fleet",
      // The dynamic resources' provider, without the stack's configuration (dynamicProviderHost.ts).
      "pulumi:providers:pulumi-nodejs fleet-dynamic",
      "edge:fleet:FleetHub fleet-iothub",
      "edge:fleet:FleetNetwork fleet-net",
      "edge:host:EdgeVm fleet-edge-vm-01-host",
      "edge:host:ExistingHost fleet-line-3-gateway-host",
      "tls:index/privateKey:PrivateKey fleet-edge-vm-01-host-ssh-key",
      "tls:index/privateKey:PrivateKey fleet-edge-vm-01-host-host-key",
      "edge:certificates:FleetCertificateAuthority fleet-ca",
      "tls:index/privateKey:PrivateKey fleet-ca-root-key",
      "tls:index/selfSignedCert:SelfSignedCert fleet-ca-root-cert",
      ...certificates("edge-vm-01"),
      ...certificates("line-3-gateway"),
      ...runtimeAndHub("edge-vm-01"),
      ...runtimeAndHub("line-3-gateway"),
      // A physical device is cleaned on destroy; a VM's files go with the VM.
      "command:remote:Command fleet-line-3-gateway-bootstrap-cleanup",
    ].sort(),
  );
});

test("every child's parent is its component", () => {
  const parentOf = (name: string) => byName(resources, name).parent;
  expect(parentOf("fleet-edge-vm-01")).toBe(urnOf("fleet"));
  expect(parentOf("fleet-line-3-gateway")).toBe(urnOf("fleet"));
  expect(parentOf("fleet-edge-vm-01-host")).toBe(urnOf("fleet-edge-vm-01"));
  expect(parentOf("fleet-line-3-gateway-host")).toBe(urnOf("fleet-line-3-gateway"));
  for (const child of ["nsg", "ip", "nic", "vm", "ssh-key", "host-key"]) {
    expect(parentOf(`fleet-edge-vm-01-host-${child}`)).toBe(urnOf("fleet-edge-vm-01-host"));
  }
  expect(parentOf("fleet-net-vnet")).toBe(urnOf("fleet-net"));
  expect(parentOf("fleet-rg")).toBe(urnOf("fleet"));
  expect(parentOf("fleet-ca")).toBe(urnOf("fleet"));
  expect(parentOf("fleet-edge-vm-01-certs")).toBe(urnOf("fleet-edge-vm-01"));
  expect(parentOf("fleet-edge-vm-01-certs-identity-cert")).toBe(urnOf("fleet-edge-vm-01-certs"));
  // identity → bootstrap → deployment: the identity and the bootstrap are the device's own; the
  // deployment and the gate are the `-iothub` component's.
  for (const child of ["iothub-identity", "bootstrap", "iothub"])
    expect(parentOf(`fleet-edge-vm-01-${child}`)).toBe(urnOf("fleet-edge-vm-01"));
  for (const child of ["deployment", "ready"]) expect(parentOf(`fleet-edge-vm-01-iothub-${child}`)).toBe(urnOf("fleet-edge-vm-01-iothub"));
});

test("the engine is told the dependencies between resources", () => {
  const deps = (name: string) => byName(resources, name).dependencies;
  expect(deps("fleet-edge-vm-01-host-nic")).toEqual(
    expect.arrayContaining([
      urnOf("fleet-edge-vm-01-host-nsg"),
      urnOf("fleet-edge-vm-01-host-ip"),
      urnOf("fleet-net-subnet"),
      urnOf("fleet-rg"),
    ]),
  );
  expect(deps("fleet-edge-vm-01-host-vm")).toEqual(
    expect.arrayContaining([urnOf("fleet-edge-vm-01-host-nic"), urnOf("fleet-edge-vm-01-host-ssh-key"), urnOf("fleet-rg")]),
  );
  expect(deps("fleet-net-subnet")).toEqual(expect.arrayContaining([urnOf("fleet-net-vnet")]));
  // Certificates are made in parallel with the host: they wait on the fleet CA, never on the machine.
  expect(deps("fleet-edge-vm-01-certs-identity-cert")).toEqual(expect.arrayContaining([urnOf("fleet-ca-root-cert")]));
  expect(deps("fleet-edge-vm-01-certs-identity-cert")).not.toContain(urnOf("fleet-edge-vm-01-host-vm"));
  // The host of one device never waits on another device.
  expect(deps("fleet-edge-vm-01-host-vm")).not.toContain(urnOf("fleet-line-3-gateway-host"));
  // The hub identity needs only the thumbprints: it waits for neither the VM nor the bootstrap.
  expect(deps("fleet-edge-vm-01-iothub-identity")).toContain(urnOf("fleet-edge-vm-01-certs-thumbprints"));
  expect(deps("fleet-edge-vm-01-iothub-identity")).not.toContain(urnOf("fleet-edge-vm-01-host-vm"));
  const bootstrapSteps = resources.filter((r) => r.name.startsWith("fleet-edge-vm-01-bootstrap")).map((r) => r.urn);
  expect(deps("fleet-edge-vm-01-iothub-identity").filter((d) => bootstrapSteps.includes(d))).toEqual([]);
  // The bootstrap's first step (the scripts' copy) waits for the VM itself (not just its IP) and for
  // the identity, so a renewed certificate is registered before the device presents it; the other
  // steps wait for it.
  expect(deps("fleet-edge-vm-01-bootstrap-scripts")).toEqual(
    expect.arrayContaining([urnOf("fleet-edge-vm-01-host-vm"), urnOf("fleet-edge-vm-01-iothub-identity")]),
  );
  expect(deps("fleet-line-3-gateway-bootstrap-scripts")).toEqual(expect.arrayContaining([urnOf("fleet-line-3-gateway-iothub-identity")]));
  // (besides what their inputs come from: the connection's host and keys, the certificates)
  expect(deps("fleet-edge-vm-01-bootstrap-converge")).toContain(urnOf("fleet-edge-vm-01-bootstrap-scripts"));
  expect(deps("fleet-line-3-gateway-bootstrap-cleanup")).toContain(urnOf("fleet-line-3-gateway-bootstrap-scripts"));
  expect(deps("fleet-line-3-gateway-bootstrap-converge")).toContain(urnOf("fleet-line-3-gateway-bootstrap-cleanup"));
  // The deployment waits for the runtime (the converge step), the gate for the deployment.
  expect(deps("fleet-edge-vm-01-iothub-deployment")).toEqual(
    expect.arrayContaining([urnOf("fleet-edge-vm-01-bootstrap-converge"), urnOf("fleet-edge-vm-01-iothub-identity")]),
  );
  expect(deps("fleet-edge-vm-01-iothub-ready")).toEqual(expect.arrayContaining([urnOf("fleet-edge-vm-01-iothub-deployment")]));
});

test("SSH is admitted only from the configured ranges", () => {
  const nsg = byName(resources, "fleet-edge-vm-01-host-nsg").inputs;
  expect(nsg.securityRules).toEqual([
    expect.objectContaining({
      access: "Allow",
      direction: "Inbound",
      destinationPortRange: "22",
      sourceAddressPrefixes: ["203.0.113.0/24"],
    }),
  ]);
});

test("the VM has password login off, a system identity, and the generated RSA 4096 key", () => {
  const vm = byName(resources, "fleet-edge-vm-01-host-vm").inputs;
  const key = byName(resources, "fleet-edge-vm-01-host-ssh-key").inputs;
  expect(key).toMatchObject({ algorithm: "RSA", rsaBits: 4096 });
  expect(vm.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
  expect(vm.identity).toEqual({ type: "SystemAssigned" });
  expect(vm.storageProfile.imageReference).toEqual({
    publisher: "Canonical",
    offer: "0001-com-ubuntu-server-jammy",
    sku: "22_04-lts-gen2",
    version: "latest",
  });
  expect(vm.osProfile.linuxConfiguration.ssh.publicKeys).toEqual([
    { path: "/home/azureuser/.ssh/authorized_keys", keyData: "ssh-rsa AAAAB3NzaC1yc2Efleet-edge-vm-01-host-ssh-key generated" },
  ]);
});

test("the VM gets an SSH host key the stack made, in its customData as a secret, and every bootstrap step pins it", () => {
  const hostKey = byName(resources, "fleet-edge-vm-01-host-host-key").inputs;
  expect(hostKey).toEqual({ algorithm: "ED25519" });
  const customData = byName(resources, "fleet-edge-vm-01-host-vm").inputs.osProfile.customData;
  expect(isSecretValue(customData)).toBe(true);
  expect(byName(resources, "fleet-edge-vm-01-host-vm").additionalSecretOutputs).toEqual(["osProfile"]);
  const cloudConfig = Buffer.from(customData.value, "base64").toString("utf8");
  expect(cloudConfig).toBe(
    "#cloud-config\nssh_deletekeys: true\nssh_keys:\n  ed25519_private: |\n    -----BEGIN OPENSSH PRIVATE KEY-----\n    fleet-edge-vm-01-host-host-key\n    -----END OPENSSH PRIVATE KEY-----\n" +
      "  ed25519_public: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5fleet-edge-vm-01-host-host-key\n",
  );
  // The VM waits for its host key; every step dials with it pinned (the VM's and no other).
  expect(byName(resources, "fleet-edge-vm-01-host-vm").dependencies).toContain(urnOf("fleet-edge-vm-01-host-host-key"));
  const steps = resources.filter((r) => r.type === "command:remote:Command" && r.name.startsWith("fleet-edge-vm-01-bootstrap-"));
  expect(steps).toHaveLength(1);
  for (const step of steps) {
    const connection = isSecretValue(step.inputs.connection) ? step.inputs.connection.value : step.inputs.connection;
    expect(connection.hostKey).toBe("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5fleet-edge-vm-01-host-host-key");
  }
  // An existing host without host.hostKey has none to pin (preflight warns about it).
  const gateway = byName(resources, "fleet-line-3-gateway-bootstrap-converge").inputs.connection;
  expect((isSecretValue(gateway) ? gateway.value : gateway).hostKey).toBeUndefined();
});

test("config.toml's hostname: the VM's computer name; none for an existing host, whose converge step writes the host's own", () => {
  const vm = byName(resources, "fleet-edge-vm-01-host-vm").inputs;
  expect(vm.osProfile.computerName).toBe("edge-vm-01");
  expect(byName(resources, "fleet-edge-vm-01-bootstrap-converge").inputs.create).toContain('\nhostname = "edge-vm-01"\n');
  expect(byName(resources, "fleet-line-3-gateway-bootstrap-converge").inputs.create).not.toMatch(/^hostname = /m);
});

test("the public IP is Standard and static, with a stable DNS label", () => {
  const ip = byName(resources, "fleet-edge-vm-01-host-ip").inputs;
  expect(ip.sku).toEqual({ name: "Standard", tier: "Regional" });
  expect(ip.publicIPAllocationMethod).toBe("Static");
  expect(ip.dnsSettings.domainNameLabel).toMatch(/^edge-vm-01-[0-9a-f]{8}$/);
});

test("outputs give each device's addresses and the edgeVMfile shape, and no secret", async () => {
  expect(await valueOf(outputs.devices["edge-vm-01"].privateIp)).toBe("10.40.1.4");
  expect(await valueOf(outputs.devices["edge-vm-01"].sshTarget)).toBe("azureuser@198.51.100.10:22");
  expect(await valueOf(outputs.devices["line-3-gateway"].sshTarget)).toBe("edgeadmin@192.0.2.20:22");
  expect(await valueOf(outputs.edgeVMfile!.edge_FQDN)).toMatch(/^edge-vm-01-[0-9a-f]{8}\.westeurope\.cloudapp\.azure\.com$/);
  expect(await valueOf(outputs.edgeVMfile!.resource_group_name)).toBe("rg-edge-test");
  expect(await valueOf(outputs.edgeVMfiles["line-3-gateway"].edge_private_IP)).toBe("192.0.2.20");
  for (const value of [outputs.devices["edge-vm-01"].sshTarget, outputs.edgeVMfile!.edge_FQDN]) {
    expect(await (value as any).isSecret).toBe(false);
  }
});

test("no private key reaches any resource input in plain text", () => {
  const plain = JSON.stringify(resources.map((r) => stripSecrets(r.inputs)));
  expect(plain).not.toContain("PRIVATE KEY");
});

function stripSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return "[secret]";
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripSecrets(v)]));
  return value;
}

test("every dynamic resource's provider is a require of the provider package, not its code", () => {
  const dynamicResources = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
  // Per device: the hub identity, deployment and gate, the edge CA and the thumbprint slots.
  expect(dynamicResources).toHaveLength(10);
  for (const r of dynamicResources) expectPackagedProvider(r.inputs.__provider);
});

test("every dynamic resource runs on the fleet's own pulumi-nodejs provider, which holds none of the stack's configuration", () => {
  // The engine's default dynamic provider would get the whole configuration, device list included,
  // and keep it in the state twice (pulumi pkg/resource/deploy/target.go, GetPackageConfig).
  const host = byName(resources, "fleet-dynamic");
  expect(host.type).toBe("pulumi:providers:pulumi-nodejs");
  expect(Object.keys(host.inputs).filter((k) => k !== "version")).toEqual([]);
  const dynamic = resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
  expect(dynamic.length).toBeGreaterThanOrEqual(8);
  for (const r of dynamic)
    expect({ name: r.name, provider: r.provider.split("::").slice(0, -1).join("::") }).toEqual({ name: r.name, provider: host.urn });
});
