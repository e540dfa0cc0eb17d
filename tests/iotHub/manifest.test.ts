// Deployment manifest validation, createOptions splitting and rendering: pure functions.
import { validateManifest } from "../../components/manifest/validateManifest";
import { joinCreateOptions, splitCreateOptions } from "../../components/manifest/createOptions";
import { contentHash, renderManifest } from "../../components/manifest/renderManifest";
import { registryCredentialName, unfilledRegistryProblems } from "../../components/manifest/registryCredentials";
import { agentOf, exampleManifest, hubOf } from "./manifestFixture";

const A = 'modulesContent.$edgeAgent["properties.desired"]';
const H = 'modulesContent.$edgeHub["properties.desired"]';
const S = `${A}.modules.SimulatedTemperatureSensor`;
const T = 'modulesContent.SimulatedTemperatureSensor["properties.desired"]';
const twinOf = (m: ReturnType<typeof exampleManifest>) => m.modulesContent.SimulatedTemperatureSensor["properties.desired"];

test("the project's example manifest is valid", () => {
  expect(validateManifest(exampleManifest())).toEqual([]);
  expect(validateManifest(exampleManifest().modulesContent)).toEqual([]);
});

test.each<[string, (m: ReturnType<typeof exampleManifest>) => unknown, string[]]>([
  ["no $edgeHub", (m) => delete m.modulesContent.$edgeHub, [`${H} is missing: every deployment needs the $edgeHub section`]],
  [
    "no $edgeAgent",
    (m) => delete m.modulesContent.$edgeAgent,
    [
      `${A} is missing: every deployment needs the $edgeAgent section`,
      "modulesContent.SimulatedTemperatureSensor sets desired properties of a module that $edgeAgent does not declare; add it to modules or remove the section",
      `${H}.routes.sensorToUpstream: the source names module SimulatedTemperatureSensor, which $edgeAgent does not declare`,
    ].sort(),
  ],
  ["bad schema version", (m) => (agentOf(m).schemaVersion = "2.0"), [`${A}.schemaVersion must be "1.0" or "1.1", not "2.0"`]],
  [
    "bad restart policy",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.restartPolicy = "sometimes"),
    [
      `${A}.modules.SimulatedTemperatureSensor.restartPolicy must be "never" or "on-failure" or "on-unhealthy" or "always", not "sometimes"`,
    ],
  ],
  [
    "bad module name",
    (m) => (agentOf(m).modules["bad name!"] = agentOf(m).modules.SimulatedTemperatureSensor),
    [`${A}.modules.bad name!: a module name may hold only letters, digits, '_' and '-'`],
  ],
  [
    "system module as a module",
    (m) => (agentOf(m).modules.edgeHub = agentOf(m).modules.SimulatedTemperatureSensor),
    [`${A}.modules.edgeHub: edgeHub is a system module; configure it under systemModules`],
  ],
  [
    "module without image",
    (m) => delete agentOf(m).modules.SimulatedTemperatureSensor.settings.image,
    [`${A}.modules.SimulatedTemperatureSensor.settings.image is required (registry/repository:tag)`],
  ],
  [
    "edgeHub not always restarted",
    (m) => (agentOf(m).systemModules.edgeHub.restartPolicy = "never"),
    [`${A}.systemModules.edgeHub.restartPolicy must be "always"`],
  ],
  [
    "createOptions not JSON",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.settings.createOptions = "{HostConfig"),
    [`${A}.modules.SimulatedTemperatureSensor.settings.createOptions is not valid JSON`],
  ],
  [
    "createOptions too long",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.settings.createOptions = JSON.stringify({ Env: ["X=" + "y".repeat(4100)] })),
    [
      `${A}.modules.SimulatedTemperatureSensor.settings.createOptions is 4114 characters; at most 4096 fit the 8 parts of 512 the hub accepts`,
    ],
  ],
  [
    "registry password in the file",
    (m) => (agentOf(m).runtime.settings.registryCredentials = { acr: { username: "u", password: "p4ss", address: "acr.azurecr.io" } }),
    [
      `${A}.runtime.settings.registryCredentials.acr.password is written in the manifest file; replace it with a placeholder such as "$CONTAINER_REGISTRY_PASSWORD_acr" and give the password to the stack as a secret: an edge:containerRegistries entry with the address "acr.azurecr.io" (pulumi config set --secret --path 'edge:containerRegistries[<n>].password' …)`,
    ],
  ],
  [
    "route that is not a route",
    (m) => (hubOf(m).routes.r2 = "SEND everything UP"),
    [`${H}.routes.r2: "SEND everything UP" is not a route; write FROM <source> [WHERE <condition>] INTO <sink>`],
  ],
  [
    "route into an undeclared module",
    (m) => (hubOf(m).routes.r2 = 'FROM /messages/* WHERE temp > 30 INTO BrokeredEndpoint("/modules/filter/inputs/in1")'),
    [`${H}.routes.r2: the sink names module filter, which $edgeAgent does not declare`],
  ],
  [
    "route with a bad sink",
    (m) => (hubOf(m).routes.r2 = "FROM /messages/* INTO upstream"),
    [`${H}.routes.r2: sink upstream must be $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>")`],
  ],
  [
    "route priority out of range",
    (m) => (hubOf(m).routes.r2 = { route: "FROM /messages/* INTO $upstream", priority: 12 }),
    [`${H}.routes.r2.priority must be a whole number from 0 to 9`],
  ],
  [
    "no store and forward",
    (m) => delete hubOf(m).storeAndForwardConfiguration,
    [`${H}.storeAndForwardConfiguration.timeToLiveSecs is required: a whole number of seconds`],
  ],
  // Rules of the deployment schema (SchemaStore azure-iot-edge-deployment-2.0) and of the runtime (Azure/iotedge).
  [
    "createOptions as a JSON object",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.settings.createOptions = { HostConfig: { Privileged: true } }),
    [
      `${S}.settings.createOptions is a JSON object; the deployment schema wants a string holding the JSON: write "createOptions": "{\\"HostConfig\\":{\\"Privileged\\":true}}"`,
    ],
  ],
  [
    "a createOptions part without createOptions",
    (m) => {
      const settings = agentOf(m).modules.SimulatedTemperatureSensor.settings;
      delete settings.createOptions;
      settings.createOptions01 = "{}";
    },
    [`${S}.settings.createOptions is required when its parts (createOptions01 …) are given`],
  ],
  [
    "an unknown module setting",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.settings.imageName = "x"),
    [
      `${S}.settings.imageName is not a module setting; settings hold image and createOptions (createOptions01 … createOptions07 for the parts)`,
    ],
  ],
  [
    "an image with a space",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.settings.image = "my image:1"),
    [`${S}.settings.image "my image:1" is not an image reference; write registry/repository:tag`],
  ],
  [
    "an unknown module field",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.priority = 1),
    [
      `${S}.priority is not part of the deployment schema; allowed: version, type, status, restartPolicy, env, settings, imagePullPolicy, startupOrder`,
    ],
  ],
  [
    "a module without restartPolicy",
    (m) => delete agentOf(m).modules.SimulatedTemperatureSensor.restartPolicy,
    [`${S}.restartPolicy must be "never" or "on-failure" or "on-unhealthy" or "always", not missing`],
  ],
  [
    "a module status the runtime does not know",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.status = "paused"),
    [`${S}.status must be "running" or "stopped", not "paused"`],
  ],
  [
    "a module type other than docker",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.type = "podman"),
    [`${S}.type must be "docker", not "podman"`],
  ],
  [
    "a pull policy the runtime does not know",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.imagePullPolicy = "always"),
    [`${S}.imagePullPolicy must be "on-create" or "never", not "always"`],
  ],
  [
    "a negative startupOrder",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.startupOrder = -1),
    [`${S}.startupOrder must be a whole number from 0 to 4294967295`],
  ],
  [
    "startupOrder with $edgeAgent schema 1.0",
    (m) => {
      agentOf(m).schemaVersion = "1.0";
      agentOf(m).modules.SimulatedTemperatureSensor.startupOrder = 1;
    },
    [`${S}.startupOrder needs $edgeAgent schemaVersion 1.1; the agent refuses it with 1.0`],
  ],
  [
    "env values not in { value }",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.env = { MODE: "fast" }),
    [`${S}.env.MODE must be { "value": … }`],
  ],
  [
    "an env value that is an object",
    (m) => (agentOf(m).modules.SimulatedTemperatureSensor.env = { MODE: { value: { a: 1 } } }),
    [`${S}.env.MODE.value must be a string, number or boolean`],
  ],
  [
    "a status on edgeAgent",
    (m) => (agentOf(m).systemModules.edgeAgent.status = "running"),
    [`${A}.systemModules.edgeAgent.status is not part of the deployment schema; allowed: type, settings, env, imagePullPolicy`],
  ],
  [
    "edgeHub stopped",
    (m) => (agentOf(m).systemModules.edgeHub.status = "stopped"),
    [`${A}.systemModules.edgeHub.status must be "running"`],
  ],
  ["no edgeHub system module", (m) => delete agentOf(m).systemModules.edgeHub, [`${A}.systemModules.edgeHub is required`]],
  [
    "no modules object",
    (m) => delete agentOf(m).modules,
    [
      `${A}.modules is required: an object of modules by name (it may be {})`,
      "modulesContent.SimulatedTemperatureSensor sets desired properties of a module that $edgeAgent does not declare; add it to modules or remove the section",
      `${H}.routes.sensorToUpstream: the source names module SimulatedTemperatureSensor, which $edgeAgent does not declare`,
    ],
  ],
  ["no runtime settings", (m) => delete agentOf(m).runtime.settings, [`${A}.runtime.settings is required (it may be {})`]],
  [
    "an unknown runtime setting",
    (m) => (agentOf(m).runtime.settings.registry = "x"),
    [`${A}.runtime.settings.registry is not part of the deployment schema; allowed: minDockerVersion, loggingOptions, registryCredentials`],
  ],
  ["a runtime type other than docker", (m) => (agentOf(m).runtime.type = "moby"), [`${A}.runtime.type must be "docker", not "moby"`]],
  [
    "an unknown $edgeAgent field",
    (m) => (agentOf(m).moduless = {}),
    [`${A}.moduless is not part of the deployment schema; allowed: schemaVersion, runtime, systemModules, modules, integrity`],
  ],
  [
    "a field beside properties.desired",
    (m) => (m.modulesContent.$edgeAgent["properties.reported"] = {}),
    ["modulesContent.$edgeAgent.properties.reported is not part of the deployment schema; allowed: properties.desired"],
  ],
  [
    "an $edgeHub schema version the hub does not know",
    (m) => (hubOf(m).schemaVersion = "2.0"),
    [`${H}.schemaVersion must be "1.0", "1.1", "1.2" or "1.3", not "2.0"`],
  ],
  [
    "mqttBroker before $edgeHub 1.2",
    (m) => (hubOf(m).mqttBroker = {}),
    [
      `${H}.mqttBroker is not part of the deployment schema with schemaVersion 1.1; allowed: schemaVersion, routes, storeAndForwardConfiguration`,
    ],
  ],
  [
    "a time to live that is not a number",
    (m) => (hubOf(m).storeAndForwardConfiguration.timeToLiveSecs = "7200"),
    [`${H}.storeAndForwardConfiguration.timeToLiveSecs is required: a whole number of seconds`],
  ],
  [
    "a route with priority under $edgeHub 1.0",
    (m) => {
      hubOf(m).schemaVersion = "1.0";
      hubOf(m).routes.r2 = { route: "FROM /messages/* INTO $upstream", priority: 1 };
    },
    [`${H}.routes.r2: a route with priority or timeToLiveSecs needs $edgeHub schemaVersion 1.1 or later`],
  ],
  [
    "a route name with a dot",
    (m) => (hubOf(m).routes["to.cloud"] = "FROM /messages/* INTO $upstream"),
    [`${H}.routes.to.cloud: a route name may not contain '.', '$', '#' or a space`],
  ],
  [
    "a route from an unknown source",
    (m) => (hubOf(m).routes.r2 = "FROM /telemetry/* INTO $upstream"),
    [
      `${H}.routes.r2: source /telemetry/* is not one of /*, /messages/*, /messages/modules/*, /twinChangeNotifications or /messages/modules/<module>/…`,
    ],
  ],
  [
    "a route from an undeclared module",
    (m) => (hubOf(m).routes.r2 = "FROM /messages/modules/ghost/* INTO $upstream"),
    [`${H}.routes.r2: the source names module ghost, which $edgeAgent does not declare`],
  ],
  [
    "a registry without an address",
    (m) => (agentOf(m).runtime.settings.registryCredentials = { acr: { username: "u", password: "$PW" } }),
    [`${A}.runtime.settings.registryCredentials.acr.address is required (a string)`],
  ],
  [
    "a registry name with a dot",
    (m) => (agentOf(m).runtime.settings.registryCredentials = { "my.acr": { username: "u", password: "$PW", address: "my.azurecr.io" } }),
    [`${A}.runtime.settings.registryCredentials.my.acr: a registry name may not contain '.', '$', '#' or a space`],
  ],
  [
    "a module section beside properties.desired",
    (m) => (m.modulesContent.SimulatedTemperatureSensor.tags = {}),
    ["modulesContent.SimulatedTemperatureSensor.tags is not part of the deployment schema; allowed: properties.desired"],
  ],
  // IoT Hub's twin rules for a module's own desired properties.
  [
    "a twin key with a dot",
    (m) => (twinOf(m)["send.interval"] = 5),
    [
      `${T}.send.interval: a twin property name may not contain '.' (IoT Hub forbids '.', '$', spaces and control characters in twin keys); rename it`,
    ],
  ],
  [
    "a twin key with a $",
    (m) => (twinOf(m).nested = { $cost: 1 }),
    [
      `${T}.nested.$cost: a twin property name may not contain '$' (IoT Hub forbids '.', '$', spaces and control characters in twin keys); rename it`,
    ],
  ],
  [
    "a twin key with a space",
    (m) => (twinOf(m)["send interval"] = 5),
    [
      `${T}.send interval: a twin property name may not contain a space (IoT Hub forbids '.', '$', spaces and control characters in twin keys); rename it`,
    ],
  ],
  [
    "a twin nested 11 deep",
    (m) => (twinOf(m).a = JSON.parse('{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":{"l":1}}}}}}}}}}}')),
    [`${T}.a.b.c.d.e.f.g.h.i.j.k nests objects 11 deep; a twin's desired properties may nest at most 10`],
  ],
  [
    "a twin string over 4 KB",
    (m) => (twinOf(m).blob = "x".repeat(4097)),
    [`${T}.blob is a string of 4097 bytes; a twin property value may hold at most 4096`],
  ],
])("%s is refused with its path and the fix", (_name, change, expected) => {
  const manifest = exampleManifest();
  change(manifest);
  expect(validateManifest(manifest).sort()).toEqual([...expected].sort());
});

