// The two stack traces the SDK takes per resource and per output promise, which no run reads: skipped
// (components/sdkTraces.ts), with the SDK's promise-leak check kept as it was.
import * as pulumi from "@pulumi/pulumi";
import { CHECKED_PULUMI_SDK_VERSION, restoreUnreadTraces, skipUnreadTraces, skippingUnreadTraces } from "../../components/sdkTraces";

const debuggable = require("@pulumi/pulumi/runtime/debuggable");
const state = require("@pulumi/pulumi/runtime/state");

class Thing extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Thing", name, { size: 1 });
  }
}

/** Registers one custom resource under mocks and returns the request the engine would receive. */
async function registrationOf(name: string): Promise<any> {
  await pulumi.runtime.setMocks(
    { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) },
    "edge",
    "test",
    false,
  );
  const monitor = (pulumi.runtime as any).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  let request: any;
  monitor.registerResource = (req: any, callback: any) => ((request = req), register(req, callback));
  new Thing(name);
  await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
  return request;
}

afterEach(() => restoreUnreadTraces());

test("the SDK's own functions send each resource's source position and whole stack trace to the engine", async () => {
  const request = await registrationOf("with-trace");
  expect(request.getSourceposition()?.getUri()).toMatch(/^file:\/\//);
  expect(request.getStacktrace()?.getFramesList().length).toBeGreaterThan(0);
});

test("skipped: a registration carries neither the source position nor the stack trace", async () => {
  skipUnreadTraces();
  expect(skippingUnreadTraces()).toBe(true);
  const request = await registrationOf("without-trace");
  expect(request.getType()).toBe("test:index:Thing");
  expect(request.getSourceposition()).toBeUndefined();
  expect(request.getStacktrace()?.getFramesList() ?? []).toEqual([]);
});

test("skipped: a wrapped promise keeps no stack text, and stays a leak candidate until it settles", async () => {
  skipUnreadTraces();
  debuggable.debuggablePromise(Promise.resolve(0), "first"); // the SDK's own, once: it schedules the leak check
  let settle!: (v: number) => void;
  const pending = new Promise<number>((resolve) => (settle = resolve));
  const wrapped = debuggable.debuggablePromise(pending, "a context");
  expect(Object.getOwnPropertyDescriptor(pending, "_debugStackTrace")).toBeUndefined();
  expect(state.getStore().leakCandidates.has(pending)).toBe(true);
  settle(7);
  await expect(wrapped).resolves.toBe(7);
  expect(state.getStore().leakCandidates.has(pending)).toBe(false);

  const failing = Promise.reject(new Error("refused"));
  const rejected = debuggable.debuggablePromise(failing, "another");
  await expect(rejected).rejects.toMatchObject({ message: "refused", promise: failing });
  expect(state.getStore().leakCandidates.has(failing)).toBe(false);
});

test("with PULUMI_DEBUG_PROMISE_LEAKS set, nothing is replaced: the traces are what that setting prints", async () => {
  debuggable.debugPromiseLeaks = true;
  try {
    skipUnreadTraces();
    expect(skippingUnreadTraces()).toBe(false);
    const p = Promise.resolve(1);
    await debuggable.debuggablePromise(p, "ctx");
    expect(typeof (p as any)._debugStackTrace).toBe("string");
  } finally {
    debuggable.debugPromiseLeaks = false;
  }
});

test("the installed @pulumi/pulumi is the version sdkTraces.ts was checked against", () => {
  const installed = (require("@pulumi/pulumi/package.json") as { version: string }).version;
  if (installed !== CHECKED_PULUMI_SDK_VERSION) {
    throw new Error(
      `@pulumi/pulumi is ${installed}, sdkTraces.ts was checked against ${CHECKED_PULUMI_SDK_VERSION}: see whether the SDK now has a ` +
        "setting for either trace (then use it and delete the replacement), else that runtime/debuggable.js and Resource.stackTrace " +
        "still work as sdkTraces.ts says and the cases above hold; then update CHECKED_PULUMI_SDK_VERSION.",
    );
  }
});
