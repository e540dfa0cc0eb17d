// Every dynamic resource type of the program, as it registers: the type token pulumi.dynamic.Resource
// gave it (the token is part of each URN: another one would replace the resources of every existing
// stack), and as its `__provider` a short text which, loaded as the engine's provider host loads it,
// makes the package's provider class: exactly the class's methods, no serialized code. The texts
// older stacks hold make the same classes.
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import type { EdgeCaCertificateInputs } from "../../components/certificates/edgeCaCertificate.provider";
import type * as pulumi from "@pulumi/pulumi";
import { parseCertificate } from "../../components/certificates/x509";
import { contentHash } from "../../components/manifest/renderManifest";
import { PROVIDER_EXPORTS, PROVIDER_MODULES, PROVIDER_PACKAGE } from "../../components/dynamicProviders/providerPackage";
import { ROOT_CA_EXT, selfSigned } from "../../lab/certificates/openssl";
import { verify } from "../certificates/support/openssl";
import { MAX_PACKAGED_PROVIDER_CHARS, PACKAGED_PROVIDER_TEXT } from "../support/packagedProviders";
import { DYNAMIC_RESOURCE_TYPES, loadAsHost, methodsOf, registeredProviderTexts } from "./support/dynamicResources";

const PROJECT_DIR = join(__dirname, "..", "..");

let texts: Map<string, string>;
beforeAll(async () => (texts = await registeredProviderTexts()));

test("each resource type registers the type token pulumi.dynamic.Resource gave it", () => {
  expect([...texts.keys()].sort()).toEqual(DYNAMIC_RESOURCE_TYPES.map(([type]) => type).sort());
});

test.each(DYNAMIC_RESOURCE_TYPES.map(([type, source, className]) => [type, source, className] as const))(
  "%s: a short text that, loaded as the host loads it, makes the package's class with exactly its methods",
  (type, source, className) => {
    const text = texts.get(type)!;
    expect(typeof text).toBe("string");
    expect(text.length).toBeLessThan(MAX_PACKAGED_PROVIDER_CHARS);
    // The package's name for the module is the type's own name (the token's last part).
    const [, name] = PACKAGED_PROVIDER_TEXT.exec(text)!;
    expect({ name, module: PROVIDER_MODULES[name as keyof typeof PROVIDER_MODULES] }).toEqual({
      name: type.split(":").pop(),
      module: source,
    });

    const provider = loadAsHost(text);
    expect(provider.constructor.name).toBe(className);
    const sourceClass = require(join(PROJECT_DIR, source))[className] as { prototype: Record<string, unknown> };
    expect(methodsOf(provider)).toEqual(methodsOf(sourceClass.prototype));
    // With a diff of its own the host never answers "unknown" (where the engine compares the inputs,
    // `__provider` with them): a stack made with a serialized provider sees no change from the new text.
    expect(typeof provider.diff).toBe("function");
  },
);

test.each(DYNAMIC_RESOURCE_TYPES.map(([type, source, className]) => [type, source, className] as const))(
  "%s: the text a stack made before 2026-11-30 holds still makes the same provider",
  (_type, source, className) => {
    const [entry] = Object.entries(PROVIDER_EXPORTS).find(([, module]) => module === source)!;
    const provider = loadAsHost(`exports.handler = () => new (require("${PROVIDER_PACKAGE}/${entry}.js").${className})();\n`);
    expect(provider.constructor.name).toBe(className);
    const sourceClass = require(join(PROJECT_DIR, source))[className] as { prototype: Record<string, unknown> };
    expect(methodsOf(provider)).toEqual(methodsOf(sourceClass.prototype));
  },
);

