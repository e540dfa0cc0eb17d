// Deployment manifest validation, createOptions splitting and rendering: pure functions.
import { validateManifest } from "../../components/manifest/validateManifest";
import { joinCreateOptions, splitCreateOptions } from "../../components/manifest/createOptions";
import { contentHash, registryCredentialName, renderManifest } from "../../components/manifest/renderManifest";
import { agentOf, exampleManifest, hubOf } from "./manifestFixture";

const A = 'modulesContent.$edgeAgent["properties.desired"]';
const H = 'modulesContent.$edgeHub["properties.desired"]';

test("the project's example manifest is valid", () => {
  expect(validateManifest(exampleManifest())).toEqual([]);
  expect(validateManifest(exampleManifest().modulesContent)).toEqual([]);
});

test.each<[string, (m: ReturnType<typeof exampleManifest>) => void, string[]]>([
  ["no $edgeHub", (m) => delete m.modulesContent.$edgeHub, [`${H} is missing: every deployment needs the $edgeHub section`]],
  ["no $edgeAgent", (m) => delete m.modulesContent.$edgeAgent, [
    `${A} is missing: every deployment needs the $edgeAgent section`,
    "modulesContent.SimulatedTemperatureSensor sets desired properties of a module that $edgeAgent does not declare; add it to modules or remove the section",
    `${H}.routes.sensorToUpstream: the source names module SimulatedTemperatureSensor, which $edgeAgent does not declare`,
  ].sort()],
  ["bad schema version", (m) => (agentOf(m).schemaVersion = "2.0"), [`${A}.schemaVersion must be "1.0" or "1.1", not "2.0"`]],
  ["bad restart policy", (m) => (agentOf(m).modules.SimulatedTemperatureSensor.restartPolicy = "sometimes"), [
    `${A}.modules.SimulatedTemperatureSensor.restartPolicy must be "never" or "on-failure" or "on-unhealthy" or "always", not "sometimes"`,
  ]],
  ["bad module name", (m) => (agentOf(m).modules["bad name!"] = agentOf(m).modules.SimulatedTemperatureSensor), [
    `${A}.modules.bad name!: a module name must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
  ]],
  ["system module as a module", (m) => (agentOf(m).modules.edgeHub = agentOf(m).modules.SimulatedTemperatureSensor), [
    `${A}.modules.edgeHub: edgeHub is a system module; configure it under systemModules`,
  ]],
  ["module without image", (m) => delete agentOf(m).modules.SimulatedTemperatureSensor.settings.image, [
    `${A}.modules.SimulatedTemperatureSensor.settings.image is required (registry/repository:tag)`,
  ]],
  ["edgeHub not always restarted", (m) => (agentOf(m).systemModules.edgeHub.restartPolicy = "never"), [`${A}.systemModules.edgeHub.restartPolicy must be "always"`]],
  ["createOptions not JSON", (m) => (agentOf(m).modules.SimulatedTemperatureSensor.settings.createOptions = "{HostConfig"), [
    `${A}.modules.SimulatedTemperatureSensor.settings.createOptions is not valid JSON`,
  ]],
  ["createOptions too long", (m) => (agentOf(m).modules.SimulatedTemperatureSensor.settings.createOptions = { Env: ["X=" + "y".repeat(4100)] }), [
    `${A}.modules.SimulatedTemperatureSensor.settings.createOptions is 4114 characters; at most 4096 fit the 8 parts of 512 the hub accepts`,
  ]],
  ["registry password in the file", (m) => (agentOf(m).runtime.settings.registryCredentials = { acr: { username: "u", password: "p", address: "a" } }), [
    `${A}.runtime.settings.registryCredentials must be empty in the manifest file: set containerRegistry in the stack settings (its password as a secret) and the deployment adds the credentials when it sends the manifest`,
  ]],
  ["route that is not a route", (m) => (hubOf(m).routes.r2 = "SEND everything UP"), [`${H}.routes.r2: "SEND everything UP" is not a route; write FROM <source> [WHERE <condition>] INTO <sink>`]],
  ["route into an undeclared module", (m) => (hubOf(m).routes.r2 = 'FROM /messages/* WHERE temp > 30 INTO BrokeredEndpoint("/modules/filter/inputs/in1")'), [
    `${H}.routes.r2: the sink names module filter, which $edgeAgent does not declare`,
  ]],
  ["route with a bad sink", (m) => (hubOf(m).routes.r2 = "FROM /messages/* INTO upstream"), [
    `${H}.routes.r2: sink upstream must be $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>")`,
  ]],
  ["route priority out of range", (m) => (hubOf(m).routes.r2 = { route: "FROM /messages/* INTO $upstream", priority: 12 }), [`${H}.routes.r2.priority must be a whole number from 0 to 9`]],
  ["no store and forward", (m) => delete hubOf(m).storeAndForwardConfiguration, [
    `${H}.storeAndForwardConfiguration.timeToLiveSecs is required: a whole number of seconds, 0 or more`,
  ]],
])("%s is refused with its path and the fix", (_name, change, expected) => {
  const manifest = exampleManifest();
  change(manifest);
  expect(validateManifest(manifest).sort()).toEqual([...expected].sort());
});

