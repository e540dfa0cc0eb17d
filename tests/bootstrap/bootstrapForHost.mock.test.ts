// The EdgeDevice seam: a DeviceBootstrap made from an EdgeHost, for an existing host and for a VM.
import * as pulumi from "@pulumi/pulumi";
import type { DeviceSettings } from "../../components/config/settings";
import type { EdgeHost } from "../../components/host/edgeHost";
import { byName, isSecretValue, RecordedResource, runUnderMocks } from "../../lab/mocks/pulumiMocks";

const device: DeviceSettings = {
  id: "line-3-gateway",
  host: {
    type: "existing",
    address: "192.0.2.30",
    port: 2202,
    user: "edge",
    privateKey: "SSH-KEY-BODY",
    hostKey: "ssh-ed25519 AAAAhostkey",
  },
  // Not read by the bootstrap; cast so the test does not follow every change of the certificate schema.
  certificate: { source: "generate", authentication: "selfSigned" } as unknown as DeviceSettings["certificate"],
  deploymentManifest: "manifests/default.json",
  manifest: {},
  runtime: {
    preinstalled: true,
    aziotEdgeVersion: "1.6.0-1",
    agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6",
    purgeOnDestroy: false,
  },
  decommissioned: false,
};
const pem = (type: string, body: string) => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
const certificates = {
  identityCertPem: pem("CERTIFICATE", "CERT"),
  identityKeyPem: pulumi.secret(pem("PRIVATE KEY", "KEY")),
  trustBundlePem: pem("CERTIFICATE", "ROOT"),
};
const unwrap = (v: any): any => (isSecretValue(v) ? v.value : v);
const stepNames = (rs: RecordedResource[]) =>
  rs
    .filter((r) => r.type === "command:remote:Command")
    .map((r) => r.name.replace(/^.*-bootstrap-/, ""))
    .sort();

test("existing host: its connection (port, user, host key, secret key), a cleanup step, preinstalled runtime", async () => {
  const run = await runUnderMocks({}, () => {
    const { ExistingHost } = require("../../components/host/existingHost");
    const { bootstrapForHost } = require("../../components/bootstrap/bootstrapForHost");
    const host = new ExistingHost("gw-host", { host: device.host });
    bootstrapForHost("gw-bootstrap", { device, host, iotHubHostName: "hub.azure-devices.net", certificates });
  });
  expect(stepNames(run.resources)).toEqual(["cleanup", "converge"]);
  const converge = byName(run.resources, "gw-bootstrap-converge");
  const connection = unwrap(converge.inputs.connection);
  expect({ ...connection, privateKey: unwrap(connection.privateKey) }).toEqual({
    host: "192.0.2.30",
    port: 2202,
    user: "edge",
    privateKey: "SSH-KEY-BODY",
    hostKey: "ssh-ed25519 AAAAhostkey",
    dialErrorLimit: 60,
    perDialTimeout: 15,
  });
  expect(converge.inputs.create).toContain(`'1.6.0-1' 'any' 'true' '600'`);
  expect(unwrap(byName(run.resources, "gw-bootstrap-cleanup").inputs.connection)).toEqual(connection);
});

test("VM host: no cleanup step, steps deletedWith the VM and after it", async () => {
  const deletedWith = new Map<string, string>();
  const run = await runUnderMocks({}, () => {
    const monitor = (pulumi.runtime as any).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => (deletedWith.set(req.getName(), req.getDeletedwith()), register(req, cb));
    class Vm extends pulumi.CustomResource {}
    const vm = new Vm("test:index:Vm", "vm-1", {});
    const host: EdgeHost = {
      privateIp: pulumi.output("10.40.1.4"),
      fqdn: pulumi.output("vm-1.example"),
      connection: { host: pulumi.output("198.51.100.10"), port: 22, user: "azureuser", privateKey: pulumi.secret("K") },
      deletedWithStack: true,
      readyResources: [vm],
    };
    const { bootstrapForHost } = require("../../components/bootstrap/bootstrapForHost");
    bootstrapForHost("vm-bootstrap", { device, host, iotHubHostName: "hub.azure-devices.net", certificates });
  });
  expect(stepNames(run.resources)).toEqual(["converge"]);
  const vmUrn = byName(run.resources, "vm-1").urn;
  // The first step itself waits for the VM: a component's dependsOn would not reach its children.
  expect(byName(run.resources, "vm-bootstrap-scripts").dependencies).toContain(vmUrn);
  for (const s of ["scripts", "converge"]) expect(deletedWith.get(`vm-bootstrap-${s}`)).toBe(vmUrn);
});

