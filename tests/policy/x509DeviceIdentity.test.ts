import { DEVICE_TYPE, x509DeviceIdentity } from "../../policy/x509DeviceIdentity";
import { violations } from "./runPolicy";

const identity = (over: Record<string, unknown>) => ({
  hubHostName: "iot-edge-dev.azure-devices.net",
  hubAuth: "entraId",
  deviceId: "edge-dev-01",
  authType: "selfSigned",
  primaryThumbprint: "A".repeat(64),
  secondaryThumbprint: "A".repeat(64),
  status: "enabled",
  adoptExisting: false,
  ...over,
});

describe("x509-device-identity", () => {
  it.each(["selfSigned", "certificateAuthority"])("passes an identity with %s", async (authType) => {
    expect(await violations(x509DeviceIdentity, DEVICE_TYPE, identity({ authType }))).toEqual([]);
  });

  it("fails a symmetric-key (sas) identity with the exact message", async () => {
    expect(await violations(x509DeviceIdentity, DEVICE_TYPE, identity({ authType: "sas" }))).toEqual([
      'device "edge-dev-01": authType is "sas"; device identities must use X.509 ("selfSigned" or "certificateAuthority"), never symmetric keys.',
    ]);
  });

  it("recognises any dynamic resource by its inputs and fails one carrying keys", async () => {
    expect(
      await violations(x509DeviceIdentity, "pulumi-nodejs:dynamic:Resource", identity({ authType: "sas", primaryKey: "a2V5" })),
    ).toEqual([
      'device "edge-dev-01": authType is "sas"; device identities must use X.509 ("selfSigned" or "certificateAuthority"), never symmetric keys.',
      'device "edge-dev-01": primaryKey is set; device identities must not carry symmetric keys.',
    ]);
  });

  it("ignores other dynamic resources (a deployment has deviceId but no authType)", async () => {
    expect(
      await violations(x509DeviceIdentity, "pulumi-nodejs:dynamic/iotHub:EdgeDeployment", {
        deviceId: "edge-dev-01",
        modulesContent: "{}",
      }),
    ).toEqual([]);
  });
});
