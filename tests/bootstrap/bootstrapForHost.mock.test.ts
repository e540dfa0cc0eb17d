// The EdgeDevice seam: a DeviceBootstrap made from an EdgeHost, for an existing host and for a VM.
import * as pulumi from "@pulumi/pulumi";
import type { DeviceSettings } from "../../components/config/settings";
import type { EdgeHost } from "../../components/host/edgeHost";
import { byName, isSecretValue, RecordedResource, runUnderMocks } from "../support/pulumiMocks";

const device: DeviceSettings = {
  id: "line-3-gateway",
  host: { type: "existing", address: "192.0.2.30", port: 2202, user: "edge", privateKey: "SSH-KEY-BODY", hostKey: "ssh-ed25519 AAAAhostkey" },
  // Not read by the bootstrap; cast so the test does not follow every change of the certificate schema.
  certificate: { source: "generate", authentication: "selfSigned" } as unknown as DeviceSettings["certificate"],
  deploymentManifest: "manifests/default.json",
  manifest: {},
  runtime: { preinstalled: true, aziotEdgeVersion: "1.6.0-1", agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6" },
};
const certificates = { identityCertPem: "CERT", identityKeyPem: pulumi.secret("KEY"), trustBundlePem: "ROOT" };
const unwrap = (v: any): any => (isSecretValue(v) ? v.value : v);
const stepNames = (rs: RecordedResource[]) => rs.filter((r) => r.type === "command:remote:Command").map((r) => r.name.replace(/^.*-bootstrap-/, "")).sort();

test("existing host: its connection (port, user, host key, secret key), a cleanup step, preinstalled runtime", async () => {
  const run = await runUnderMocks({}, () => {
    const { ExistingHost } = require("../../components/host/existingHost");
    const { bootstrapForHost } = require("../../components/bootstrap/bootstrapForHost");
    const host = new ExistingHost("gw-host", { host: device.host });
    bootstrapForHost("gw-bootstrap", { device, host, iotHubHostName: "hub.azure-devices.net", certificates });
  });
  expect(stepNames(run.resources)).toEqual(["apply", "certs", "cleanup", "config", "install", "wait"]);
  const wait = byName(run.resources, "gw-bootstrap-wait");
  const connection = unwrap(wait.inputs.connection);
  expect({ ...connection, privateKey: unwrap(connection.privateKey) }).toEqual({
    host: "192.0.2.30",
    port: 2202,
    user: "edge",
    privateKey: "SSH-KEY-BODY",
    hostKey: "ssh-ed25519 AAAAhostkey",
    dialErrorLimit: 60,
    perDialTimeout: 15,
  });
  expect(byName(run.resources, "gw-bootstrap-install").inputs.create).toContain(`'1.6.0-1' 'any' 'true' '600'`);
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
  expect(stepNames(run.resources)).toEqual(["apply", "certs", "config", "install", "wait"]);
  const vmUrn = byName(run.resources, "vm-1").urn;
  // The first step itself waits for the VM: a component's dependsOn would not reach its children.
  expect(byName(run.resources, "vm-bootstrap-wait").dependencies).toContain(vmUrn);
  for (const s of ["wait", "install", "certs", "config", "apply"]) expect(deletedWith.get(`vm-bootstrap-${s}`)).toBe(vmUrn);
});
