// delegatingProvider: the methods of the class and no others; each call a new instance, made with
// the given constructor arguments, whose result is handed back as it is.
import type * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../../components/dynamicProviders/delegatingProvider";

const made: unknown[][] = [];
class Recorder implements pulumi.dynamic.ResourceProvider {
  constructor(private readonly label: string, private readonly factor: number) {
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
const source = { Recorder };

test("only the class's methods are there: the provider host treats a missing one as the default", () => {
  const provider = delegatingProvider(source, "Recorder", "a", 2);
  expect(Object.keys(provider).sort()).toEqual(["create", "delete", "diff"]);
});

test("each call makes an instance with the arguments and hands on the call, its result and its error", async () => {
  made.length = 0;
  const provider = delegatingProvider(source, "Recorder", "a", 3);
  expect(made).toEqual([]);
  await expect(provider.create({ n: 2 })).resolves.toEqual({ id: "a", outs: { n: 6 } });
  await expect(provider.diff!("b", {}, {})).resolves.toEqual({ changes: true });
  await expect(provider.delete!("a", {})).rejects.toThrow("a: refused");
  expect(made).toEqual([["a", 3], ["a", 3], ["a", 3]]);
});
