// The IoT Hub stand-in's configurations: automatic (at-scale) IoT Edge deployments. PUT/GET/DELETE
// /configurations/{id} as azure-iothub's Registry sends them (addConfiguration without If-Match,
// updateConfiguration with If-Match etag or "*", removeConfiguration, getConfiguration(s)), the hub
// applying each deployment to the edge devices its target condition selects, and the deployment's
// metrics. Sources, besides those named where they apply:
// - learn.microsoft.com module-deployment-monitoring.md (target condition, priority, metrics) and
//   how-to-deploy-cli-at-scale.md (id, "You can't update the content of a deployment"),
// - iot-hub-automatic-device-management.md (custom metrics, the `configurations.[[id]]` query path),
// - Azure/iotedge doc/reported_states_during_deployment.md (the $edgeAgent twin's `configurations`
//   section: "Applied" or "Targeted" per deployment),
// - a hub's answer to `az iot edge deployment show` as published (systemMetrics: results
//   targetedCount/appliedCount/reportedSuccessfulCount/reportedFailedCount and their queries
//   "Targeted", "Applied", "Reporting Success", "Reporting Failure"; etag "MQ==" for a new one).
// Unlike the hub, which runs a deployment shortly after a change and then every five minutes, the
// stand-in applies at once and computes metrics on each GET: tests wait on the counts either way.
import { HubError, isJson, type RegistryModel } from "./iotHubModel";
import { type Condition, parseCondition, parseQuery } from "./twinQuery";

type Json = Record<string, unknown>;

interface Stored {
  body: Json;
  target: Condition;
  createdTimeUtc: string;
  /** Creation order, to break ties of equal priority and equal creation time. */
  order: number;
  lastUpdatedTimeUtc: string;
  etagCounter: number;
}

