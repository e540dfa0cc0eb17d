// The reach into azure-iot-provisioning-service's private members (components/dps/provisioningAgent.ts),
// held to the installed SDK, and the access checks. The trust anchors given are the only ones used.
import { CHECKED_PROVISIONING_SERVICE_VERSION } from "../../components/dps/provisioningAgent";
import { provisioningAccessProblems, withProvisioningService } from "../../components/dps/provisioningAccess";
import { type DpsLab, startDps } from "./dpsFixture";

let lab: DpsLab;
beforeAll(async () => (lab = await startDps("127.0.10.5", "127.0.10.6")));
afterAll(async () => {
  await lab.dps.stop();
  await lab.hub.stop();
});

test("the installed azure-iot-provisioning-service is the version provisioningAgent.ts was checked against", () => {
  const installed = (require("azure-iot-provisioning-service/package.json") as { version: string }).version;
  if (installed !== CHECKED_PROVISIONING_SERVICE_VERSION) {
    throw new Error(
      `azure-iot-provisioning-service is ${installed}, provisioningAgent.ts was checked against ${CHECKED_PROVISIONING_SERVICE_VERSION}: ` +
        "see whether ProvisioningServiceClient now takes an HTTPS agent publicly, else that _restApiClient.setOptions({ http: { agent } }) still carries it.",
    );
  }
});

test("ProvisioningServiceClient still has no public way to set its agent or options", () => {
  const { ProvisioningServiceClient } = require("azure-iot-provisioning-service");
  const publicMembers = Object.getOwnPropertyNames(ProvisioningServiceClient.prototype).filter((m) => !m.startsWith("_"));
  expect(publicMembers.filter((m) => /option|agent/i.test(m))).toEqual([]);
});

test("requests go through the agent that trusts the DPS's CA; without it the stand-in's certificate is refused", async () => {
  lab.dps.clearLog();
  await expect(withProvisioningService(lab.access, (c) => c.getEnrollmentGroup("nothing-here"))).rejects.toMatchObject({
    response: { statusCode: 404 },
  });
  expect(lab.dps.requests.map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual([
    "GET /enrollmentGroups/nothing-here?api-version=2021-10-01 404",
  ]);
  const untrusted = { ...lab.access, dpsTrustedCaPem: undefined };
  await expect(withProvisioningService(untrusted, (c) => c.getEnrollmentGroup("nothing-here"))).rejects.toMatchObject({
    code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  });
});

test("access problems name the setting and never quote the key", () => {
  const key = "c2VjcmV0LWtleQ==";
  expect(
    provisioningAccessProblems({
      dpsHostName: "a.azure-devices-provisioning.net",
      dpsConnectionString: `HostName=b.azure-devices-provisioning.net;SharedAccessKeyName=p;SharedAccessKey=${key}`,
    }),
  ).toEqual(["the DPS connection string is for b.azure-devices-provisioning.net, not for a.azure-devices-provisioning.net"]);
  expect(provisioningAccessProblems({ dpsHostName: "a", dpsConnectionString: `HostName=a;SharedAccessKey=${key}` })).toEqual([
    "the DPS connection string must have HostName, SharedAccessKeyName and SharedAccessKey",
  ]);
  expect(provisioningAccessProblems({})).toEqual(["dpsHostName is required", "a DPS service connection string is required"]);
});
