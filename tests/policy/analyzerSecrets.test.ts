// What a policy sees of secret inputs, through @pulumi/policy's real analyze RPC handler.
import { SECRET, loadAnalyzer } from "./analyzeRpc";

const PEM =
  "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n-----END EC PRIVATE KEY-----\n";
const DEVICE = "pulumi-nodejs:dynamic/iotHub:IotHubDevice";
const load = (patch: boolean) => {
  const analyze = loadAnalyzer(patch, () => [
    require("../../policy/privateKeysAsSecrets").privateKeysAsSecrets,
    require("../../policy/x509DeviceIdentity").x509DeviceIdentity,
  ]);
  return { analyze: (props: Record<string, unknown>) => analyze(DEVICE, "edge-dev-01-identity", props) };
};

const inputs = (key: unknown) => ({
  deviceId: "edge-dev-01",
  authType: SECRET("selfSigned"),
  hubHostName: "h.azure-devices.net",
  identityKeyPem: key,
});
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

  it("the installed @pulumi/policy is the version secretMarkers.ts was checked against", () => {
    const { CHECKED_POLICY_SDK_VERSION } = require("../../policy/secretMarkers");
    const installed = (require("@pulumi/policy/package.json") as { version: string }).version.replace(/^v/, "");
    if (installed !== CHECKED_POLICY_SDK_VERSION) {
      throw new Error(
        `@pulumi/policy is ${installed}, secretMarkers.ts was checked against ${CHECKED_POLICY_SDK_VERSION}: see whether a ` +
          "validateResource can now tell secret inputs publicly (then use that and delete the patch), else that the cases " +
          "above still hold and the proxy keys in secretMarkers.ts are still the SDK's; then update CHECKED_POLICY_SDK_VERSION.",
      );
    }
  });

  it("refuses to load on an SDK without deserializeProperties(struct, proxySecrets)", () => {
    const { keepSecretMarkers } = require("../../policy/secretMarkers");
    expect(() => keepSecretMarkers({ deserializeProperties: (s: unknown) => s })).toThrow(
      /deserializeProperties\(struct, proxySecrets\) is not there any more/,
    );
  });
});
