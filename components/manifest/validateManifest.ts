// The full check of a deployment manifest (`modulesContent`), run by preflight and `pulumi up`
// alike (validateFleet) and again by the deployment resource before it sends anything. Pure.
// Each problem names its path and what to write instead. Sources of the rules:
// - the deployment schema, SchemaStore src/schemas/json/azure-iot-edge-deployment-2.0.json: required
//   sections and fields, the names allowed for modules, routes, registries and environment
//   variables, `createOptions` as a string, the enums, and no unknown keys;
// - what the runtime itself accepts (Azure/iotedge): $edgeAgent schemaVersion 1.0/1.1 and no
//   startupOrder in 1.0 (edge-agent EdgeAgentConnection.ValidateSchemaVersion), $edgeHub 1.0-1.3
//   and routes with priority only from 1.1 (edge-hub EdgeHubConfigParser, EdgeHubDesiredProperties_1_*),
//   the image format (edge-agent DockerConfig.ValidateAndGetImage);
// - IoT Hub's module twin rules for each module's own section (twinProperties.ts).
import { modulesContentOf } from "./modulesContent";
import { joinCreateOptions, MAX_CREATE_OPTIONS_LENGTH, PART_KEY } from "./createOptions";
import { isPlaceholder } from "./registryCredentials";
import { desiredSizeProblem, twinPropertyProblems } from "./twinProperties";

type Json = Record<string, unknown>;