describe("a decommissioned device (host gone for good)", () => {
  const options = new Map<string, { retainOnDelete: boolean; ignoreChanges: string[] }>();
  const recordOptions = () => {
    const monitor = (pulumi.runtime as any).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => (
      options.set(req.getName(), { retainOnDelete: req.getRetainondelete(), ignoreChanges: req.getIgnorechangesList() }),
      register(req, cb)
    );
  };

  test("existing host: only the cleanup step, its inputs as before, ignored and retained on delete; a warning says what may be left", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    const run = await runUnderMocks({}, () => {
      recordOptions();
      const { ExistingHost } = require("../../components/host/existingHost");
      const { bootstrapForHost } = require("../../components/bootstrap/bootstrapForHost");
      const host = new ExistingHost("gw-host", { host: device.host });
      bootstrapForHost("gw-bootstrap", {
        device: { ...device, decommissioned: true },
        host,
        iotHubHostName: "hub.azure-devices.net",
        certificates,
      });
    });
    expect(stepNames(run.resources)).toEqual(["cleanup"]);
    const cleanup = byName(run.resources, "gw-bootstrap-cleanup");
    // The same inputs as a live device's cleanup step: the engine sees no change and runs nothing.
    const live = await runUnderMocks({}, () => {
      const { ExistingHost } = require("../../components/host/existingHost");
      const { bootstrapForHost } = require("../../components/bootstrap/bootstrapForHost");
      bootstrapForHost("gw-bootstrap", {
        device,
        host: new ExistingHost("gw-host", { host: device.host }),
        iotHubHostName: "hub.azure-devices.net",
        certificates,
      });
    });
    const liveCleanup = byName(live.resources, "gw-bootstrap-cleanup");
    expect({ create: cleanup.inputs.create, delete: cleanup.inputs.delete }).toEqual({
      create: liveCleanup.inputs.create,
      delete: liveCleanup.inputs.delete,
    });
    expect(options.get("gw-bootstrap-cleanup")?.retainOnDelete).toBe(true);
    expect(options.get("gw-bootstrap-cleanup")?.ignoreChanges).toEqual(
      expect.arrayContaining(["connection", "create", "delete", "stdin", "triggers"]),
    );
    const warned = warn.mock.calls.map((c) => String(c[0])).join("\n");
    expect(warned).toContain(
      "device line-3-gateway is decommissioned: no bootstrap step runs on its host, and destroy (or removing the device) drops its cleanup step without running it.",
    );
    expect(warned).toContain("/var/lib/aziot/keyd");
    warn.mockRestore();
  });

  test("VM host: no step at all (none of them runs a command when removed)", async () => {
    const run = await runUnderMocks({}, () => {
      class Vm extends pulumi.CustomResource {}
      const vm = new Vm("test:index:Vm", "vm-2", {});
      const host: EdgeHost = {
        privateIp: pulumi.output("10.40.1.5"),
        fqdn: pulumi.output("vm-2.example"),
        connection: { host: pulumi.output("198.51.100.11"), port: 22, user: "azureuser", privateKey: pulumi.secret("K") },
        deletedWithStack: true,
        readyResources: [vm],
      };
      const { bootstrapForHost } = require("../../components/bootstrap/bootstrapForHost");
      bootstrapForHost("vm2-bootstrap", {
        device: { ...device, decommissioned: true },
        host,
        iotHubHostName: "hub.azure-devices.net",
        certificates,
      });
    });
    expect(stepNames(run.resources)).toEqual([]);
  });
});
