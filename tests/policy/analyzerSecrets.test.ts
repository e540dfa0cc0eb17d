// Drives @pulumi/policy's real analyze RPC handler with the request the engine sends (secrets
// marked, as analyzer_plugin.go marshals them with KeepSecrets), to check what a policy sees.
import type { ResourceValidationPolicy } from "@pulumi/policy";

const PEM = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n";
/** @pulumi/pulumi runtime/rpc.ts: specialSigKey and specialSecretSig. */
const SECRET = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

interface Loaded {
  analyze: (props: Record<string, unknown>) => Promise<string[]>;
}

/** A fresh copy of the SDK modules (so the secret-marker patch of one case does not leak), with or without the patch. */
function load(patch: boolean): Loaded {
  let loaded: Loaded | undefined;
  jest.isolateModules(() => {
    const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
    const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
    const server = require("@pulumi/policy/server");
    if (patch) require("../../policy/secretMarkers").keepSecretMarkers();
    const policies: ResourceValidationPolicy[] = [
      require("../../policy/privateKeysAsSecrets").privateKeysAsSecrets,
      require("../../policy/x509DeviceIdentity").x509DeviceIdentity,
    ];
    const rpc = server.makeAnalyzeRpcFun("edge-guardrails", "0.1.0", "mandatory", policies);
    loaded = {
      analyze: (props) => {
        const req = new analyzerPb.AnalyzeRequest();
        req.setType("pulumi-nodejs:dynamic/iotHub:IotHubDevice");
        req.setUrn("urn:pulumi:dev::edge::pulumi-nodejs:dynamic/iotHub:IotHubDevice::edge-dev-01-identity");
        req.setName("edge-dev-01-identity");
        req.setProperties(Struct.fromJavaScript(props));
        req.setOptions(new analyzerPb.AnalyzerResourceOptions());
        return new Promise((resolve, reject) =>
          rpc({ request: req }, (err: Error | undefined, res: { getDiagnosticsList(): { getPolicyname(): string; getMessage(): string }[] }) =>
            err ? reject(err) : resolve(res.getDiagnosticsList().map((d) => `${d.getPolicyname()}: ${d.getMessage()}`)),
          ),
        );
      },
    };
  });
  return loaded!;
}

const inputs = (key: unknown) => ({ deviceId: "edge-dev-01", authType: SECRET("selfSigned"), hubHostName: "h.azure-devices.net", identityKeyPem: key });
const PLAIN_KEY_VIOLATION =
  "private-keys-as-secrets: Resource inputs must hold private keys only as Pulumi secrets.\n" +
  "input identityKeyPem holds a PEM private key in plain text: pass it as a secret (pulumi.secret(...), or pulumi config set --secret) so it is encrypted in state and hidden in diffs.";

describe("secret inputs as the policy SDK presents them", () => {
  it("the SDK alone drops the secret marker: a secret key looks like a plain one", async () => {
    const { analyze } = load(false);
    expect(await analyze(inputs(SECRET(PEM)))).toEqual([PLAIN_KEY_VIOLATION]);
  });

  it("with the pack's secret markers, a secret key passes and a plain one fails", async () => {
    const { analyze } = load(true);
    expect(await analyze(inputs(SECRET(PEM)))).toEqual([]);
    expect(await analyze(inputs(PEM))).toEqual([PLAIN_KEY_VIOLATION]);
  });

  it("other policies still read secret inputs as plain values", async () => {
    const { analyze } = load(true);
    const props = { ...inputs(SECRET(PEM)), authType: SECRET("sas") };
    expect(await analyze(props)).toEqual([
      'x509-device-identity: IoT Hub device identities must authenticate with X.509 (selfSigned or certificateAuthority), never symmetric keys.\ndevice "edge-dev-01": authType is "sas"; device identities must use X.509 ("selfSigned" or "certificateAuthority"), never symmetric keys.',
    ]);
  });

  it("refuses to load on an SDK without deserializeProperties(struct, proxySecrets)", () => {
    const { keepSecretMarkers } = require("../../policy/secretMarkers");
    expect(() => keepSecretMarkers({ deserializeProperties: (s: unknown) => s })).toThrow(/deserializeProperties\(struct, proxySecrets\) is not there any more/);
  });
});
