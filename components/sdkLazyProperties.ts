// @pulumi/pulumi 3.248 makes an Output for every output property of every resource as the resource is
// constructed (runtime/rpc.js transferProperties): four promises, each wrapped by debuggablePromise,
// and an Output of about ten more promises, a dozen closures and a Proxy, whether anything reads the
// property or not. The types this program uses declare ~240 output properties a device (a VM 43, a
// NIC 33, each bootstrap step 11) and the program reads about one in ten; while the registrations
// are pending the unread ones were most of its live memory (docs/benchmarks.md, "Cost per device").
//
// deferUnreadProperties has transferProperties leave each output property an accessor that makes
// the SDK's own Output (by the SDK's own transferProperties) at its first read. Read before the
// registration is answered, that Output is resolved by the answer as upstream's is; read after, at
// once with the answer kept for it. Either way its value, knownness, secretness, resources (the
// dependencies of whatever takes it as an input) and a failed registration's error are upstream's.
// What is left out is only the Output of a property nothing reads, and with it that property's
// promises as leak candidates: the resource's urn and id stay candidates, so a registration never
// answered is still reported at exit. With PULUMI_DEBUG_PROMISE_LEAKS set nothing is replaced.
/* eslint-disable @typescript-eslint/no-require-imports -- the SDK's internal modules, by their file */
const rpc = require("@pulumi/pulumi/runtime/rpc") as { transferProperties: TransferProperties };
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debugPromiseLeaks: boolean };
/* eslint-enable @typescript-eslint/no-require-imports */

/** The @pulumi/pulumi version this module was checked against (tests/startup/sdkLazyProperties.test.ts). */
export const CHECKED_PULUMI_SDK_VERSION = "3.248.0";

/** What the registration's answer calls for one property: its value, or the registration's error. */
type Resolver = (value: unknown, isKnown: boolean, isSecret: boolean, deps?: unknown[], err?: Error) => void;
type TransferProperties = (onto: Record<string, unknown>, label: string, props: Record<string, unknown>) => Record<string, Resolver>;

const upstream = { transferProperties: rpc.transferProperties };
let deferring = false;

/** Whether deferUnreadProperties is in effect in this process. */
export function deferringUnreadProperties(): boolean {
  return deferring;
}

export function deferUnreadProperties(): void {
  if (deferring || debuggable.debugPromiseLeaks) return;
  if (typeof upstream.transferProperties !== "function") {
    throw new Error(
      "components/sdkLazyProperties.ts: @pulumi/pulumi's runtime/rpc transferProperties is not there any more; check whether this " +
        "SDK version still makes every output property's Output at construction, and update sdkLazyProperties.ts.",
    );
  }
  deferring = true;
  rpc.transferProperties = transferOnRead;
}

/** Puts the SDK's own transferProperties back (tests). */
export function restoreUnreadProperties(): void {
  rpc.transferProperties = upstream.transferProperties;
  deferring = false;
}

/** As upstream's (the same keys, the same check), each property made at its first read. */
function transferOnRead(onto: Record<string, unknown>, label: string, props: Record<string, unknown>): Record<string, Resolver> {
  const resolvers: Record<string, Resolver> = {};
  for (const key of Object.keys(props)) {
    // The SDK makes these two itself.
    if (key === "id" || key === "urn") continue;
    if (Object.prototype.hasOwnProperty.call(onto, key)) throw new Error(`Property '${key}' is already initialized on target '${label}`);
    resolvers[key] = madeOnRead(onto, label, key);
  }
  return resolvers;
}

/** Makes `onto[key]` an accessor that makes the property at its first read; returns the property's resolver. */
function madeOnRead(onto: Record<string, unknown>, label: string, key: string): Resolver {
  let answer: Parameters<Resolver> | undefined;
  let resolve: Resolver | undefined;
  Object.defineProperty(onto, key, {
    configurable: true,
    enumerable: true,
    get() {
      delete onto[key];
      // Upstream's, for this one key. The input's text goes only into the promises' debug context,
      // which nothing keeps without PULUMI_DEBUG_PROMISE_LEAKS; the property has no input kept for it.
      resolve = upstream.transferProperties(onto, label, { [key]: undefined })[key];
      if (answer) resolve(...answer);
      answer = undefined;
      return onto[key];
    },
    set(value: unknown) {
      Object.defineProperty(onto, key, { configurable: true, enumerable: true, writable: true, value });
    },
  });
  return (...args) => {
    if (resolve) resolve(...args);
    else answer = args;
  };
}
