// The full check of a deployment manifest (`modulesContent`) against the IoT Edge deployment
// schema (SchemaStore azure-iot-edge-deployment-2.0, $edgeAgent 1.0/1.1, $edgeHub 1.0-1.2), run
// before anything is sent to the hub. Pure. Each problem names its path and the fix.
// preflight's manifestProblems.ts (beside this file) checks only the two required sections.
import { modulesContentOf } from "./manifestProblems";
import { joinCreateOptions, MAX_CREATE_OPTIONS_LENGTH } from "./createOptions";

type Json = Record<string, unknown>;

const AGENT_SCHEMAS = ["1.0", "1.1"];
const HUB_SCHEMAS = ["1.0", "1.1", "1.2"];
const RESTART_POLICIES = ["never", "on-failure", "on-unhealthy", "always"];
const STATUSES = ["running", "stopped"];
const PULL_POLICIES = ["on-create", "never"];
// A module's name becomes its container's name and its module identity's id: Docker's container
// name rule, kept to 64 characters; `edgeAgent`/`edgeHub` are the system modules' names.
const MODULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const RESERVED_NAMES = ["edgeAgent", "edgeHub"];
/** A module twin's desired properties may hold at most 32 KB. */
export const MAX_DESIRED_BYTES = 32 * 1024;

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
    return isJson(desired) ? desired : undefined;
  };
  const agent = desiredOf("$edgeAgent");
  const hub = desiredOf("$edgeHub");
  const modules = agent ? checkAgent(agent, at("$edgeAgent"), problems) : [];
  if (hub) checkHub(hub, at("$edgeHub"), modules, problems);
  for (const [section, value] of Object.entries(content)) {
    if (section === "$edgeAgent" || section === "$edgeHub") continue;
    if (!modules.includes(section)) {
      problems.push(`modulesContent.${section} sets desired properties of a module that $edgeAgent does not declare; add it to modules or remove the section`);
    } else if (!isJson(value) || !isJson(value["properties.desired"])) {
      problems.push(`${at(section)} must be an object`);
    }
  }
  for (const [section, value] of Object.entries(content)) {
    const bytes = Buffer.byteLength(JSON.stringify(isJson(value) ? value["properties.desired"] ?? {} : {}), "utf8");
    if (bytes > MAX_DESIRED_BYTES) problems.push(`${at(section)} is ${bytes} bytes; a module twin's desired properties may hold at most ${MAX_DESIRED_BYTES}`);
  }
  return problems;
}

/** Checks $edgeAgent and returns the names of the custom modules it declares. */
function checkAgent(desired: Json, at: string, problems: string[]): string[] {
  oneOf(desired.schemaVersion, AGENT_SCHEMAS, `${at}.schemaVersion`, problems);
  const runtime = desired.runtime;
  if (!isJson(runtime)) problems.push(`${at}.runtime is required ({ "type": "docker", "settings": {} })`);
  else {
    oneOf(runtime.type, ["docker"], `${at}.runtime.type`, problems);
    const credentials = isJson(runtime.settings) ? runtime.settings.registryCredentials : undefined;
    if (credentials !== undefined && !(isJson(credentials) && Object.keys(credentials).length === 0)) {
      // The manifest file is committed; a password in it is a leaked password.
      problems.push(
        `${at}.runtime.settings.registryCredentials must be empty in the manifest file: set containerRegistry in the stack settings ` +
          `(its password as a secret) and the deployment adds the credentials when it sends the manifest`,
      );
    }
  }
  const system = desired.systemModules;
  if (!isJson(system)) problems.push(`${at}.systemModules is required, with edgeAgent and edgeHub`);
  else {
    for (const name of ["edgeAgent", "edgeHub"]) {
      const module = system[name];
      if (!isJson(module)) problems.push(`${at}.systemModules.${name} is required`);
      else checkModule(module, `${at}.systemModules.${name}`, name === "edgeHub", problems);
    }
    if (isJson(system.edgeHub)) {
      if (system.edgeHub.status !== "running") problems.push(`${at}.systemModules.edgeHub.status must be "running"`);
      if (system.edgeHub.restartPolicy !== "always") problems.push(`${at}.systemModules.edgeHub.restartPolicy must be "always"`);
    }
  }
  const modules = desired.modules ?? {};
  if (!isJson(modules)) {
    problems.push(`${at}.modules must be an object of modules by name`);
    return [];
  }
  for (const [name, module] of Object.entries(modules)) {
    const path = `${at}.modules.${name}`;
    if (!MODULE_NAME.test(name)) problems.push(`${path}: a module name must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit`);
    else if (RESERVED_NAMES.includes(name)) problems.push(`${path}: ${name} is a system module; configure it under systemModules`);
    if (!isJson(module)) problems.push(`${path} must be an object`);
    else checkModule(module, path, true, problems);
  }
  return Object.keys(modules);
}

