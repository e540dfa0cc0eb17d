// One validation path: each broken stack is refused by preflight (offline, from the stack file)
// and by the program (`pulumi up`, under mocks) with the same problems — same setting, device and
// message, in the same order — before a single resource is registered; each valid stack passes both.
// A rule added to only one of the two makes its cases here disagree.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { settingsFromStackFiles } from "../../components/config/readSettings";
import { FleetSettingsError } from "../../components/config/validateFleet";
import { preflightReport } from "../../scripts/preflight";
import { isSecretValue, runUnderMocks } from "../../lab/mocks/pulumiMocks";
import { asConfigMap, existingDevice } from "../../lab/mocks/stacks";

const root = path.resolve(__dirname, "../..");
const manifestDir = path.join(__dirname, "../manifests");
const manifestsIn = (folder: string) =>
  fs
    .readdirSync(path.join(manifestDir, folder))
    .filter((f) => f.endsWith(".json"))
    .sort();

/** The registries the fixture manifests name; the passwords are stack secrets in a real stack. */
const REGISTRIES = [
  { address: "myacr.azurecr.io", username: "acr-puller", password: "acr-pa55word-for-tests" },
  { address: "registry.partner.example", username: "partner-reader", password: "partner-pa55word-for-tests" },
];

/** A valid stack of existing hosts (nothing in Azure), as a stack file has it under `edge:`. */
function stack(
  extra: Record<string, unknown> = {},
  devices: unknown[] = [existingDevice("gw-01"), existingDevice("gw-02", { address: "192.0.2.21" })],
) {
  return {
    iotHub: { name: "hub-test", auth: "entraId" },
    containerRegistries: REGISTRIES,
    defaults: { deploymentManifest: "manifests/simulated-temperature.json" },
    devices,
    ...extra,
  };
}

/** A project folder with Pulumi.yaml, the fixture manifests and `Pulumi.case.yaml` holding `settings`. */
function project(settings: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "one-path-"));
  fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.cpSync(path.join(root, "manifests"), path.join(dir, "manifests"), { recursive: true });
  fs.cpSync(manifestDir, path.join(dir, "tests/manifests"), { recursive: true });
  const config = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`edge:${k}`, v]));
  fs.writeFileSync(path.join(dir, "Pulumi.case.yaml"), YAML.stringify({ config }));
  return dir;
}

