// EdgeDevice wires the hub pieces: the identity from the certificates' thumbprint slots, in
// parallel with the host; the deployment after the bootstrap's ready step; the gate after it.
import * as pulumi from "@pulumi/pulumi";
import { iotHubSchema, type DeviceSettings } from "../../components/config/settings";
import { byName, isSecretValue, type RecordedResource, runUnderMocks } from "../support/pulumiMocks";
import { exampleManifest } from "./manifestFixture";

const device = {
  id: "line-3-gateway",
  host: { type: "existing", address: "192.0.2.30", port: 22, user: "edge", privateKey: "SSH-KEY-BODY" },
  certificate: { source: "generate" },
  deploymentManifest: "manifests/simulated-temperature.json",
  manifest: exampleManifest(),
  runtime: { preinstalled: false, aziotEdgeVersion: "1.6.0-1", agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6" },
} as unknown as DeviceSettings;
const CS = "HostName=contoso.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=bW9jay1odWIta2V5";

/** Mocked outputs: PEM text named after the resource, and thumbprint slots holding a fixed value. */
function state(args: pulumi.runtime.MockResourceArgs) {
  const pem = (what: string) => `-----BEGIN ${what}-----\n${Buffer.from(args.name).toString("base64")}\n-----END ${what}-----\n`;
  if (args.type === "tls:index/privateKey:PrivateKey") return { id: args.name, state: { ...args.inputs, privateKeyPem: pem("PRIVATE KEY") } };
  if (args.type.startsWith("tls:index/") && args.type.endsWith("Cert")) return { id: args.name, state: { ...args.inputs, certPem: pem("CERTIFICATE") } };
  if (args.type.includes("EdgeCaCertificate")) return { id: args.name, state: { ...args.inputs, certPem: pem("CERTIFICATE") } };
  if (args.type.includes("ThumbprintSlots")) return { id: args.name, state: { ...args.inputs, primary: "A".repeat(64), secondary: "B".repeat(64) } };
  return undefined;
}

async function build(withHub: boolean): Promise<RecordedResource[]> {
  const run = await runUnderMocks(
    {},
    () => {
      const { EdgeDevice } = require("../../components/edgeDevice");
      const { FleetCertificateAuthority } = require("../../components/certificates/fleetCa");
      const { fleetHubContext } = require("../../components/iotHub/edgeDeviceHub");
      const fleetCa = new FleetCertificateAuthority("ca", { commonName: "Fleet root", intermediate: false });
      const hub = withHub ? fleetHubContext({ hostName: "contoso.azure-devices.net", connectionString: CS }, { iotHub: iotHubSchema.parse({ name: "contoso" }) }) : undefined;
      return new EdgeDevice("fleet-gw", {
        device,
        fleet: { resourceGroupName: "rg", location: "westeurope", stackKey: "k", tags: {}, iotHubHostName: "contoso.azure-devices.net", hub },
        certificates: { source: { kind: "generate", settings: { source: "generate", keyAlgorithm: "ECDSA", validityDays: 365, renewBeforeDays: 30, intermediate: false, authentication: "selfSigned" } }, fleetCa },
      });
    },
    state,
  );
  return run.resources;
}

test("the identity waits only on the thumbprints; the deployment on the bootstrap; the gate on the deployment", async () => {
  const resources = await build(true);
  const urn = (name: string) => byName(resources, name).urn;
  expect(byName(resources, "fleet-gw-iothub").parent).toBe(urn("fleet-gw"));
  const identity = byName(resources, "fleet-gw-iothub-identity");
  expect(identity.inputs).toMatchObject({ deviceId: "line-3-gateway", authType: "selfSigned", primaryThumbprint: "A".repeat(64), secondaryThumbprint: "B".repeat(64) });
  expect(isSecretValue(identity.inputs.connectionString)).toBe(true);
  expect(identity.dependencies).toContain(urn("fleet-gw-certs-thumbprints"));
  const hostAndBootstrap = resources.filter((r) => r.name.startsWith("fleet-gw-host") || r.name.startsWith("fleet-gw-bootstrap")).map((r) => r.urn);
  expect(hostAndBootstrap.length).toBeGreaterThan(3);
  expect(identity.dependencies.filter((d) => hostAndBootstrap.includes(d))).toEqual([]);
  expect(byName(resources, "fleet-gw-iothub-deployment").dependencies).toEqual(expect.arrayContaining([urn("fleet-gw-bootstrap-apply"), urn("fleet-gw-iothub-identity")]));
  expect(byName(resources, "fleet-gw-iothub-ready").dependencies).toContain(urn("fleet-gw-iothub-deployment"));
}, 60_000);

test("without the fleet's hub context, no hub resources yet", async () => {
  const resources = await build(false);
  expect(resources.filter((r) => r.type.includes("iotHub"))).toEqual([]);
}, 60_000);