function checkModule(module: Json, path: string, full: boolean, problems: string[]): void {
  oneOf(module.type, ["docker"], `${path}.type`, problems);
  if (full) {
    oneOf(module.status, STATUSES, `${path}.status`, problems);
    oneOf(module.restartPolicy, RESTART_POLICIES, `${path}.restartPolicy`, problems);
  }
  if (module.imagePullPolicy !== undefined) oneOf(module.imagePullPolicy, PULL_POLICIES, `${path}.imagePullPolicy`, problems);
  if (module.startupOrder !== undefined && !(Number.isInteger(module.startupOrder) && (module.startupOrder as number) >= 0)) {
    problems.push(`${path}.startupOrder must be a whole number, 0 or more`);
  }
  if (module.env !== undefined) {
    if (!isJson(module.env)) problems.push(`${path}.env must be an object of { "value": … } by variable name`);
    else for (const [name, v] of Object.entries(module.env)) {
      if (!isJson(v) || !("value" in v)) problems.push(`${path}.env.${name} must be { "value": … }`);
    }
  }
  const settings = module.settings;
  if (!isJson(settings)) {
    problems.push(`${path}.settings is required, with an image`);
    return;
  }
  if (typeof settings.image !== "string" || settings.image.trim() === "") problems.push(`${path}.settings.image is required (registry/repository:tag)`);
  const createOptions = joinCreateOptions(settings);
  if (createOptions === undefined) return;
  if (typeof createOptions !== "string") {
    problems.push(`${path}.settings.createOptions must be a JSON object, or a string holding one`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(createOptions);
  } catch {
    problems.push(`${path}.settings.createOptions is not valid JSON`);
  }
  if (parsed !== undefined && !isJson(parsed)) problems.push(`${path}.settings.createOptions must hold a JSON object`);
  if (createOptions.length > MAX_CREATE_OPTIONS_LENGTH) {
    problems.push(`${path}.settings.createOptions is ${createOptions.length} characters; at most ${MAX_CREATE_OPTIONS_LENGTH} fit the 8 parts of 512 the hub accepts`);
  }
}

function checkHub(desired: Json, at: string, modules: string[], problems: string[]): void {
  oneOf(desired.schemaVersion, HUB_SCHEMAS, `${at}.schemaVersion`, problems);
  const saf = desired.storeAndForwardConfiguration;
  if (!isJson(saf) || !(Number.isInteger(saf.timeToLiveSecs) && (saf.timeToLiveSecs as number) >= 0)) {
    problems.push(`${at}.storeAndForwardConfiguration.timeToLiveSecs is required: a whole number of seconds, 0 or more`);
  }
  const routes = desired.routes;
  if (!isJson(routes)) {
    problems.push(`${at}.routes is required: an object of routes by name (it may be empty)`);
    return;
  }
  for (const [name, value] of Object.entries(routes)) {
    const path = `${at}.routes.${name}`;
    let route = value;
    if (isJson(value)) {
      if (desired.schemaVersion === "1.0") problems.push(`${path}: a route with priority or timeToLiveSecs needs $edgeHub schemaVersion 1.1 or later`);
      if (value.priority !== undefined && !(Number.isInteger(value.priority) && (value.priority as number) >= 0 && (value.priority as number) <= 9)) {
        problems.push(`${path}.priority must be a whole number from 0 to 9`);
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

function oneOf(value: unknown, allowed: readonly string[], path: string, problems: string[]): void {
  if (typeof value !== "string" || !allowed.includes(value)) {
    problems.push(`${path} must be ${allowed.map((a) => `"${a}"`).join(" or ")}, not ${JSON.stringify(value) ?? "missing"}`);
  }
}

function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