/** What each path makes of the stack: preflight's problems, and the program's error and resources. */
async function bothPaths(settings: Record<string, unknown>) {
  const dir = project(settings);
  const report = preflightReport(dir, "case");
  // The program gets what the CLI would hand it: the project's defaults and the stack file, merged.
  const raw = settingsFromStackFiles(
    fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"),
    fs.readFileSync(path.join(dir, "Pulumi.case.yaml"), "utf8"),
  );
  let thrown: Error | undefined;
  const run = await runUnderMocks(asConfigMap(raw), async () => {
    const { defineStack } = require("../../components/program");
    try {
      await defineStack({ projectDir: dir });
    } catch (err) {
      thrown = err as Error;
    }
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { report, thrown, resources: run.resources };
}

async function expectSameRefusal(settings: Record<string, unknown>) {
  const { report, thrown, resources } = await bothPaths(settings);
  expect(report.ok).toBe(false);
  expect(report.problems.length).toBeGreaterThan(0);
  const expected = new FleetSettingsError(
    report.problems.map((p) => ({ setting: p.setting, device: p.device ?? undefined, message: p.message })),
  ).message;
  expect(thrown?.constructor.name).toBe("RunError");
  expect(thrown?.message).toBe(expected);
  expect(resources).toEqual([]);
  return report.problems;
}

describe("every manifest under tests/manifests/invalid is refused by preflight and by the program alike", () => {
  test.each(manifestsIn("invalid"))(
    "%s",
    async (file) => {
      const problems = await expectSameRefusal(stack({ defaults: { deploymentManifest: `tests/manifests/invalid/${file}` } }));
      // Both devices use the manifest; every problem is on its deploymentManifest setting, naming the file.
      for (const p of problems) {
        expect(p.setting).toMatch(/^devices\[[01]\]\.deploymentManifest$/);
        expect(p.message.startsWith(`file "tests/manifests/invalid/${file}": `)).toBe(true);
        // A password written in a manifest is never repeated in a message.
        expect(p.message).not.toContain("hunter2hunter2");
      }
    },
    30_000,
  );
});

describe("every manifest under tests/manifests/valid passes preflight and the program", () => {
  test.each(manifestsIn("valid"))(
    "%s",
    async (file) => {
      const { report, thrown, resources } = await bothPaths(stack({ defaults: { deploymentManifest: `tests/manifests/valid/${file}` } }));
      expect(report.problems).toEqual([]);
      expect(thrown).toBeUndefined();
      expect(resources.filter((r) => r.type === "pulumi-nodejs:dynamic/iotHub:EdgeDeployment")).toHaveLength(2);
    },
    30_000,
  );
});

// Broken stacks, one rule each: settings, registries, offline certificate rules, cross-field rules.
test.each<[string, Record<string, unknown>]>([
  ["a containerRegistries entry without a password", stack({ containerRegistries: [{ address: "myacr.azurecr.io", username: "u" }] })],
  ["the same registry twice", stack({ containerRegistry: { loginServer: "MYACR.azurecr.io", username: "u", password: "p" } })],
  [
    "a manifest registry no stack registry fills",
    stack({
      containerRegistries: [REGISTRIES[0]],
      defaults: { deploymentManifest: "tests/manifests/valid/two-registries-with-placeholders.json" },
    }),
  ],
  ["a device id IoT Hub refuses", stack({}, [existingDevice("gw 01")])],
  [
    "renewBeforeDays not under validityDays",
    stack({}, [{ ...existingDevice("gw-01"), certificate: { source: "generate", validityDays: 30, renewBeforeDays: 30 } }]),
  ],
  [
    "a Key Vault certificate without edge:keyVault",
    stack({}, [{ ...existingDevice("gw-01"), certificate: { source: "keyVault", certificateName: "c" } }]),
  ],
  ["an existing hub with auth connectionString and no connection string", stack({ iotHub: { name: "hub-test" } })],
  ["an unknown top-level setting", stack({ containerRegistrys: [] })],
  ["an existing host whose key is not a key", stack({}, [existingDevice("gw-01", { privateKey: "not a key" })])],
  ["a runtime version apt would not take", stack({}, [{ ...existingDevice("gw-01"), runtime: { aziotEdgeVersion: "1.6 latest" } }])],
  ["an empty agent image", stack({}, [{ ...existingDevice("gw-01"), runtime: { agentImage: " " } }])],
  [
    "an aziot-edge version whose identity service is not known, without aziotIdentityServiceVersion",
    stack({}, [{ ...existingDevice("gw-01"), runtime: { aziotEdgeVersion: "1.7.0-1" } }]),
  ],
  [
    "a VM name Azure refuses as admin user",
    stack({}, [{ id: "vm-01", host: { type: "azureVm", adminUser: "support", sshSourceRanges: ["203.0.113.0/24"] } }]),
  ],
  [
    "a connection string of another hub",
    stack({
      iotHub: { name: "hub-test", connectionString: "HostName=other-hub.azure-devices.net;SharedAccessKeyName=p;SharedAccessKey=a2V5" },
    }),
  ],
  [
    "a connection string without its key",
    stack({ iotHub: { name: "hub-test", connectionString: "HostName=hub-test.azure-devices.net;SharedAccessKeyName=p" } }),
  ],
  ["a site stack that sets the core's hub", stack({ stackRole: "site", site: { coreStack: "organization/edge/core" } })],
  ["a site stack without its core", { ...stack({ stackRole: "site" }), iotHub: undefined }],
  ["a core stack with devices", stack({ stackRole: "core", core: { network: false } })],
])(
  "%s: the same refusal from preflight and the program",
  async (_name, settings) => {
    await expectSameRefusal(settings);
  },
  30_000,
);

test("the registry passwords of a valid stack are secrets in the deployment and appear in no plain input", async () => {
  const { resources } = await bothPaths(
    stack({ defaults: { deploymentManifest: "tests/manifests/valid/two-registries-with-placeholders.json" } }),
  );
  const deployments = resources.filter((r) => r.type === "pulumi-nodejs:dynamic/iotHub:EdgeDeployment");
  expect(deployments).toHaveLength(2);
  for (const d of deployments) {
    expect(isSecretValue(d.inputs.registryCredentials)).toBe(true);
    expect(d.additionalSecretOutputs).toContain("registryCredentials");
    // The manifest input is the file as written: placeholders, no password.
    expect(JSON.stringify(d.inputs.manifest)).toContain("$CONTAINER_REGISTRY_PASSWORD_myacr");
  }
  const plain = JSON.stringify(resources.map((r) => Object.fromEntries(Object.entries(r.inputs).filter(([, v]) => !isSecretValue(v)))));
  for (const r of REGISTRIES) expect(plain).not.toContain(r.password);
}, 30_000);
