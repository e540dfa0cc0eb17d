// The rules of an IoT Edge at-scale (automatic) deployment: an IoT Hub "configuration" whose content
// is a deployment manifest. Pure: the id and field rules, the target condition written from tags,
// what may change in place, and the deployment's metrics. Sources:
// - id: learn.microsoft.com how-to-deploy-cli-at-scale ("a unique name that's up to 128 lowercase
//   letters. Avoid spaces and the following invalid characters: & ^ [ ] { } \ | " < > /") and the az
//   CLI iot extension (Azure/azure-iot-cli-extension azext_iot/_params.py "Lowercase and the following
//   special characters are allowed: [-+%_*!']"; operations/hub.py lower-cases the id before sending).
// - target condition: module-deployment-monitoring.md "Target condition" (single quotes, a quote in a
//   value doubled, no double quotes, values of letters, numbers and -:.+%_#*?!(),=@;$).
// - what may change: how-to-deploy-cli-at-scale.md "Modify a deployment" ("You can't update the
//   content of a deployment"; target condition, labels, metrics and priority can be changed) and the
//   az CLI's `iot edge deployment update` help ("IoT Edge deployment content is immutable").
// - priority: module-deployment-monitoring.md "Priority" (larger wins; equal: the most recently
//   created wins); labels: azure-iothub's Configuration.labels doc (dist/configuration.d.ts);
//   custom metrics: iot-hub-automatic-device-management.md ("up to five custom metrics").
// - metrics: how-to-monitor-iot-edge-deployments.md (targetedCount, appliedCount,
//   reportedSuccessfulCount, reportedFailedCount, the hub's `systemMetrics.results`).

