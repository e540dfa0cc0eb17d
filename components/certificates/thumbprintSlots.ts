// The two thumbprint slots of a self-signed (thumbprint) hub identity, and how a renewed
// certificate moves through them: into the secondary slot first, so the hub accepts both the
// certificate the device still presents and the one it is about to get; into the primary slot on
// a later run, once the device has the new one. A device never loses its identity mid-rotation.
import * as pulumi from "@pulumi/pulumi";

export interface Slots {
  readonly primary: string;
  readonly secondary: string;
}

/** The slots for a device's first certificate: both slots hold it. */
export function initialSlots(current: string): Slots {
  return { primary: current, secondary: current };
}

/**
 * The slots after a run whose identity certificate has thumbprint `current`. Pure.
 * - unchanged: nothing moves;
 * - a renewed certificate: staged in the secondary slot, the primary keeps what the device has;
 * - staged earlier and `promote`: it becomes primary (both slots), the old certificate is dropped;
 * - renewed again while one is staged: the staged one (installed by the run that staged it)
 *   becomes primary and the newest is staged.
 */
export function nextSlots(previous: Slots, current: string, promote: boolean): Slots {
  if (previous.primary === current && previous.secondary === current) return previous;
  if (previous.secondary === current) return promote ? initialSlots(current) : previous;
  if (previous.primary === current) return initialSlots(current);
  const inUse = previous.secondary !== previous.primary ? previous.secondary : previous.primary;
  return { primary: inUse, secondary: current };
}

export interface ThumbprintSlotsInputs {
  readonly current: string;
  readonly promote: boolean;
}

export interface ThumbprintSlotsOutputs extends Slots {
  readonly current: string;
  readonly promote: boolean;
}

export class ThumbprintSlotsProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: ThumbprintSlotsInputs): Promise<pulumi.dynamic.CreateResult> {
    return { id: "slots", outs: { ...initialSlots(inputs.current), current: inputs.current, promote: inputs.promote } };
  }

  async diff(_id: string, olds: ThumbprintSlotsOutputs, news: ThumbprintSlotsInputs): Promise<pulumi.dynamic.DiffResult> {
    const next = nextSlots(olds, news.current, news.promote);
    const changes =
      next.primary !== olds.primary || next.secondary !== olds.secondary || olds.current !== news.current || olds.promote !== news.promote;
    return { changes, replaces: [] };
  }

  async update(_id: string, olds: ThumbprintSlotsOutputs, news: ThumbprintSlotsInputs): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: { ...nextSlots(olds, news.current, news.promote), current: news.current, promote: news.promote } };
  }
}

export interface ThumbprintSlotsArgs {
  /** Thumbprint of the identity certificate the device gets in this run. */
  readonly current: pulumi.Input<string>;
  /**
   * Whether a staged certificate may become primary in this run. Default true: a certificate
   * staged in one run was copied to the device by that run's bootstrap.
   */
  readonly promote?: pulumi.Input<boolean>;
}

/** Shared, so pulumi.dynamic.Resource serializes it once per program run (it caches by instance). */
const PROVIDER = new ThumbprintSlotsProvider();

/** Holds the slots in state between runs; outputs `primary` and `secondary` for the hub identity. */
export class ThumbprintSlots extends pulumi.dynamic.Resource {
  declare readonly primary: pulumi.Output<string>;
  declare readonly secondary: pulumi.Output<string>;

  constructor(name: string, args: ThumbprintSlotsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      PROVIDER,
      name,
      { current: args.current, promote: args.promote ?? true, primary: undefined, secondary: undefined },
      opts,
      "certificates",
      "ThumbprintSlots",
    );
  }
}
