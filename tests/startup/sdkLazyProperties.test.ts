// Each output property's Output made at its first read, not at construction (components/sdkLazyProperties.ts):
// what a program reads of it is the SDK's own, before or after the registration is answered.
import * as pulumi from "@pulumi/pulumi";
import {
  CHECKED_PULUMI_SDK_VERSION,
  deferUnreadProperties,
  deferringUnreadProperties,
  restoreUnreadProperties,
} from "../../components/sdkLazyProperties";
import { spawnSync } from "node:child_process";
import { byName, type MockOverride, runUnderMocks, valueOf } from "../../lab/mocks/pulumiMocks";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";

const debuggable = require("@pulumi/pulumi/runtime/debuggable");
const rpc = require("@pulumi/pulumi/runtime/rpc");

class Thing extends pulumi.CustomResource {
  declare readonly size: pulumi.Output<number>;
  declare readonly label: pulumi.Output<string>;
  declare readonly token: pulumi.Output<string>;
  constructor(name: string, args: { size: pulumi.Input<number> }, opts?: pulumi.CustomResourceOptions) {
    // label and token are output-only: undefined inputs, as generated SDKs declare them.
    super("test:index:Thing", name, { size: args.size, label: undefined, token: undefined }, opts);
  }
}

/** The engine's answer: the inputs, a label from the size, and a secret token. */
const answer: MockOverride = (args) => ({
  id: `${args.name}-id`,
  state: { ...args.inputs, label: `size ${args.inputs.size}`, token: "t0k3n" },
});

afterEach(() => restoreUnreadProperties());

/** The SDK's Output as it is inside (@pulumi/pulumi output.js): what a registration resolves. */
interface OutputInside {
  promise(withUnknowns?: boolean): Promise<unknown>;
  readonly isKnown: Promise<boolean>;
  readonly isSecret: Promise<boolean>;
  allResources(): Promise<Set<unknown>>;
}
const inside = (o: unknown) => o as OutputInside;

const isOutput = (x: unknown) => pulumi.Output.isInstance(x);
const dataValue = (o: object, key: string) => Object.getOwnPropertyDescriptor(o, key)?.value;

test("the SDK's own: every output property is an Output as soon as the resource is constructed", async () => {
  await runUnderMocks({}, () => {
    const thing = new Thing("eager", { size: 1 });
    for (const key of ["size", "label", "token"]) expect(isOutput(dataValue(thing, key))).toBe(true);
  });
});

test("deferred: nothing is made until a property is read, and a read before the answer resolves with it", async () => {
  deferUnreadProperties();
  expect(deferringUnreadProperties()).toBe(true);
  let label!: pulumi.Output<string>;
  let thing!: Thing;
  await runUnderMocks(
    {},
    () => {
      thing = new Thing("early", { size: 2 });
      for (const key of ["size", "label", "token"]) expect(dataValue(thing, key)).toBeUndefined();
      expect(Object.keys(thing)).toEqual(expect.arrayContaining(["size", "label", "token"]));
      label = thing.label;
      expect(isOutput(label)).toBe(true);
      // Made once: the same Output at every read, now a plain property.
      expect(thing.label).toBe(label);
      expect(dataValue(thing, "label")).toBe(label);
    },
    answer,
  );
  await expect(valueOf(label)).resolves.toBe("size 2");
  expect(dataValue(thing, "token")).toBeUndefined();
});

/** What a program sees of a resource's properties read after its registration was answered. */
async function readAfterAnswer(name: string) {
  let thing!: Thing;
  const run = await runUnderMocks(
    {},
    () => {
      thing = new Thing(name, { size: 3 });
    },
    answer,
  );
  expect(run.registrations).toBe(1);
  const seen = async (o: pulumi.Output<unknown>) => ({
    value: await valueOf(o),
    secret: await pulumi.isSecret(o),
    known: await inside(o).isKnown,
  });
  // Taken as an input, the property makes its resource a dependency.
  const next = await runUnderMocks({}, () => {
    new Thing(`${name}-next`, { size: thing.size.apply((s) => s + 1) });
  });
  const request = byName(next.resources, `${name}-next`);
  return {
    label: await seen(thing.label),
    size: await seen(thing.size),
    token: await seen(thing.token),
    nextSize: request.inputs.size,
    nextDependsOnThing: request.dependencies.length === 1 && request.dependencies[0] === (await valueOf(thing.urn)),
  };
}

/** A property resolved through its resolver, read before or after: what its Output carries. */
async function resolvedThrough(readFirst: boolean, answer: [unknown, boolean, boolean]) {
  const onto: Record<string, unknown> = {};
  const dependency = new pulumi.DependencyResource("urn:pulumi:test::edge::test:index:Thing::dep");
  const resolvers = rpc.transferProperties(onto, "resource:z[test:index:Thing]", { value: undefined });
  const early = readFirst ? inside(onto.value) : undefined;
  resolvers.value(...answer, [dependency]);
  const output = early ?? inside(onto.value);
  return {
    value: await output.promise(true),
    known: await output.isKnown,
    secret: await output.isSecret,
    resources: [...(await output.allResources())].map((r) => (r === dependency ? "dep" : r === onto ? "onto" : "?")),
  };
}

