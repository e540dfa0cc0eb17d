// Dynamic provider of the thumbprint slots: keeps them in state and moves them by nextSlots.
import type * as pulumi from "@pulumi/pulumi";
import { initialSlots, nextSlots, type Slots } from "./thumbprintSlots.rules";

export interface ThumbprintSlotsInputs {
  readonly current: string;
  readonly promote: boolean;
}

/**
 * The slots and `promote`. Not `current`: after every run it is the secondary slot's (nextSlots).
 * Outputs written before 2026-11-30 also hold `current`; nothing reads it.
 */
export interface ThumbprintSlotsOutputs extends Slots {
  readonly promote: boolean;
}

export class ThumbprintSlotsProvider implements pulumi.dynamic.ResourceProvider {
  async create(inputs: ThumbprintSlotsInputs): Promise<pulumi.dynamic.CreateResult> {
    return { id: "slots", outs: outputsOf(initialSlots(inputs.current), inputs) };
  }

  async diff(_id: string, olds: ThumbprintSlotsOutputs, news: ThumbprintSlotsInputs): Promise<pulumi.dynamic.DiffResult> {
    // Another certificate always moves the secondary slot: the slots tell every change but `promote`'s.
    const next = nextSlots(olds, news.current, news.promote);
    const changes = next.primary !== olds.primary || next.secondary !== olds.secondary || olds.promote !== news.promote;
    return { changes, replaces: [] };
  }

  async update(_id: string, olds: ThumbprintSlotsOutputs, news: ThumbprintSlotsInputs): Promise<pulumi.dynamic.UpdateResult> {
    return { outs: outputsOf(nextSlots(olds, news.current, news.promote), news) };
  }
}

/** Field by field: nextSlots may hand back the olds themselves, with an older stack's `current`. */
function outputsOf(slots: Slots, inputs: ThumbprintSlotsInputs): ThumbprintSlotsOutputs {
  return { primary: slots.primary, secondary: slots.secondary, promote: inputs.promote };
}

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): ThumbprintSlotsProvider => new ThumbprintSlotsProvider();
