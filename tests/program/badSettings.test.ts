// The program refuses bad settings before it registers a single resource.
import { runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { asConfigMap, existingDevice, stackSettings, vmDevice } from "../../lab/mocks/stacks";

test("bad settings stop the program with every problem and nothing registered", async () => {
  const settings = stackSettings([vmDevice("edge-01", { sshSourceRanges: ["0.0.0.0/0"] }), existingDevice("edge-01")]);
  let thrown: unknown;
  const run = await runUnderMocks(asConfigMap(settings), async () => {
    const { defineStack } = require("../../components/program");
    try {
      await defineStack({ projectDir: process.cwd() });
    } catch (err) {
      thrown = err;
    }
  });
  expect(run.resources).toEqual([]);
  expect((thrown as Error).constructor.name).toBe("RunError");
  expect((thrown as Error).message).toBe(
    [
      "The stack settings have 2 problems; nothing was created:",
      '  - devices[0].host.sshSourceRanges[0] (device "edge-01"): "0.0.0.0/0" opens SSH to the whole internet; list your own ranges, or set edge:allowSshFromInternet to true to allow it on purpose',
      '  - devices[1].id (device "edge-01"): duplicates devices[0]; device ids must be unique in the hub',
    ].join("\n"),
  );
});