export const MAX_DEPLOYMENT_ID_LENGTH = 128;
const DEPLOYMENT_ID = /^[a-z0-9\-+%_*!']+$/;
/** Labels (keys and values) and custom metric names: ASCII letters, digits and these marks; `$` is reserved. */
const LABEL = /^[A-Za-z0-9\-:.+%_#*?!(),=@;']{1,128}$/;
/** A tag name usable as a plain query path (`tags.<name>`). */
const TAG_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
/** The characters a target condition value may hold, besides letters and numbers (a single quote is doubled). */
const CONDITION_VALUE = /^[A-Za-z0-9\-:.+%_#*?!(),=@;$']+$/;
export const MAX_CUSTOM_METRICS = 5;
/** The fields IoT Hub updates in place; the content is immutable (a change replaces the deployment). */
export const UPDATABLE_FIELDS = ["targetCondition", "priority", "labels", "metrics"] as const;

/** What is wrong with a deployment id, or undefined when the hub accepts it. */
export function deploymentIdProblem(id: unknown): string | undefined {
  if (typeof id !== "string" || id.length === 0) return "deploymentId is required";
  if (id.length > MAX_DEPLOYMENT_ID_LENGTH)
    return `deploymentId '${id}' is ${id.length} characters long; IoT Hub allows at most ${MAX_DEPLOYMENT_ID_LENGTH}`;
  if (id !== id.toLowerCase()) return `deploymentId '${id}' must be lower case (IoT Hub deployment ids are): use '${id.toLowerCase()}'`;
  if (!DEPLOYMENT_ID.test(id)) return `deploymentId '${id}' may hold only lower-case letters, digits and - + % _ * ! '`;
  return undefined;
}

/**
 * The target condition selecting the devices whose twin has every one of these tags, in IoT Hub's
 * query form: `tags.fleet='x' AND tags.stack='y'` (names in sorted order, so the same tags always
 * give the same condition). Throws on a tag name or value a condition cannot carry.
 */
export function targetConditionForTags(tags: Record<string, string>): string {
  const names = Object.keys(tags).sort();
  if (names.length === 0) throw new Error("a target condition needs at least one tag: without one the deployment would target no device");
  return names
    .map((name) => {
      const problem = tagProblem(name, tags[name]);
      if (problem) throw new Error(problem);
      return `tags.${name}=${quoteConditionValue(tags[name])}`;
    })
    .join(" AND ");
}

/** A value as a target condition literal: in single quotes, a quote inside doubled (`'operator''s'`). */
export function quoteConditionValue(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** What is wrong with one tag for a target condition, or undefined. */
export function tagProblem(name: string, value: unknown): string | undefined {
  if (!TAG_NAME.test(name))
    return `tag name '${name}' must start with a letter or _ and hold only letters, digits, _ and - to be used in a target condition`;
  if (typeof value !== "string" || value.length === 0) return `tag '${name}' needs a non-empty string value`;
  if (!CONDITION_VALUE.test(value)) {
    return `tag '${name}' value '${value}' cannot be used in a target condition: only letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ ' are allowed (no spaces, no double quotes)`;
  }
  return undefined;
}

/** The fields of an at-scale deployment other than its content, as the stack writes them. */
export interface DeploymentSettings {
  readonly deploymentId: string;
  readonly targetCondition: string;
  readonly priority: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** Custom metrics: name → query (`SELECT deviceId FROM devices.modules WHERE …`). */
  readonly metrics?: Readonly<Record<string, string>>;
}

/** Every problem with the settings, one line each, naming the field. */
export function deploymentSettingsProblems(settings: Partial<DeploymentSettings>): string[] {
  const problems: string[] = [];
  const idProblem = deploymentIdProblem(settings.deploymentId);
  if (idProblem) problems.push(idProblem);
  const condition = settings.targetCondition;
  if (typeof condition !== "string" || condition.trim() === "") {
    problems.push("targetCondition is required: a deployment without one targets no device");
  } else if (condition.includes('"')) {
    problems.push(`targetCondition ${condition} holds a double quote: IoT Hub target conditions quote values with single quotes only`);
  }
  const priority = settings.priority;
  // The docs ask for a positive integer; the az CLI's default priority is 0, which the hub accepts.
  if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > 2147483647) {
    problems.push(`priority must be a whole number from 0 to 2147483647 (the higher wins), not ${JSON.stringify(priority)}`);
  }
  for (const [key, value] of Object.entries(settings.labels ?? {})) {
    if (!LABEL.test(key) || typeof value !== "string" || !LABEL.test(value)) {
      problems.push(
        `labels.${key}: label names and values are 1 to 128 of letters, digits and - : . + % _ # * ? ! ( ) , = @ ; ' ($ is reserved)`,
      );
    }
  }
  const metrics = Object.entries(settings.metrics ?? {});
  if (metrics.length > MAX_CUSTOM_METRICS)
    problems.push(`metrics: IoT Hub allows at most ${MAX_CUSTOM_METRICS} custom metrics per deployment, not ${metrics.length}`);
  for (const [name, query] of metrics) {
    if (!LABEL.test(name))
      problems.push(`metrics.${name}: a metric name is 1 to 128 of letters, digits and - : . + % _ # * ? ! ( ) , = @ ; '`);
    if (typeof query !== "string" || !/^\s*select\s+.+\s+from\s+devices(\.modules)?(\s|$)/i.test(query)) {
      problems.push(
        `metrics.${name} must be a query of the form SELECT deviceId FROM devices[.modules] WHERE …, not ${JSON.stringify(query)}`,
      );
    }
  }
  return problems;
}

// --- metrics ---

/** The four counts IoT Hub keeps for every IoT Edge deployment (`systemMetrics.results`). */
export interface DeploymentMetrics {
  /** Edge devices whose twin matches the target condition. */
  readonly targetedCount: number;
  /** Targeted devices that got this deployment (no higher-priority one targets them). */
  readonly appliedCount: number;
  /** Devices whose $edgeAgent reports the current version with code 200. */
  readonly reportedSuccessfulCount: number;
  /** Devices whose $edgeAgent reports the current version with another code. */
  readonly reportedFailedCount: number;
}

export const SYSTEM_METRICS = ["targetedCount", "appliedCount", "reportedSuccessfulCount", "reportedFailedCount"] as const;

/**
 * The system metrics of a configuration as the hub returns it (GET /configurations/{id}), or
 * undefined while the hub has not computed them yet: it runs a new deployment's queries shortly
 * after creation and then every five minutes (iot-hub-automatic-device-management.md).
 */
export function deploymentMetricsOf(configuration: unknown): DeploymentMetrics | undefined {
  const results = (configuration as { systemMetrics?: { results?: Record<string, unknown> } } | undefined)?.systemMetrics?.results;
  if (typeof results !== "object" || results === null || !SYSTEM_METRICS.some((k) => typeof results[k] === "number")) return undefined;
  const count = (k: (typeof SYSTEM_METRICS)[number]) => (typeof results[k] === "number" ? (results[k] as number) : 0);
  return {
    targetedCount: count("targetedCount"),
    appliedCount: count("appliedCount"),
    reportedSuccessfulCount: count("reportedSuccessfulCount"),
    reportedFailedCount: count("reportedFailedCount"),
  };
}

export function describeMetrics(m: DeploymentMetrics | undefined): string {
  if (!m) return "no metrics computed yet";
  return `targeted ${m.targetedCount}, applied ${m.appliedCount}, reporting success ${m.reportedSuccessfulCount}, reporting failure ${m.reportedFailedCount}`;
}

export type Rollout =
  | { readonly state: "done" }
  | { readonly state: "waiting"; readonly reason: string }
  | { readonly state: "failing"; readonly reason: string };

/**
 * Where the rollout of a deployment to `expectedDevices` devices stands. Done: applied to and
 * reporting success on at least that many. Failing: some device reports failure — which may still
 * pass, as the edge agent reports 500 while it pulls a large image
 * (Azure/iotedge doc/reported_states_during_deployment.md), so the caller gives it time.
 */
export function rolloutOf(metrics: DeploymentMetrics | undefined, expectedDevices: number): Rollout {
  if (!metrics) return { state: "waiting", reason: "the hub has not computed the deployment's metrics yet" };
  if (metrics.appliedCount >= expectedDevices && metrics.reportedSuccessfulCount >= expectedDevices) return { state: "done" };
  if (metrics.reportedFailedCount > 0)
    return { state: "failing", reason: `${metrics.reportedFailedCount} device(s) report failure (${describeMetrics(metrics)})` };
  return { state: "waiting", reason: `${describeMetrics(metrics)}; waiting for ${expectedDevices}` };
}