test("ten levels of twin objects, the documented limit, pass", () => {
  const m = exampleManifest();
  twinOf(m).a = JSON.parse('{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":{"k":1}}}}}}}}}}');
  expect(validateManifest(m)).toEqual([]);
});

test.each([".", "+", "#", "$", " ", "\t"])("an environment variable name with %j is refused (the schema's env pattern)", (c) => {
  const m = exampleManifest();
  agentOf(m).modules.SimulatedTemperatureSensor.env = { [`MY${c}VAR`]: { value: "1" }, OK_NAME: { value: 2 } };
  expect(validateManifest(m)).toEqual([
    `${S}.env.MY${c}VAR: an environment variable name may not contain '.', '+', '#', '$' or whitespace`,
  ]);
});

test("registry credentials with placeholders, as the IoT Edge tooling writes them, are valid", () => {
  const m = exampleManifest();
  agentOf(m).runtime.settings.registryCredentials = {
    myacr: { username: "$CONTAINER_REGISTRY_USERNAME_myacr", password: "$CONTAINER_REGISTRY_PASSWORD_myacr", address: "myacr.azurecr.io" },
    other: { username: "puller", password: "${OTHER_PASSWORD}", address: "other.example.com:5000" },
  };
  expect(validateManifest(m)).toEqual([]);
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
  const split = splitCreateOptions({ image: "i", createOptions: whole });
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
  agentOf(m).modules.SimulatedTemperatureSensor.settings.createOptions = JSON.stringify({ Env: ["X=" + "y".repeat(600)] });
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

test("rendering fills each registry's placeholders from the stack registry with the same address and adds the others", () => {
  const m = exampleManifest();
  agentOf(m).runtime.settings.registryCredentials = {
    myacr: { username: "$CONTAINER_REGISTRY_USERNAME_myacr", password: "$CONTAINER_REGISTRY_PASSWORD_myacr", address: "myacr.azurecr.io" },
    partner: { username: "reader", password: "${PARTNER_PASSWORD}", address: "registry.partner.example" },
  };
  const before = JSON.stringify(m);
  const sent = renderManifest(m.modulesContent, [
    { address: "REGISTRY.partner.example", username: "reader", password: "partner-secret" },
    { address: "myacr.azurecr.io", username: "acr-puller", password: "acr-secret" },
    { address: "extra.azurecr.io", username: "x", password: "extra-secret" },
  ]) as any;
  expect(JSON.stringify(m)).toBe(before);
  expect(sent.$edgeAgent["properties.desired"].runtime.settings.registryCredentials).toEqual({
    myacr: { username: "acr-puller", password: "acr-secret", address: "myacr.azurecr.io" },
    partner: { username: "reader", password: "partner-secret", address: "registry.partner.example" },
    extra: { username: "x", password: "extra-secret", address: "extra.azurecr.io" },
  });
  expect(() => renderManifest(m.modulesContent, [{ address: "myacr.azurecr.io", username: "u", password: "p" }])).toThrow(
    'registryCredentials.partner: no stack registry has the address "registry.partner.example"',
  );
});

test("a manifest registry that no stack registry fills, or whose user name differs, is named", () => {
  const m = exampleManifest();
  agentOf(m).runtime.settings.registryCredentials = {
    myacr: { username: "puller", password: "$PW", address: "myacr.azurecr.io" },
    ghost: { username: "$U", password: "$PW2", address: "ghost.azurecr.io" },
  };
  const registries = [{ setting: "containerRegistries[0]", address: "https://MyAcr.azurecr.io/", username: "other" }];
  expect(unfilledRegistryProblems(m.modulesContent, registries)).toEqual([
    `${A}.runtime.settings.registryCredentials.myacr.username "puller" is not the user name containerRegistries[0].username gives; write a placeholder or the same name`,
    `${A}.runtime.settings.registryCredentials.ghost: no stack registry has the address "ghost.azurecr.io" to fill its placeholders; add { address: ghost.azurecr.io, username, password } to edge:containerRegistries (the password with pulumi config set --secret)`,
  ]);
  expect(
    unfilledRegistryProblems(m.modulesContent, [
      ...registries.map((r) => ({ ...r, username: "puller" })),
      { setting: "containerRegistry", address: "ghost.azurecr.io", username: "x" },
    ]),
  ).toEqual([]);
});
