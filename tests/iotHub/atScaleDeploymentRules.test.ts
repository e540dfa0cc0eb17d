// The at-scale deployment's pure rules: ids, target conditions from tags, settings, metrics.
import {
  deploymentIdProblem,
  deploymentMetricsOf,
  deploymentSettingsProblems,
  describeMetrics,
  quoteConditionValue,
  rolloutOf,
  targetConditionForTags,
} from "../../components/iotHub/atScaleDeployment.rules";

describe("deployment ids (how-to-deploy-cli-at-scale.md; az CLI azext_iot/_params.py)", () => {
  test.each([
    ["fleet-prod", undefined],
    ["edge_fleet+v2%1*!'", undefined],
    ["a".repeat(128), undefined],
    ["", "deploymentId is required"],
    ["a".repeat(129), `deploymentId '${"a".repeat(129)}' is 129 characters long; IoT Hub allows at most 128`],
    ["Fleet-Prod", "deploymentId 'Fleet-Prod' must be lower case (IoT Hub deployment ids are): use 'fleet-prod'"],
    ["fleet prod", "deploymentId 'fleet prod' may hold only lower-case letters, digits and - + % _ * ! '"],
    ["fleet/prod", "deploymentId 'fleet/prod' may hold only lower-case letters, digits and - + % _ * ! '"],
    ["fleet.prod", "deploymentId 'fleet.prod' may hold only lower-case letters, digits and - + % _ * ! '"],
  ])("%j", (id, problem) => {
    expect(deploymentIdProblem(id)).toBe(problem);
  });
});

describe("target conditions from tags (module-deployment-monitoring.md 'Target condition')", () => {
  test("every tag, in name order, joined with AND, values in single quotes", () => {
    expect(targetConditionForTags({ stack: "lab", fleet: "plant-7" })).toBe("tags.fleet='plant-7' AND tags.stack='lab'");
    expect(targetConditionForTags({ fleet: "x" })).toBe("tags.fleet='x'");
  });

  test("a single quote inside a value is doubled", () => {
    expect(quoteConditionValue("operator's")).toBe("'operator''s'");
    expect(targetConditionForTags({ owner: "o'neil" })).toBe("tags.owner='o''neil'");
  });

  test("the documented value characters pass; spaces, double quotes and other marks are refused with the tag named", () => {
    expect(targetConditionForTags({ site: "a-b:c.d+e%f_g#h*i?j!k(l)m,n=o@p;q$r" })).toBe("tags.site='a-b:c.d+e%f_g#h*i?j!k(l)m,n=o@p;q$r'");
    const only = "only letters, digits and - : . + % _ # * ? ! ( ) , = @ ; $ ' are allowed (no spaces, no double quotes)";
    expect(() => targetConditionForTags({ site: "two words" })).toThrow(
      `tag 'site' value 'two words' cannot be used in a target condition: ${only}`,
    );
    expect(() => targetConditionForTags({ site: 'say "hi"' })).toThrow(
      `tag 'site' value 'say "hi"' cannot be used in a target condition: ${only}`,
    );
    expect(() => targetConditionForTags({ site: "münchen" })).toThrow("tag 'site' value 'münchen' cannot be used");
    expect(() => targetConditionForTags({ site: "" })).toThrow("tag 'site' needs a non-empty string value");
  });

  test("tag names must be plain query paths; no tags at all is refused", () => {
    expect(() => targetConditionForTags({ "my.tag": "x" })).toThrow(
      "tag name 'my.tag' must start with a letter or _ and hold only letters, digits, _ and - to be used in a target condition",
    );
    expect(() => targetConditionForTags({ "1st": "x" })).toThrow("tag name '1st'");
    expect(() => targetConditionForTags({})).toThrow("a target condition needs at least one tag");
  });
});