// The az CLI iot extension's rule (azext_iot/_params.py "Lowercase and the following special
// characters are allowed: [-+%_*!']"), with the docs' limit of 128 (how-to-deploy-cli-at-scale.md).
const CONFIGURATION_ID = /^[a-z0-9\-+%_*!']{1,128}$/;
// Values in a target condition: "Numbers, letters, and the following characters are allowed in target
// condition values: -:.+%_#*?!(),=@;$" (module-deployment-monitoring.md), a quote doubled.
const CONDITION_VALUE = /^[A-Za-z0-9\-:.+%_#*?!(),=@;$']*$/;
// Labels: azure-iothub dist/configuration.d.ts Configuration.labels ("up to 128 char long) of ASCII
// 7-bit alphanumeric chars + {'-', ':', '.', '+', '%', '_', '#', '*', '?', '!', '(', ')', ',', '=', '@', ';', '''}").
const LABEL = /^[A-Za-z0-9\-:.+%_#*?!(),=@;']{1,128}$/;
// "Each configuration can have up to five custom metrics" (iot-hub-automatic-device-management.md).
const MAX_CUSTOM_METRICS = 5;

export class ConfigurationStore {
  private readonly stored = new Map<string, Stored>();
  private created = 0;
  /** Per device: the deployment applied last, with the identity's generation it was applied to. */
  private readonly applied = new Map<string, { id: string; order: number; generationId: unknown }>();

  /** `onApplied(deviceId)`: a deployment just changed the device's desired properties. */
  constructor(
    private readonly model: RegistryModel,
    private readonly onApplied: (deviceId: string) => void = () => {},
  ) {}

  get ids(): string[] {
    return [...this.stored.keys()];
  }

  /** PUT /configurations/{id}: create without If-Match; update with If-Match "*" or the current etag. */
  put(id: string, body: Json, ifMatch: string | undefined): Json {
    if (body.id !== id)
      throw new HubError(400, "ArgumentInvalid", `The configuration id in the body (${String(body.id)}) does not match the URI (${id})`);
    if (!CONFIGURATION_ID.test(id)) {
      throw new HubError(
        400,
        "ArgumentInvalid",
        `The configuration id '${id}' is invalid: up to 128 lower-case letters, digits and - + % _ * ! '`,
      );
    }
    const target = checkSettings(body);
    const existing = this.stored.get(id);
    const now = new Date().toISOString();
    if (ifMatch === undefined) {
      // The error code the hub uses here is not documented; the project's provider reads the status only.
      if (existing) throw new HubError(409, "ConfigurationAlreadyExists", `A configuration with id '${id}' already exists`);
      checkContent(body.content);
      const record: Stored = {
        body: {
          id,
          schemaVersion: body.schemaVersion ?? "1.0",
          labels: body.labels ?? {},
          content: structuredClone(body.content),
          targetCondition: body.targetCondition ?? "",
          priority: body.priority ?? 0,
          metrics: { queries: queriesOf(body) },
        },
        target,
        createdTimeUtc: now,
        order: ++this.created,
        lastUpdatedTimeUtc: now,
        etagCounter: 1,
      };
      this.stored.set(id, record);
      this.applyAll();
      return this.view(record);
    }
    if (!existing) throw new HubError(404, "ConfigurationNotFound", `Configuration '${id}' not found`);
    const wanted = ifMatch.replace(/^"|"$/g, "");
    if (wanted !== "*" && wanted !== etagOf(existing.etagCounter)) {
      throw new HubError(
        412,
        "PreconditionFailed",
        `Precondition failed: the configuration's etag is ${etagOf(existing.etagCounter)}, If-Match was ${wanted}`,
      );
    }
    // "You can't update the content of a deployment" (how-to-deploy-cli-at-scale.md). The status the
    // hub answers is not documented; 409 Conflict is what an update of a deployment drew in
    // Azure/azure-iot-sdk-python#983. The project's provider replaces the deployment instead.
    if (body.content !== undefined && canonicalJsonOf(body.content) !== canonicalJsonOf(existing.body.content)) {
      throw new HubError(409, "Conflict", `The content of configuration '${id}' cannot be updated; create a new configuration instead`);
    }
    Object.assign(existing.body, {
      labels: body.labels ?? {},
      targetCondition: body.targetCondition ?? "",
      priority: body.priority ?? 0,
      metrics: { queries: queriesOf(body) },
    });
    existing.target = target;
    existing.etagCounter += 1;
    existing.lastUpdatedTimeUtc = now;
    this.applyAll();
    return this.view(existing);
  }

  get(id: string): Json {
    return this.view(this.found(id));
  }

  list(): Json[] {
    return [...this.stored.values()].map((s) => this.view(s));
  }

  delete(id: string, ifMatch: string | undefined): void {
    const record = this.found(id);
    const wanted = ifMatch?.replace(/^"|"$/g, "");
    if (wanted !== undefined && wanted !== "*" && wanted !== etagOf(record.etagCounter)) {
      throw new HubError(
        412,
        "PreconditionFailed",
        `Precondition failed: the configuration's etag is ${etagOf(record.etagCounter)}, If-Match was ${wanted}`,
      );
    }
    this.stored.delete(id);
    this.applyAll();
  }

  /** Re-evaluates every edge device (a deployment was created, changed or deleted). */
  applyAll(): void {
    for (const deviceId of this.model.identities.keys()) this.applyTo(deviceId);
  }

  /**
   * Applies to one device the highest-priority deployment whose target condition its twin matches
   * (equal priority: the most recently created, module-deployment-monitoring.md "Priority"); the others
   * it matches show as "Targeted" in its $edgeAgent twin. A device no deployment targets any more keeps
   * its modules ("no change occurs on the device", how-to-deploy-cli-at-scale.md "Modify a deployment").
   */
  applyTo(deviceId: string): void {
    const identity = this.model.identities.get(deviceId);
    const agent = identity?.modules.get("$edgeAgent");
    if (!identity || !agent || (identity.device.capabilities as Json | undefined)?.iotEdge !== true) return;
    const twin = this.model.deviceTwin(deviceId);
    const matching = [...this.stored.values()]
      .filter((s) => isJson((s.body.content as Json).modulesContent) && s.target(twin))
      .sort((a, b) => Number(b.body.priority) - Number(a.body.priority) || b.order - a.order);
    const winner = matching[0];
    if (matching.length === 0) delete agent.configurations;
    else
      agent.configurations = Object.fromEntries(
        matching.map((s) => [s.body.id as string, { status: s === winner ? "Applied" : "Targeted" }]),
      );
    if (!winner) return;
    const previous = this.applied.get(deviceId);
    const generationId = identity.device.generationId;
    if (previous && previous.id === winner.body.id && previous.order === winner.order && previous.generationId === generationId) return;
    this.model.replaceDesired(deviceId, (winner.body.content as Json).modulesContent as Json);
    this.applied.set(deviceId, { id: winner.body.id as string, order: winner.order, generationId });
    this.onApplied(deviceId);
  }

  private found(id: string): Stored {
    const record = this.stored.get(id);
    if (!record) throw new HubError(404, "ConfigurationNotFound", `Configuration '${id}' not found`);
    return record;
  }

  /** The configuration as GET answers it, with its metrics as of now. */
  private view(record: Stored): Json {
    const id = record.body.id as string;
    const condition = String(record.body.targetCondition);
    const applied = `select deviceId from devices.modules where moduleId = '$edgeAgent' and configurations.[[${id}]].status = 'Applied'`;
    const reported = `${applied} and properties.desired.$version = properties.reported.lastDesiredVersion and properties.reported.lastDesiredStatus.code`;
    const system: Json = {
      Targeted: `select deviceId from devices where capabilities.iotEdge = true and ${condition}`,
      Applied: applied,
      "Reporting Success": `${reported} = 200`,
      "Reporting Failure": `${reported} != 200`,
    };
    const edgeDevices = [...this.model.identities.keys()]
      .map((d) => this.model.deviceTwin(d))
      .filter((t) => (t.capabilities as Json | undefined)?.iotEdge === true);
    const count = (query: string) => this.count(query);
    const queries = (record.body.metrics as Json).queries as Record<string, string>;
    return {
      ...structuredClone(record.body),
      createdTimeUtc: record.createdTimeUtc,
      lastUpdatedTimeUtc: record.lastUpdatedTimeUtc,
      systemMetrics: {
        results: {
          targetedCount: edgeDevices.filter((t) => record.target(t)).length,
          appliedCount: count(applied),
          reportedSuccessfulCount: count(system["Reporting Success"] as string),
          reportedFailedCount: count(system["Reporting Failure"] as string),
        },
        queries: system,
      },
      metrics: { results: Object.fromEntries(Object.entries(queries).map(([name, q]) => [name, count(q)])), queries },
      etag: etagOf(record.etagCounter),
    };
  }

  /** The rows a query returns: device twins, or module twins (with their `configurations` section). */
  private count(query: string): number {
    const { from, where } = parseQuery(query);
    let rows: Json[] = [...this.model.identities.keys()].map((d) => this.model.deviceTwin(d));
    if (from === "devices.modules") {
      rows = [...this.model.identities.entries()].flatMap(([d, identity]) =>
        [...identity.modules.keys()].map((m) => this.model.moduleTwin(d, m)),
      );
    }
    return rows.filter(where).length;
  }
}

function etagOf(counter: number): string {
  return Buffer.from(String(counter)).toString("base64");
}

function queriesOf(body: Json): Json {
  return isJson(body.metrics) && isJson(body.metrics.queries) ? { ...body.metrics.queries } : {};
}

/** The settings a PUT may carry, checked as the hub documents them; returns the parsed target condition. */
function checkSettings(body: Json): Condition {
  const condition = body.targetCondition ?? "";
  if (typeof condition !== "string") throw new HubError(400, "ArgumentInvalid", "targetCondition must be a string");
  // "Double quotes aren't allowed in any portion of the target condition" (module-deployment-monitoring.md).
  if (condition.includes('"')) throw new HubError(400, "ArgumentInvalid", `The target condition ${condition} holds a double quote`);
  for (const literal of condition.match(/'(?:[^']|'')*'/g) ?? []) {
    if (!CONDITION_VALUE.test(literal.slice(1, -1)))
      throw new HubError(400, "ArgumentInvalid", `The target condition value ${literal} holds a character that is not allowed`);
  }
  const target = parseCondition(condition);
  const priority = body.priority ?? 0;
  if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0)
    throw new HubError(400, "ArgumentInvalid", `Invalid priority ${JSON.stringify(priority)}`);
  const labels = body.labels ?? {};
  if (!isJson(labels)) throw new HubError(400, "ArgumentInvalid", "labels must be an object");
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL.test(key) || typeof value !== "string" || !LABEL.test(value))
      throw new HubError(400, "ArgumentInvalid", `Invalid label ${key}`);
  }
  const queries = queriesOf(body);
  if (Object.keys(queries).length > MAX_CUSTOM_METRICS)
    throw new HubError(400, "ArgumentInvalid", `At most ${MAX_CUSTOM_METRICS} custom metrics are allowed`);
  for (const query of Object.values(queries)) parseQuery(String(query));
  return target;
}

