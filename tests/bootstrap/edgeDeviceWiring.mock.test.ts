// EdgeDevice wires the bootstrap: its host's connection and its certificates' PEMs reach the steps.
import * as pulumi from "@pulumi/pulumi";
import { byName, isSecretValue, runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { wiringTestDevice, wiringTestEdgeDevice } from "../../lab/mocks/stacks";
import { exampleManifest } from "../iotHub/manifestFixture";

const device = wiringTestDevice(exampleManifest());

/** Mocked @pulumi/tls outputs: PEM text named after the resource. */
function tlsState(args: pulumi.runtime.MockResourceArgs) {
  const pem = (what: string) => `-----BEGIN ${what}-----\n${args.name}\n-----END ${what}-----\n`;
  if (args.type === "tls:index/privateKey:PrivateKey")
    return { id: args.name, state: { ...args.inputs, privateKeyPem: pem("PRIVATE KEY") } };
  if (args.type.startsWith("tls:index/") && args.type.endsWith("Cert"))
    return { id: args.name, state: { ...args.inputs, certPem: pem("CERTIFICATE") } };
  if (args.type.includes("EdgeCaCertificate")) return { id: args.name, state: { ...args.inputs, certPem: pem("CERTIFICATE") } };
  return undefined;
}

async function build(iotHubHostName: string) {
  return runUnderMocks(
    {},
    () => wiringTestEdgeDevice(device, { hostName: iotHubHostName }, { name: "contoso", auth: "entraId" }),
    tlsState,
  );
}

test("EdgeDevice bootstraps its host with its certificates", async () => {
  const run = await build("contoso.azure-devices.net");
  const bootstrap = byName(run.resources, "fleet-gw-bootstrap");
  expect(bootstrap.type).toBe("edge:bootstrap:DeviceBootstrap");
  expect(bootstrap.parent).toBe(byName(run.resources, "fleet-gw").urn);
  const converge = byName(run.resources, "fleet-gw-bootstrap-converge");
  // The converge step's stdin is made from the certificates component's outputs: it depends on them.
  const deps = new Set(converge.dependencies);
  expect(deps.has(byName(run.resources, "fleet-gw-certs-identity-key").urn)).toBe(true);
  expect(isSecretValue(converge.inputs.stdin)).toBe(true);
  const payload = converge.inputs.stdin.value as string;
  const [files, blocks] = payload.split("\n\n");
  expect(files.split("\n").map((l) => l.split(" ")[0])).toEqual([
    "identity-cert",
    "identity-key",
    "edge-ca-cert",
    "edge-ca-key",
    "trust-bundle",
  ]);
  // The fleet root ends both chains and is the trust bundle: carried once, so 5 blocks for the 7 the files hold.
  expect(files.split("\n").flatMap((l) => l.split(" ").slice(1))).toHaveLength(7);
  expect(blocks.match(/-----BEGIN /g)).toHaveLength(5);
  expect(converge.inputs.create).toContain('iothub_hostname = "contoso.azure-devices.net"');
  expect(byName(run.resources, "fleet-gw-bootstrap-cleanup").inputs.delete.endsWith("'cleanup' 'remove'")).toBe(true);
});

test("config.toml names the hub the device's identity is registered in", async () => {
  const run = await build("hub-b.azure-devices.net");
  expect(byName(run.resources, "fleet-gw-iothub-identity").inputs.hubHostName).toBe("hub-b.azure-devices.net");
  expect(byName(run.resources, "fleet-gw-bootstrap-converge").inputs.create).toContain('iothub_hostname = "hub-b.azure-devices.net"');
});
