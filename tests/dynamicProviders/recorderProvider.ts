// A provider class for delegatingProvider's tests: records each instance's constructor arguments.
import type * as pulumi from "@pulumi/pulumi";

export const made: unknown[][] = [];

export class Recorder implements pulumi.dynamic.ResourceProvider {
  constructor(
    private readonly label: string,
    private readonly factor: number,
  ) {
    made.push([label, factor]);
  }
  async create(inputs: { n: number }) {
    return { id: this.label, outs: { n: inputs.n * this.factor } };
  }
  async diff(id: string) {
    return { changes: id !== this.label };
  }
  async delete() {
    throw new Error(`${this.label}: refused`);
  }
}