test("deferred: a secret, an unknown and the dependencies of an answer reach the Output read before or after it, as upstream's", async () => {
  const answers: [unknown, boolean, boolean][] = [
    ["t0k3n", true, true],
    [undefined, false, false],
  ];
  const upstream = [];
  for (const a of answers) upstream.push(await resolvedThrough(true, a), await resolvedThrough(false, a));
  expect(upstream[0]).toEqual({ value: "t0k3n", known: true, secret: true, resources: expect.arrayContaining(["dep", "onto"]) });
  expect(upstream[2]).toMatchObject({ known: false, secret: false });
  deferUnreadProperties();
  const deferred = [];
  for (const a of answers) deferred.push(await resolvedThrough(true, a), await resolvedThrough(false, a));
  expect(deferred).toEqual(upstream);
});

test("deferred: a read after the answer sees the answer's value, secretness, knownness and dependency, as upstream's", async () => {
  const upstream = await readAfterAnswer("upstream");
  expect(upstream).toEqual({
    label: { value: "size 3", secret: false, known: true },
    size: { value: 3, secret: false, known: true },
    // The mock monitor drops secretness (serializeProperties without keepSecrets); the next test has it.
    token: { value: "t0k3n", secret: false, known: true },
    nextSize: 4,
    nextDependsOnThing: true,
  });
  deferUnreadProperties();
  expect(await readAfterAnswer("deferred")).toEqual(upstream);
});

/** In a process of its own (its unobserved rejections are the SDK's, not this test's): a property read after a failed registration. */
function afterFailure(deferred: boolean): { rejectedWith: string; unhandled: string[] } {
  const script = `
    const lazy = require("./components/sdkLazyProperties");
    if (${deferred}) lazy.deferUnreadProperties();
    const unhandled = [];
    process.on("unhandledRejection", (err) => unhandled.push(err.message));
    const onto = {};
    const resolvers = require("@pulumi/pulumi/runtime/rpc").transferProperties(onto, "resource:x[test:index:Thing]", { value: undefined });
    resolvers.value(undefined, true, false, [], new Error("failed to register new resource x"));
    onto.value.promise().then(
      () => console.log(JSON.stringify({ rejectedWith: "", unhandled })),
      (err) => setTimeout(() => console.log(JSON.stringify({ rejectedWith: err.message, unhandled: [...new Set(unhandled)] })), 50),
    );`;
  const child = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout);
}

test("deferred: a failed registration rejects a property read after it with the registration's error, as upstream's", () => {
  const upstream = afterFailure(false);
  expect(upstream).toEqual({ rejectedWith: "failed to register new resource x", unhandled: ["failed to register new resource x"] });
  expect(afterFailure(true)).toEqual(upstream);
});

test("deferred: a property can still be assigned, before or instead of a read", async () => {
  deferUnreadProperties();
  await runUnderMocks({}, () => {
    const thing = new Thing("assigned", { size: 1 }) as unknown as Record<string, unknown>;
    thing.label = "mine";
    expect(thing.label).toBe("mine");
    expect(Object.getOwnPropertyDescriptor(thing, "label")).toMatchObject({ writable: true, enumerable: true, value: "mine" });
  });
});

test("deferred: a property name already on the object is refused, as upstream refuses it", () => {
  deferUnreadProperties();
  expect(() => rpc.transferProperties({ size: 1 }, "resource:y[t]", { size: 2 })).toThrow(
    "Property 'size' is already initialized on target 'resource:y[t]",
  );
});

test("a fleet registers the same requests and gives the same stack outputs with the properties deferred or made at once", async () => {
  const settings = asConfigMap(stackSettings([vmDevice("edge-vm-01"), existingDevice("line-3-gateway")]));
  const run = async () => {
    const result = await runUnderMocks(settings, () => {
      const { defineStack } = require("../../components/program") as typeof import("../../components/program");
      return defineStack({ projectDir: process.cwd() });
    });
    return { resources: result.resources, outputs: await valueOf(pulumi.output(result.result)) };
  };
  // PULUMI_DEBUG_PROMISE_LEAKS keeps defineStack from deferring (and from skipping the traces, which the requests here leave out).
  debuggable.debugPromiseLeaks = true;
  let upstream;
  try {
    upstream = await run();
    expect(deferringUnreadProperties()).toBe(false);
  } finally {
    debuggable.debugPromiseLeaks = false;
  }
  const deferred = await run();
  expect(deferringUnreadProperties()).toBe(true);
  const byUrn = (rs: typeof deferred.resources) => [...rs].sort((a, b) => a.urn.localeCompare(b.urn));
  expect(deferred.resources.length).toBeGreaterThan(40);
  expect(byUrn(deferred.resources)).toEqual(byUrn(upstream.resources));
  expect(deferred.outputs).toEqual(upstream.outputs);
});

test("with PULUMI_DEBUG_PROMISE_LEAKS set, nothing is replaced", () => {
  debuggable.debugPromiseLeaks = true;
  try {
    deferUnreadProperties();
    expect(deferringUnreadProperties()).toBe(false);
  } finally {
    debuggable.debugPromiseLeaks = false;
  }
});

test("the installed @pulumi/pulumi is the version sdkLazyProperties.ts was checked against", () => {
  const installed = (require("@pulumi/pulumi/package.json") as { version: string }).version;
  if (installed !== CHECKED_PULUMI_SDK_VERSION) {
    throw new Error(
      `@pulumi/pulumi is ${installed}, sdkLazyProperties.ts was checked against ${CHECKED_PULUMI_SDK_VERSION}: see whether runtime/rpc.js ` +
        "transferProperties still makes every output property's Output at construction (and is still called through the module's " +
        "exports), and that the cases above hold; then update CHECKED_PULUMI_SDK_VERSION.",
    );
  }
});
