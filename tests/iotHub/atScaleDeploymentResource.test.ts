// AtScaleDeployment and AtScaleDeploymentGate under Pulumi mocks: their inputs as the providers
// receive them, and secrets.
import { byName, isSecretValue, type RecordedResource, runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { targetConditionForTags } from "../../components/iotHub/atScaleDeployment.rules";
import { exampleManifest } from "./manifestFixture";

const CS = "HostName=hub-test.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=bW9jay1odWIta2V5";
const PASSWORD = "registry-password-" + "q".repeat(10);
let resources: RecordedResource[];

beforeAll(async () => {
  const run = await runUnderMocks({}, () => {
    const { AtScaleDeployment } =
      require("../../components/iotHub/atScaleDeployment") as typeof import("../../components/iotHub/atScaleDeployment");
    const { AtScaleDeploymentGate } =
      require("../../components/iotHub/atScaleDeploymentGate") as typeof import("../../components/iotHub/atScaleDeploymentGate");
    const hub = { hostName: "hub-test.azure-devices.net", auth: "connectionString" as const, connectionString: CS };
    const deployment = new AtScaleDeployment("fleet-deployment", {
      hub,
      deploymentId: "plant-7",
      content: exampleManifest(),
      registryCredentials: [{ address: "contoso.azurecr.io", username: "puller", password: PASSWORD }],
      targetCondition: targetConditionForTags({ fleet: "plant-7", stack: "prod" }),
      priority: 10,
      labels: { stack: "prod" },
    });
    new AtScaleDeploymentGate("fleet-rollout", {
      hub,
      deploymentId: deployment.deploymentId,
      deploymentEtag: deployment.etag,
      deploymentContentHash: deployment.contentHash,
      expectedDeviceCount: 500,
      timeoutSeconds: 900,
    });
  });
  resources = run.resources;
}, 60_000);

test("one deployment for the fleet: its inputs as the provider receives them", () => {
  const deployment = byName(resources, "fleet-deployment");
  expect(deployment.type).toBe("pulumi-nodejs:dynamic/iotHub:AtScaleDeployment");
  expect(deployment.inputs).toMatchObject({
    deploymentId: "plant-7",
    hubHostName: "hub-test.azure-devices.net",
    hubAuth: "connectionString",
    targetCondition: "tags.fleet='plant-7' AND tags.stack='prod'",
    priority: 10,
    labels: { stack: "prod" },
    content: exampleManifest(),
  });
  expect(byName(resources, "fleet-rollout").type).toBe("pulumi-nodejs:dynamic/iotHub:AtScaleDeploymentGate");
  expect(byName(resources, "fleet-rollout").inputs).toMatchObject({ expectedDeviceCount: 500, timeoutSeconds: 900 });
});

test("the connection string and the registry password are secrets, in inputs and in outputs", () => {
  const deployment = byName(resources, "fleet-deployment");
  expect(isSecretValue(deployment.inputs.connectionString)).toBe(true);
  expect(isSecretValue(deployment.inputs.registryCredentials)).toBe(true);
  expect(deployment.additionalSecretOutputs).toEqual(["connectionString", "registryCredentials"]);
  expect(isSecretValue(byName(resources, "fleet-rollout").inputs.connectionString)).toBe(true);
  const plain = JSON.stringify(resources.map((r) => Object.fromEntries(Object.entries(r.inputs).filter(([, v]) => !isSecretValue(v)))));
  expect(plain).not.toContain(PASSWORD);
  expect(plain).not.toContain("SharedAccessKey=");
});
