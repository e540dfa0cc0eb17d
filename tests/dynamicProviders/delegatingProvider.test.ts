// delegatingProvider: the methods of the class and no others; each call requires the module by its
// name and makes a new instance with the given constructor arguments, whose result is handed back as it is.
import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "../../components/dynamicProviders/delegatingProvider";
import * as recorder from "./recorderProvider";

const source = { specifier: require.resolve("./recorderProvider"), exports: recorder };

test("only the class's methods are there: the provider host treats a missing one as the default", () => {
  const provider = delegatingProvider(source, "Recorder", "a", 2);
  expect(Object.keys(provider).sort()).toEqual(["create", "delete", "diff"]);
});

test("each call makes an instance with the arguments and hands on the call, its result and its error", async () => {
  recorder.made.length = 0;
  const provider = delegatingProvider(source, "Recorder", "a", 3);
  expect(recorder.made).toEqual([]);
  await expect(provider.create({ n: 2 })).resolves.toEqual({ id: "a", outs: { n: 6 } });
  await expect(provider.diff!("b", {}, {})).resolves.toEqual({ changes: true });
  await expect(provider.delete!("a", {})).rejects.toThrow("a: refused");
  expect(recorder.made).toEqual([
    ["a", 3],
    ["a", 3],
    ["a", 3],
  ]);
});

test("serialized, it holds the module's name and requires it where it runs, not the class's code", async () => {
  // As pulumi.dynamic.Resource serializes its provider.
  const provider = delegatingProvider(source, "Recorder", "a", 4);
  const { text } = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  expect(text).toContain(JSON.stringify(source.specifier));
  expect(text).toContain("require(specifier)");
  expect(text).not.toContain("refused");
});
