// Runs the compiled program (bin/, as `pulumi up` runs it) under mocks in this process and prints,
// as JSON: every module that required @pulumi/pulumi's closure serializer (runtime/closure/
// serializeClosure), how often its serializeFunction was called, and the dynamic resource types
// registered. Argument: "hub" or "dps" (the provisioning mode of a two-device stack).
// Started by closureSerializer.test.ts in a fresh process, so require.cache is this run's alone.
import Module from "node:module";
import { join } from "node:path";

const SDK = join(require.resolve("@pulumi/pulumi"), "..");
const SERIALIZER = join(SDK, "runtime", "closure", "serializeClosure.js");

const requirers = new Set<string>();
const moduleApi = Module as unknown as {
  _load: (request: string, parent: NodeJS.Module | undefined, isMain: boolean) => unknown;
  _resolveFilename: (request: string, parent: NodeJS.Module | undefined) => string;
};
const load = moduleApi._load;
moduleApi._load = function (request, parent, isMain) {
  if (request.includes("serializeClosure") && moduleApi._resolveFilename(request, parent) === SERIALIZER) {
    requirers.add(parent?.filename ?? "(none)");
  }
  return load.call(this, request, parent, isMain);
};

const DPS_CONNECTION =
  "HostName=fleet-dps.azure-devices-provisioning.net;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=a2V5";

async function main(mode: string): Promise<void> {
  // Required here, after the hook, so that the SDK's own requires are seen.
  const { runUnderMocks } = require("../../../lab/mocks/pulumiMocks") as typeof import("../../../lab/mocks/pulumiMocks");
  const { asConfigMap, existingDevice, stackSettings, vmDevice } =
    require("../../../lab/mocks/stacks") as typeof import("../../../lab/mocks/stacks");
  const { checkCompiledProgram, PROGRAM_OUT_DIR } =
    require("../../../components/compiledProgram") as typeof import("../../../components/compiledProgram");
  checkCompiledProgram(join(PROGRAM_OUT_DIR, "index.js"));
  const program = require(join(PROGRAM_OUT_DIR, "components", "program")) as typeof import("../../../components/program");
  let calls = 0;
  const closure = require.cache[SERIALIZER]?.exports as { serializeFunction: (...args: unknown[]) => unknown } | undefined;
  if (closure) {
    const original = closure.serializeFunction;
    closure.serializeFunction = (...args: unknown[]) => (calls++, original(...args));
  }
  const devices = [vmDevice("edge-0"), existingDevice("gw-1")];
  const settings =
    mode === "dps"
      ? {
          ...stackSettings(devices),
          defaults: {
            ...(stackSettings(devices).defaults as Record<string, unknown>),
            certificate: { source: "generate", authentication: "certificateAuthority" },
          },
          provisioning: {
            mode: "dps",
            dps: { name: "fleet-dps", idScope: "0ne00002193", connectionString: DPS_CONNECTION },
            tags: { site: "plant-7" },
          },
        }
      : stackSettings(devices, { keyVault: { name: "kv-test" } });
  const run = await runUnderMocks(asConfigMap(settings), () => program.defineStack({ projectDir: join(__dirname, "..", "..", "..") }));
  const types = [...new Set(run.resources.map((r) => r.type).filter((t) => t.startsWith("pulumi-nodejs:")))].sort();
  process.stdout.write(`${JSON.stringify({ requirers: [...requirers], calls, loaded: SERIALIZER in require.cache, types })}\n`);
}

main(process.argv[2] ?? "hub").catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
