// Two stack traces @pulumi/pulumi 3.248 takes for every resource that this program's runs never read
// (docs/benchmarks.md, "Start-up" and "Cost per device"):
//
// - runtime/debuggable.js wraps each promise of a registration and of every output property
//   (four per property) in debuggablePromise, which formats `new Error().stack` at once (through
//   source-map-support, which cmd/run registers) and keeps the text on the promise. The text is
//   printed only with PULUMI_DEBUG_PROMISE_LEAKS set, for the promises still pending at exit.
// - resource.js takes the whole call stack of every resource (Error.stackTraceLimit = Infinity,
//   each frame source-mapped) and sends it with the registration as its source position and stack
//   trace, which the engine keeps in the state for Pulumi Cloud's views; a file or Azure Blob
//   backend shows them nowhere, and they are ~300 bytes of state per resource (~9 frames).
//
// skipUnreadTraces replaces both with what they do without the trace: the promise-leak check at
// exit stays the SDK's own (the same candidates, the same message and exit code), and with
// PULUMI_DEBUG_PROMISE_LEAKS set nothing is replaced. Upstream has no setting for either.
import * as pulumi from "@pulumi/pulumi";

/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's internal modules, by their file */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
  debugPromiseLeaks: boolean;
  debuggablePromise: <T>(p: Promise<T>, ctx?: unknown) => Promise<T>;
};
const state = require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<Promise<unknown>> } };
/* eslint-enable @typescript-eslint/no-require-imports */

/** The @pulumi/pulumi version this module was checked against (tests/startup/sdkTraces.test.ts). */
export const CHECKED_PULUMI_SDK_VERSION = "3.248.0";

type StackTrace = (skip: number) => unknown[];
const resourceClass = pulumi.Resource as unknown as { stackTrace: StackTrace };
const upstream = { debuggablePromise: debuggable.debuggablePromise, stackTrace: resourceClass.stackTrace };

let skipping = false;

/** Whether skipUnreadTraces is in effect in this process. */
export function skippingUnreadTraces(): boolean {
  return skipping;
}

export function skipUnreadTraces(): void {
  if (skipping || debuggable.debugPromiseLeaks) return;
  if (typeof upstream.debuggablePromise !== "function" || typeof upstream.stackTrace !== "function" || !state.getStore().leakCandidates) {
    throw new Error(
      "components/sdkTraces.ts: @pulumi/pulumi's debuggablePromise, Resource.stackTrace or leakCandidates are not there any more; " +
        "check whether this SDK version still takes both traces (or has a setting for them) and update sdkTraces.ts.",
    );
  }
  skipping = true;
  let leakCheckScheduled = false;
  debuggable.debuggablePromise = <T>(p: Promise<T>, ctx?: unknown): Promise<T> => {
    // The SDK's own first call schedules its leak check at exit (cmd/run has made one already).
    if (!leakCheckScheduled) {
      leakCheckScheduled = true;
      return upstream.debuggablePromise(p, ctx);
    }
    // As upstream's, less the trace: a leak candidate until settled; a rejection names its promise.
    const store = state.getStore();
    store.leakCandidates.add(p);
    return p
      .then((value) => {
        store.leakCandidates.delete(p);
        return value;
      })
      .catch((err) => {
        store.leakCandidates.delete(p);
        err.promise = p;
        throw err;
      });
  };
  resourceClass.stackTrace = () => [];
}

/** Puts the SDK's own functions back (tests). */
export function restoreUnreadTraces(): void {
  debuggable.debuggablePromise = upstream.debuggablePromise;
  resourceClass.stackTrace = upstream.stackTrace;
  skipping = false;
}
