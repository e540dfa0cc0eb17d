// Reads the Pulumi engine's event log (`pulumi up --event-log`): what happened to each device of the
// fleet, and how long it took. Pure functions over the parsed events.

/** One engine event, with the time it was seen (ms) when the caller stamped it. */
export interface StampedEvent {
  readonly seenAt: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the engine's JSON event stream, read field by field
  readonly event: Record<string, any>;
}

export interface DeviceResult {
  readonly id: string;
  /** ready: its readiness gate passed in this run; unchanged: nothing of it changed; failed; incomplete. */
  readonly status: "ready" | "unchanged" | "failed" | "incomplete";
  /** From the first step on one of its resources to its last (ms); 0 when nothing of it changed. */
  readonly ms: number;
  /** Resources of the device the run created, updated, replaced or deleted. */
  readonly changed: number;
  /** Error diagnostics on the device's resources. */
  readonly errors: readonly string[];
}

export function readEvents(lines: readonly string[], seenAt: number): StampedEvent[] {
  const events: StampedEvent[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      events.push({ seenAt, event: JSON.parse(line) });
    } catch {
      // A line cut in the middle is completed by the next read.
    }
  }
  return events;
}

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
const typeOf = (urn: string) => urn.split("::")[2]?.split("$").at(-1) ?? "";

/** The device ids of the run (from its EdgeDevice components), in order of appearance. */
export function deviceIds(events: readonly StampedEvent[], prefix = "fleet-"): string[] {
  const ids = new Set<string>();
  for (const { event } of events) {
    const urn: string | undefined = event.resourcePreEvent?.metadata?.urn ?? event.resOutputsEvent?.metadata?.urn;
    if (urn && typeOf(urn) === "edge:device:EdgeDevice" && nameOf(urn).startsWith(prefix)) ids.add(nameOf(urn).slice(prefix.length));
  }
  return [...ids];
}

/** The device a resource belongs to: the longest id whose component name prefixes its name. */
export function deviceOf(urn: string, ids: readonly string[], prefix: string): string | undefined {
  const name = nameOf(urn);
  let best: string | undefined;
  for (const id of ids) {
    const component = `${prefix}${id}`;
    if ((name === component || name.startsWith(`${component}-`)) && (!best || id.length > best.length)) best = id;
  }
  return best;
}

export function deviceResults(events: readonly StampedEvent[], prefix = "fleet-"): DeviceResult[] {
  const ids = deviceIds(events, prefix);
  const acc = new Map(ids.map((id) => [id, { first: Infinity, last: 0, changed: 0, failed: false, gate: "", errors: [] as string[] }]));
  for (const { seenAt, event } of events) {
    const pre = event.resourcePreEvent?.metadata;
    const out = event.resOutputsEvent?.metadata;
    const failed = event.resOpFailedEvent?.metadata;
    const diag = event.diagnosticEvent;
    const urn: string | undefined = pre?.urn ?? out?.urn ?? failed?.urn ?? diag?.urn;
    const id = urn ? deviceOf(urn, ids, prefix) : undefined;
    const a = id ? acc.get(id) : undefined;
    if (!a || !urn) continue;
    const op: string = (pre ?? out ?? failed)?.op ?? "";
    const acting = op !== "" && op !== "same" && op !== "read";
    if (pre && acting && !event.resourcePreEvent.planning) a.first = Math.min(a.first, seenAt);
    if ((out || failed) && acting) {
      a.last = Math.max(a.last, seenAt);
      // Components (edge:…) are bookkeeping; count the resources that did something.
      if (out && !typeOf(urn).startsWith("edge:")) a.changed += 1;
    }
    if (failed) a.failed = true;
    if (diag?.severity === "error") a.errors.push(String(diag.message).trim());
    // The device's readiness gate: under its -iothub component in hub mode, the device's own in dps mode.
    if (out && [`${prefix}${id}-iothub-ready`, `${prefix}${id}-ready`].includes(nameOf(urn))) a.gate = op;
  }
  return ids.map((id) => {
    const a = acc.get(id)!;
    const status = a.failed || a.errors.length > 0 ? "failed" : a.gate === "same" ? "unchanged" : a.gate ? "ready" : "incomplete";
    return { id, status, ms: a.first === Infinity ? 0 : Math.max(0, a.last - a.first), changed: a.changed, errors: a.errors };
  });
}

/** The change counts of the run's summary event (`{ create: 3, same: 10 }`), if it has one. */
export function changeSummary(events: readonly StampedEvent[]): Record<string, number> | undefined {
  for (const { event } of events) if (event.summaryEvent) return event.summaryEvent.resourceChanges ?? {};
  return undefined;
}

/** URNs the run (a preview or an up) would change or changed: every step other than same/read. */
export function changedUrns(events: readonly StampedEvent[]): { urn: string; op: string }[] {
  const steps: { urn: string; op: string }[] = [];
  for (const { event } of events) {
    const m = event.resourcePreEvent?.metadata;
    if (m && m.op !== "same" && m.op !== "read") steps.push({ urn: m.urn, op: m.op });
  }
  return steps;
}