const RESTART_POLICIES = ["never", "on-failure", "on-unhealthy", "always"];
const STATUSES = ["running", "stopped"];
const PULL_POLICIES = ["on-create", "never"];
// Schema patterns. Module names also become module identities and container names.
const MODULE_NAME = /^[A-Za-z0-9_-]+$/;
const ROUTE_OR_REGISTRY_NAME = /^[^.$# ]+$/;
const ENV_NAME = /^[^+#$\s.]+$/;
const RESERVED_NAMES = ["edgeAgent", "edgeHub"];
// edge-agent DockerConfig: [registry/…/]name[:tag], no whitespace.
const IMAGE = /^(?:[^/\s]*\/)*[^/:\s]+(?::[^/:\s]+)?$/;
const MAX_UINT32 = 4294967295;

// `integrity`: a signed deployment (edge-agent DeploymentConfig).
const AGENT_KEYS = ["schemaVersion", "runtime", "systemModules", "modules", "integrity"];
const RUNTIME_SETTINGS_KEYS = ["minDockerVersion", "loggingOptions", "registryCredentials"];
const EDGE_AGENT_KEYS = ["type", "settings", "env", "imagePullPolicy"];
const EDGE_HUB_KEYS = ["type", "settings", "env", "status", "restartPolicy", "imagePullPolicy", "startupOrder"];
const MODULE_KEYS = ["version", "type", "status", "restartPolicy", "env", "settings", "imagePullPolicy", "startupOrder"];
const HUB_KEYS: Record<string, string[]> = {
  "1.0": ["schemaVersion", "routes", "storeAndForwardConfiguration"],
  "1.1": ["schemaVersion", "routes", "storeAndForwardConfiguration"],
  "1.2": ["schemaVersion", "routes", "storeAndForwardConfiguration", "mqttBroker"],
  "1.3": ["schemaVersion", "routes", "storeAndForwardConfiguration", "mqttBroker", "integrity"],
};

const ROUTE = /^\s*FROM\s+(\S+)(?:\s+WHERE\s+(.+?))?\s+INTO\s+(\S.*?)\s*$/is;
const MODULE_SOURCE = /^\/messages\/modules\/([^/]+)(?:\/.*)?$/;
const SOURCES = ["/*", "/messages/*", "/messages/modules/*", "/twinChangeNotifications"];
const BROKERED = /^BrokeredEndpoint\(\s*"\/modules\/([^/"]+)\/inputs\/([^/"]+)"\s*\)$/;

/** Every problem with the manifest, one line each; empty when it may be sent. */
export function validateManifest(manifest: unknown): string[] {
  const content = modulesContentOf(manifest);
  if (!content) return ["the manifest must be a JSON object with a modulesContent object"];
  const problems: string[] = [];
  const at = (section: string) => `modulesContent.${section}["properties.desired"]`;
  const desiredOf = (section: string): Json | undefined => {
    const s = content[section];
    const desired = isJson(s) ? s["properties.desired"] : undefined;
    if (!isJson(desired)) problems.push(`${at(section)} is missing: every deployment needs the ${section} section`);
    else unknownKeys(s as Json, ["properties.desired"], `modulesContent.${section}`, problems);
    return isJson(desired) ? desired : undefined;
  };
  const agent = desiredOf("$edgeAgent");
  const hub = desiredOf("$edgeHub");
  const modules = agent ? checkAgent(agent, at("$edgeAgent"), problems) : [];
  if (hub) checkHub(hub, at("$edgeHub"), modules, problems);
  for (const [section, value] of Object.entries(content)) {
    if (section === "$edgeAgent" || section === "$edgeHub") continue;
    if (!modules.includes(section)) {
      problems.push(
        `modulesContent.${section} sets desired properties of a module that $edgeAgent does not declare; add it to modules or remove the section`,
      );
    } else if (!isJson(value) || !isJson(value["properties.desired"])) {
      problems.push(`${at(section)} must be an object`);
    } else {
      unknownKeys(value, ["properties.desired"], `modulesContent.${section}`, problems);
      problems.push(...twinPropertyProblems(value["properties.desired"] as Json, at(section)));
    }
  }
  for (const [section, value] of Object.entries(content)) {
    const tooBig = desiredSizeProblem(isJson(value) ? value["properties.desired"] : undefined, at(section));
    if (tooBig) problems.push(tooBig);
  }
  return problems;
}

/** Checks $edgeAgent and returns the names of the custom modules it declares. */
function checkAgent(desired: Json, at: string, problems: string[]): string[] {
  unknownKeys(desired, AGENT_KEYS, at, problems);
  const version = desired.schemaVersion;
  // The agent takes any version 1.0 or 1.1 (EdgeAgentConnection.ValidateSchemaVersion).
  if (typeof version !== "string" || !/^1\.[01](\.\d+){0,2}$/.test(version)) {
    problems.push(`${at}.schemaVersion must be "1.0" or "1.1", not ${JSON.stringify(version) ?? "missing"}`);
  }
  const startupOrderAllowed = version !== "1.0" && !(typeof version === "string" && version.startsWith("1.0."));
  const runtime = desired.runtime;
  if (!isJson(runtime)) problems.push(`${at}.runtime is required ({ "type": "docker", "settings": {} })`);
  else {
    unknownKeys(runtime, ["type", "settings"], `${at}.runtime`, problems);
    oneOf(runtime.type, ["docker"], `${at}.runtime.type`, problems);
    if (!isJson(runtime.settings)) problems.push(`${at}.runtime.settings is required (it may be {})`);
    else checkRuntimeSettings(runtime.settings, `${at}.runtime.settings`, problems);
  }
  const system = desired.systemModules;
  if (!isJson(system)) problems.push(`${at}.systemModules is required, with edgeAgent and edgeHub`);
  else {
    unknownKeys(system, ["edgeAgent", "edgeHub"], `${at}.systemModules`, problems);
    for (const name of ["edgeAgent", "edgeHub"] as const) {
      const module = system[name];
      if (!isJson(module)) problems.push(`${at}.systemModules.${name} is required`);
      else checkModule(module, `${at}.systemModules.${name}`, name, startupOrderAllowed, problems);
    }
    if (isJson(system.edgeHub)) {
      if (system.edgeHub.status !== undefined && system.edgeHub.status !== "running")
        problems.push(`${at}.systemModules.edgeHub.status must be "running"`);
      if (system.edgeHub.restartPolicy !== undefined && system.edgeHub.restartPolicy !== "always")
        problems.push(`${at}.systemModules.edgeHub.restartPolicy must be "always"`);
    }
  }
  const modules = desired.modules;
  if (!isJson(modules)) {
    problems.push(`${at}.modules is required: an object of modules by name (it may be {})`);
    return [];
  }
  for (const [name, module] of Object.entries(modules)) {
    const path = `${at}.modules.${name}`;
    if (!MODULE_NAME.test(name)) problems.push(`${path}: a module name may hold only letters, digits, '_' and '-'`);
    else if (RESERVED_NAMES.includes(name)) problems.push(`${path}: ${name} is a system module; configure it under systemModules`);
    if (!isJson(module)) problems.push(`${path} must be an object`);
    else checkModule(module, path, "module", startupOrderAllowed, problems);
  }
  return Object.keys(modules);
}

function checkRuntimeSettings(settings: Json, at: string, problems: string[]): void {
  unknownKeys(settings, RUNTIME_SETTINGS_KEYS, at, problems);
  for (const key of ["minDockerVersion", "loggingOptions"]) {
    if (settings[key] !== undefined && typeof settings[key] !== "string") problems.push(`${at}.${key} must be a string`);
  }
  const credentials = settings.registryCredentials;
  if (credentials === undefined) return;
  if (!isJson(credentials)) {
    problems.push(`${at}.registryCredentials must be an object of { "username", "password", "address" } by registry name`);
    return;
  }
  for (const [name, entry] of Object.entries(credentials)) {
    const path = `${at}.registryCredentials.${name}`;
    if (!ROUTE_OR_REGISTRY_NAME.test(name)) problems.push(`${path}: a registry name may not contain '.', '$', '#' or a space`);
    if (!isJson(entry)) {
      problems.push(`${path} must be { "username": …, "password": …, "address": … }`);
      continue;
    }
    unknownKeys(entry, ["username", "password", "address"], path, problems);
    for (const field of ["username", "password", "address"]) {
      if (typeof entry[field] !== "string") problems.push(`${path}.${field} is required (a string)`);
    }
    if (typeof entry.address === "string" && !/^\S+$/.test(entry.address))
      problems.push(`${path}.address must be the registry's login server, without spaces`);
    // The manifest file is committed: a password in it is a leaked password. The value is never echoed.
    if (typeof entry.password === "string" && !isPlaceholder(entry.password)) {
      problems.push(
        `${path}.password is written in the manifest file; replace it with a placeholder such as "$CONTAINER_REGISTRY_PASSWORD_${name.replace(/[^A-Za-z0-9_]/g, "")}" ` +
          `and give the password to the stack as a secret: an edge:containerRegistries entry with the address ${JSON.stringify(entry.address ?? "")} (pulumi config set --secret --path 'edge:containerRegistries[<n>].password' …)`,
      );
    }
  }
}

function checkModule(
  module: Json,
  path: string,
  kind: "edgeAgent" | "edgeHub" | "module",
  startupOrderAllowed: boolean,
  problems: string[],
): void {
  unknownKeys(module, kind === "edgeAgent" ? EDGE_AGENT_KEYS : kind === "edgeHub" ? EDGE_HUB_KEYS : MODULE_KEYS, path, problems);
  oneOf(module.type, ["docker"], `${path}.type`, problems);
  if (kind !== "edgeAgent") {
    oneOf(module.status, STATUSES, `${path}.status`, problems);
    oneOf(module.restartPolicy, RESTART_POLICIES, `${path}.restartPolicy`, problems);
  }
  if (module.version !== undefined && typeof module.version !== "string") problems.push(`${path}.version must be a string`);
  if (module.imagePullPolicy !== undefined) oneOf(module.imagePullPolicy, PULL_POLICIES, `${path}.imagePullPolicy`, problems);
  if (module.startupOrder !== undefined) {
    if (!(Number.isInteger(module.startupOrder) && (module.startupOrder as number) >= 0 && (module.startupOrder as number) <= MAX_UINT32)) {
      problems.push(`${path}.startupOrder must be a whole number from 0 to ${MAX_UINT32}`);
    } else if (!startupOrderAllowed && module.startupOrder !== MAX_UINT32) {
      problems.push(`${path}.startupOrder needs $edgeAgent schemaVersion 1.1; the agent refuses it with 1.0`);
    }
  }
  if (module.env !== undefined) checkEnv(module.env, `${path}.env`, problems);
  const settings = module.settings;
  if (!isJson(settings)) {
    problems.push(`${path}.settings is required, with an image`);
    return;
  }
  checkSettings(settings, `${path}.settings`, problems);
}

function checkEnv(env: unknown, path: string, problems: string[]): void {
  if (!isJson(env)) {
    problems.push(`${path} must be an object of { "value": … } by variable name`);
    return;
  }
  for (const [name, v] of Object.entries(env)) {
    if (!ENV_NAME.test(name))
      problems.push(`${path}.${name}: an environment variable name may not contain '.', '+', '#', '$' or whitespace`);
    if (!isJson(v) || !("value" in v)) {
      problems.push(`${path}.${name} must be { "value": … }`);
      continue;
    }
    unknownKeys(v, ["value"], `${path}.${name}`, problems);
    if (!["string", "number", "boolean"].includes(typeof v.value))
      problems.push(`${path}.${name}.value must be a string, number or boolean`);
  }
}

function checkSettings(settings: Json, path: string, problems: string[]): void {
  for (const key of Object.keys(settings)) {
    if (key !== "image" && !PART_KEY.test(key))
      problems.push(
        `${path}.${key} is not a module setting; settings hold image and createOptions (createOptions01 … createOptions07 for the parts)`,
      );
  }
  const image = settings.image;
  if (typeof image !== "string" || image.trim() === "") problems.push(`${path}.image is required (registry/repository:tag)`);
  else if (!IMAGE.test(image.trim())) problems.push(`${path}.image "${image}" is not an image reference; write registry/repository:tag`);
  for (const key of Object.keys(settings).filter((k) => PART_KEY.test(k))) {
    const value = settings[key];
    if (typeof value === "string") continue;
    if (isJson(value)) {
      const text = JSON.stringify(value);
      problems.push(
        `${path}.${key} is a JSON object; the deployment schema wants a string holding the JSON: write "${key}": ` +
          (text.length <= 200 ? JSON.stringify(text) : `the object as one JSON string (JSON.stringify)`),
      );
    } else problems.push(`${path}.${key} must be a string holding a JSON object`);
  }
  if (Object.keys(settings).some((k) => k !== "createOptions" && PART_KEY.test(k)) && typeof settings.createOptions !== "string") {
    if (settings.createOptions === undefined)
      problems.push(`${path}.createOptions is required when its parts (createOptions01 …) are given`);
    return;
  }
  const createOptions = joinCreateOptions(settings);
  if (typeof createOptions !== "string") return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(createOptions);
  } catch {
    problems.push(`${path}.createOptions is not valid JSON`);
  }
  if (parsed !== undefined && !isJson(parsed)) problems.push(`${path}.createOptions must hold a JSON object`);
  if (createOptions.length > MAX_CREATE_OPTIONS_LENGTH) {
    problems.push(
      `${path}.createOptions is ${createOptions.length} characters; at most ${MAX_CREATE_OPTIONS_LENGTH} fit the 8 parts of 512 the hub accepts`,
    );
  }
}

function checkHub(desired: Json, at: string, modules: string[], problems: string[]): void {
  const version = typeof desired.schemaVersion === "string" ? /^1\.([0-3])(\.\d+){0,2}$/.exec(desired.schemaVersion) : null;
  if (!version)
    problems.push(`${at}.schemaVersion must be "1.0", "1.1", "1.2" or "1.3", not ${JSON.stringify(desired.schemaVersion) ?? "missing"}`);
  const minor = version ? `1.${version[1]}` : "1.3";
  unknownKeys(desired, HUB_KEYS[minor], at, problems, version ? `with schemaVersion ${minor}` : undefined);
  const saf = desired.storeAndForwardConfiguration;
  if (!isJson(saf) || !isInt32(saf.timeToLiveSecs)) {
    problems.push(`${at}.storeAndForwardConfiguration.timeToLiveSecs is required: a whole number of seconds`);
  } else unknownKeys(saf, ["timeToLiveSecs", "storeLimits"], `${at}.storeAndForwardConfiguration`, problems);
  const routes = desired.routes;
  if (!isJson(routes)) {
    problems.push(`${at}.routes is required: an object of routes by name (it may be empty)`);
    return;
  }
  for (const [name, value] of Object.entries(routes)) {
    const path = `${at}.routes.${name}`;
    if (!ROUTE_OR_REGISTRY_NAME.test(name)) problems.push(`${path}: a route name may not contain '.', '$', '#' or a space`);
    let route = value;
    if (isJson(value)) {
      if (minor === "1.0") problems.push(`${path}: a route with priority or timeToLiveSecs needs $edgeHub schemaVersion 1.1 or later`);
      unknownKeys(value, ["route", "priority", "timeToLiveSecs"], path, problems);
      if (
        value.priority !== undefined &&
        !(Number.isInteger(value.priority) && (value.priority as number) >= 0 && (value.priority as number) <= 9)
      ) {
        problems.push(`${path}.priority must be a whole number from 0 to 9`);
      }
      if (
        value.timeToLiveSecs !== undefined &&
        !(Number.isInteger(value.timeToLiveSecs) && (value.timeToLiveSecs as number) >= 0 && (value.timeToLiveSecs as number) <= MAX_UINT32)
      ) {
        problems.push(`${path}.timeToLiveSecs must be a whole number of seconds from 0 to ${MAX_UINT32}`);
      }
      route = value.route;
    }
    if (typeof route !== "string") {
      problems.push(`${path} must be a route string, or { "route": …, "priority": …, "timeToLiveSecs": … }`);
      continue;
    }
    problems.push(...routeProblems(route, path, modules));
  }
}

/** `FROM <source> [WHERE <condition>] INTO <sink>`, with modules that exist on both ends. */
export function routeProblems(route: string, path: string, modules: readonly string[]): string[] {
  const match = ROUTE.exec(route);
  if (!match) return [`${path}: "${route}" is not a route; write FROM <source> [WHERE <condition>] INTO <sink>`];
  const [, source, , sink] = match;
  const problems: string[] = [];
  const fromModule = MODULE_SOURCE.exec(source)?.[1];
  if (fromModule !== undefined && fromModule !== "*" && !modules.includes(fromModule)) {
    problems.push(`${path}: the source names module ${fromModule}, which $edgeAgent does not declare`);
  } else if (fromModule === undefined && !SOURCES.includes(source)) {
    problems.push(`${path}: source ${source} is not one of ${SOURCES.join(", ")} or /messages/modules/<module>/…`);
  }
  const brokered = BROKERED.exec(sink);
  if (sink !== "$upstream" && !brokered) {
    problems.push(`${path}: sink ${sink} must be $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>")`);
  } else if (brokered && !modules.includes(brokered[1])) {
    problems.push(`${path}: the sink names module ${brokered[1]}, which $edgeAgent does not declare`);
  }
  return problems;
}

function unknownKeys(value: Json, known: readonly string[], at: string, problems: string[], when?: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      problems.push(`${at}.${key} is not part of the deployment schema${when ? ` ${when}` : ""}; allowed: ${known.join(", ")}`);
  }
}

function oneOf(value: unknown, allowed: readonly string[], path: string, problems: string[]): void {
  if (typeof value !== "string" || !allowed.includes(value)) {
    problems.push(`${path} must be ${allowed.map((a) => `"${a}"`).join(" or ")}, not ${JSON.stringify(value) ?? "missing"}`);
  }
}

function isInt32(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= -2147483648 && (value as number) <= 2147483647;
}

function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