/**
 * The content of a new configuration: modulesContent (an IoT Edge deployment) whose $edgeAgent and
 * $edgeHub sections carry `properties.desired` (a standard deployment; the stand-in does not serve
 * layered ones), or deviceContent / moduleContent (azure-iothub dist/configuration.d.ts).
 */
function checkContent(content: unknown): void {
  if (!isJson(content)) throw new HubError(400, "ArgumentInvalid", "content is required");
  const modules = content.modulesContent;
  if (modules === undefined) {
    if (!isJson(content.deviceContent) && !isJson(content.moduleContent))
      throw new HubError(400, "ArgumentInvalid", "content needs modulesContent, deviceContent or moduleContent");
    return;
  }
  if (!isJson(modules)) throw new HubError(400, "ArgumentInvalid", "modulesContent must be an object");
  for (const system of ["$edgeAgent", "$edgeHub"]) {
    const section = modules[system];
    if (!isJson(section) || !isJson(section["properties.desired"])) {
      throw new HubError(
        400,
        "ArgumentInvalid",
        `modulesContent.${system} must have properties.desired (the stand-in serves standard deployments only)`,
      );
    }
  }
}

/** JSON with sorted keys: equal content whatever the key order. */
function canonicalJsonOf(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJsonOf).join(",")}]`;
  if (isJson(value))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJsonOf(value[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}