describe("deployment settings", () => {
  const good = {
    deploymentId: "fleet",
    targetCondition: "tags.fleet='x'",
    priority: 10,
    labels: { owner: "ops" },
    metrics: { ok: "SELECT deviceId FROM devices WHERE tags.fleet='x'" },
  };

  test("valid settings have no problem", () => {
    expect(deploymentSettingsProblems(good)).toEqual([]);
    expect(deploymentSettingsProblems({ ...good, priority: 0 })).toEqual([]);
  });

  test("each problem names its field", () => {
    expect(
      deploymentSettingsProblems({
        deploymentId: "Fleet",
        targetCondition: 'tags.fleet="x"',
        priority: 1.5,
        labels: { "bad label": "x", ok: "$reserved" },
        metrics: {
          a: "q1",
          b: "SELECT deviceId FROM devices",
          c: "SELECT deviceId FROM devices",
          d: "SELECT deviceId FROM devices",
          e: "SELECT deviceId FROM devices",
          f: "SELECT deviceId FROM devices",
        },
      }),
    ).toEqual([
      "deploymentId 'Fleet' must be lower case (IoT Hub deployment ids are): use 'fleet'",
      `targetCondition tags.fleet="x" holds a double quote: IoT Hub target conditions quote values with single quotes only`,
      "priority must be a whole number from 0 to 2147483647 (the higher wins), not 1.5",
      "labels.bad label: label names and values are 1 to 128 of letters, digits and - : . + % _ # * ? ! ( ) , = @ ; ' ($ is reserved)",
      "labels.ok: label names and values are 1 to 128 of letters, digits and - : . + % _ # * ? ! ( ) , = @ ; ' ($ is reserved)",
      "metrics: IoT Hub allows at most 5 custom metrics per deployment, not 6",
      'metrics.a must be a query of the form SELECT deviceId FROM devices[.modules] WHERE …, not "q1"',
    ]);
    expect(deploymentSettingsProblems({ ...good, targetCondition: " " })).toEqual([
      "targetCondition is required: a deployment without one targets no device",
    ]);
    expect(deploymentSettingsProblems({ ...good, priority: -1 })).toEqual([
      "priority must be a whole number from 0 to 2147483647 (the higher wins), not -1",
    ]);
  });
});

describe("metrics", () => {
  // The form of a hub's answer to GET /configurations/{id} for an IoT Edge deployment (systemMetrics as
  // `az iot edge deployment show` prints them: results and their queries).
  const answered = {
    id: "plant-7",
    systemMetrics: {
      results: { appliedCount: 2, reportedSuccessfulCount: 1, reportedFailedCount: 1, targetedCount: 3 },
      queries: { Targeted: "select deviceId from devices where capabilities.iotEdge = true and tags.fleet='plant-7'" },
    },
    metrics: { results: {}, queries: {} },
    etag: "MQ==",
  };

  test("the system metrics are read from systemMetrics.results; none yet is undefined", () => {
    expect(deploymentMetricsOf(answered)).toEqual({
      targetedCount: 3,
      appliedCount: 2,
      reportedSuccessfulCount: 1,
      reportedFailedCount: 1,
    });
    expect(deploymentMetricsOf({ systemMetrics: { results: {}, queries: {} } })).toBeUndefined();
    expect(deploymentMetricsOf(undefined)).toBeUndefined();
    expect(describeMetrics(deploymentMetricsOf(answered))).toBe("targeted 3, applied 2, reporting success 1, reporting failure 1");
  });

  test("the rollout is done when applied and successful reach the expected count; failures show as failing", () => {
    const m = (applied: number, ok: number, failed: number) => ({
      targetedCount: 2,
      appliedCount: applied,
      reportedSuccessfulCount: ok,
      reportedFailedCount: failed,
    });
    expect(rolloutOf(m(2, 2, 0), 2)).toEqual({ state: "done" });
    expect(rolloutOf(m(3, 3, 0), 2)).toEqual({ state: "done" });
    expect(rolloutOf(m(2, 1, 0), 2)).toEqual({
      state: "waiting",
      reason: "targeted 2, applied 2, reporting success 1, reporting failure 0; waiting for 2",
    });
    expect(rolloutOf(m(1, 2, 0), 2).state).toBe("waiting");
    expect(rolloutOf(m(2, 1, 1), 2)).toEqual({
      state: "failing",
      reason: "1 device(s) report failure (targeted 2, applied 2, reporting success 1, reporting failure 1)",
    });
    expect(rolloutOf(undefined, 2)).toEqual({ state: "waiting", reason: "the hub has not computed the deployment's metrics yet" });
  });
});