test("a device's resources whose outputs hold an older text show no change when their inputs come with the new one", async () => {
  // The engine passes the outputs as olds and the inputs as news, `__provider` in both; each provider's diff leaves it out.
  const legacy = (type: string) => {
    const [, source, className] = DYNAMIC_RESOURCE_TYPES.find(([t]) => t === type)!;
    const [entry] = Object.entries(PROVIDER_EXPORTS).find(([, module]) => module === source)!;
    return `exports.handler = () => new (require("${PROVIDER_PACKAGE}/${entry}.js").${className})();\n`;
  };
  const hub = { hubHostName: "hub.azure-devices.net", hubAuth: "connectionString", connectionString: "HostName=hub;SharedAccessKey=a2V5" };
  const manifest = { modulesContent: { $edgeAgent: {}, $edgeHub: {} } };
  const thumbprint = "AB".repeat(32);
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      "pulumi-nodejs:dynamic/certificates:ThumbprintSlots",
      { current: thumbprint, promote: true, primary: thumbprint, secondary: thumbprint },
      { current: thumbprint, promote: true },
    ],
    [
      "pulumi-nodejs:dynamic/iotHub:IotHubDevice",
      { ...hub, deviceId: "d", authType: "selfSigned", primaryThumbprint: thumbprint, secondaryThumbprint: thumbprint, status: "enabled" },
      { ...hub, deviceId: "d", authType: "selfSigned", primaryThumbprint: thumbprint, secondaryThumbprint: thumbprint, status: "enabled" },
    ],
    [
      "pulumi-nodejs:dynamic/iotHub:EdgeDeployment",
      { deviceId: "d", hubHostName: hub.hubHostName, contentHash: contentHash(manifest), identityGenerationId: "g", desiredVersion: 2 },
      { ...hub, deviceId: "d", manifest, identityGenerationId: "g" },
    ],
    [
      "pulumi-nodejs:dynamic/iotHub:EdgeReadiness",
      { deviceId: "d", hubHostName: hub.hubHostName, desiredVersion: 2, agentStatusCode: 200, modules: {}, readyAfterSeconds: 1 },
      { ...hub, deviceId: "d", desiredVersion: 2, timeoutSeconds: 60 },
    ],
  ];
  for (const [type, outputs, inputs] of cases) {
    const text = texts.get(type)!;
    const provider = loadAsHost(text) as Required<pulumi.dynamic.ResourceProvider>;
    const diff = await provider.diff("d", { ...outputs, __provider: legacy(type) }, { ...inputs, __provider: text });
    expect({ type, changes: diff.changes }).toEqual({ type, changes: false });
  }
});

test("the edge CA provider signs in a fresh process, loaded from its text in the project folder as the host loads it", () => {
  // The X.509 library and its Reflect polyfill load from the package's dist/, in order.
  const text = texts.get("pulumi-nodejs:dynamic/certificates:EdgeCaCertificate")!;
  const root = selfSigned({ cn: "Root", days: 3650, ext: ROOT_CA_EXT });
  const edgeKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const inputs: EdgeCaCertificateInputs = {
    commonName: "dev-9.edge-ca",
    publicKeyPem: edgeKey.publicKey.export({ type: "spki", format: "pem" }) as string,
    issuerCertPem: root.certPem,
    issuerKeyPem: root.keyPem,
    validityHours: 24,
    renewBeforeHours: 1,
  };
  const host = `
    const provider = require(require.resolve("require-from-string", { paths: [require.resolve("@pulumi/pulumi")] }))(process.env.PROVIDER_TEXT).handler();
    provider.create(JSON.parse(process.env.PROVIDER_INPUTS)).then((r) => process.stdout.write(r.outs.certPem));`;
  const certPem = execFileSync(process.execPath, ["-e", host], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
    env: { ...process.env, PROVIDER_TEXT: text, PROVIDER_INPUTS: JSON.stringify(inputs) },
  });
  expect(parseCertificate(certPem).basicConstraints).toEqual({ ca: true, pathLength: 0, critical: true });
  expect(verify(root.certPem, [], certPem)).toMatchObject({ ok: true });
});
