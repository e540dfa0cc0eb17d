// Dynamic provider of the thumbprint slots: keeps them in state and moves them by nextSlots.
import type * as pulumi from "@pulumi/pulumi";
import { initialSlots, nextSlots, type Slots } from "./thumbprintSlots.rules";

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

/** What the engine's provider host calls (packagedResource.ts): the provider of this module's resources. */
export const handler = (): ThumbprintSlotsProvider => new ThumbprintSlotsProvider();