test("valid routes pass: module to module, with a condition, with priority", () => {
  const m = exampleManifest();
  agentOf(m).modules.filter = { ...agentOf(m).modules.SimulatedTemperatureSensor, settings: { image: "acr.io/filter:1" } };
  hubOf(m).routes = {
    a: 'FROM /messages/modules/SimulatedTemperatureSensor/outputs/temperatureOutput WHERE $body.machine.temperature > 25 INTO BrokeredEndpoint("/modules/filter/inputs/input1")',
    b: { route: "FROM /messages/modules/filter/* INTO $upstream", priority: 0, timeToLiveSecs: 86400 },
    c: "FROM /messages/* INTO $upstream",
  };
  expect(validateManifest(m)).toEqual([]);
});

test("createOptions longer than 512 characters are split into createOptions01… parts and join back", () => {
  const whole = JSON.stringify({ Env: ["X=" + "y".repeat(1200)] });
  const split = splitCreateOptions({ image: "i", createOptions: JSON.parse(whole) });
  expect(Object.keys(split)).toEqual(["image", "createOptions", "createOptions01", "createOptions02"]);
  expect((split.createOptions as string).length).toBe(512);
  expect((split.createOptions01 as string).length).toBe(512);
  expect((split.createOptions02 as string).length).toBe(whole.length - 1024);
  expect(joinCreateOptions(split)).toBe(whole);
  // Splitting again (an already split manifest) changes nothing.
  expect(splitCreateOptions(split)).toEqual(split);
  expect(splitCreateOptions({ image: "i", createOptions: "{}" })).toEqual({ image: "i", createOptions: "{}" });
});

test("rendering adds the registry credentials and splits createOptions without touching the file's content", () => {
  const m = exampleManifest();
  agentOf(m).modules.SimulatedTemperatureSensor.settings.createOptions = { Env: ["X=" + "y".repeat(600)] };
  const before = JSON.stringify(m);
  const sent = renderManifest(m.modulesContent, [{ address: "my-acr.azurecr.io", username: "puller", password: "s3cret" }]) as any;
  expect(JSON.stringify(m)).toBe(before);
  expect(sent.$edgeAgent["properties.desired"].runtime.settings.registryCredentials).toEqual({
    myacr: { username: "puller", password: "s3cret", address: "my-acr.azurecr.io" },
  });
  const settings = sent.$edgeAgent["properties.desired"].modules.SimulatedTemperatureSensor.settings;
  expect(Object.keys(settings)).toEqual(["image", "createOptions", "createOptions01"]);
  expect(validateManifest({ modulesContent: { ...sent, $edgeAgent: m.modulesContent.$edgeAgent } })).toEqual([]);
  expect(registryCredentialName("contoso.azurecr.io")).toBe("contoso");
});

test("the content hash ignores key order and sees every value", () => {
  const m = exampleManifest();
  const reordered = structuredClone({ modulesContent: Object.fromEntries(Object.entries(m.modulesContent).reverse()) });
  expect(contentHash(reordered)).toBe(contentHash(m));
  hubOf(m).storeAndForwardConfiguration.timeToLiveSecs = 7201;
  expect(contentHash(m)).not.toBe(contentHash(reordered));
});
