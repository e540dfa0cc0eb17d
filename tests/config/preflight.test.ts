// `npm run preflight` as a user runs it: real YAML files on disk, exit codes, what it prints.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { settingsFromConfigMap, settingsFromStackFiles } from "../../components/config/readSettings";
import { UNREADABLE_SECRET } from "../../components/config/settings";

const root = path.resolve(__dirname, "../..");

function preflight(stack: string, dir = root) {
  const run = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "scripts/preflight.ts", "--stack", stack, "--dir", dir],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function projectWith(stackYaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-"));
  fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.mkdirSync(path.join(dir, "manifests"));
  fs.copyFileSync(path.join(root, "manifests/simulated-temperature.json"), path.join(dir, "manifests/simulated-temperature.json"));
  fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), stackYaml);
  return dir;
}

test("the example dev stack passes and shows what each device gets", () => {
  const { code, stdout } = preflight("dev");
  expect(code).toBe(0);
  expect(stdout).toContain('stack "dev" is valid: 2 device(s)');
  expect(stdout).toMatch(
    /^edge-dev-01 +Azure VM \(22_04-lts-gen2\) +generate +manifests\/simulated-temperature.json +NSG \(SSH from 203.0.113.0\/24\)/m,
  );
  expect(stdout).toMatch(/^edge-dev-02 .*VM edge-dev-02 Standard_B2ms/m);
});

test("a bad stack exits 1 and lists every problem with its setting and device", () => {
  const dir = projectWith(`config:
  edge:resourceGroup: { name: rg }
  edge:iotHub: { name: hub, auth: entraId }
  edge:defaults: { deploymentManifest: manifests/simulated-temperature.json }
  edge:devices:
    - id: "gw one"
      host: { type: existing, address: 192.0.2.1, user: edge }
    - id: vm-1
      host: { type: azureVm, sshSourceRanges: ["0.0.0.0/0"], size: "" }
      deploymentManifest: manifests/nope.json
`);
  const { code, stderr } = preflight("bad", dir);
  expect(code).toBe(1);
  expect(stderr.split("\n").filter((l) => l.startsWith("  ✗"))).toEqual([
    `  ✗ devices[0].id (device "gw one"): may contain only letters, digits and - . + % _ # * ? ! ( ) , : = @ $ ' (IoT Hub rule)`,
    '  ✗ devices[0].host.privateKey (device "gw one"): is required for an existing host (set it as a secret)',
    '  ✗ devices[1].host.size (device "vm-1"): size must not be empty',
    '  ✗ devices[1].host.sshSourceRanges[0] (device "vm-1"): "0.0.0.0/0" opens SSH to the whole internet; list your own ranges, or set edge:allowSshFromInternet to true to allow it on purpose',
    '  ✗ devices[1].deploymentManifest (device "vm-1"): file "manifests/nope.json" does not exist',
  ]);
  expect(stderr).toContain('stack "bad" has 5 problem(s); nothing would be created');
});

test("encrypted values count as present, and an unknown stack is a usage error", () => {
  const dir = projectWith(`config:
  edge:iotHub: { name: hub, connectionString: { secure: v1:abc } }
  edge:devices:
    - id: gw
      host: { type: existing, address: 192.0.2.1, user: edge, privateKey: { secure: "v1:AAAA" } }
      deploymentManifest: manifests/simulated-temperature.json
`);
  expect(preflight("bad", dir).code).toBe(0);
  const missing = preflight("nosuchstack", dir);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("no stack file");
});

test("stack files: project defaults apply, secure values are unreadable, other namespaces ignored", () => {
  const raw = settingsFromStackFiles(
    "name: edge\nconfig:\n  allowSshFromInternet: { type: boolean, default: false }\n  location: { type: string, default: westeurope }\n",
    "config:\n  azure-native:location: northeurope\n  edge:location: northeurope\n  edge:iotHub: { name: h, connectionString: { secure: v1:x } }\n",
  );
  expect(raw).toEqual({ allowSshFromInternet: false, location: "northeurope", iotHub: { name: "h", connectionString: UNREADABLE_SECRET } });
});

test("the CLI's flat config map: JSON values parsed, plain strings kept", () => {
  expect(
    settingsFromConfigMap({
      "edge:location": "westeurope",
      "edge:allowSshFromInternet": "true",
      "edge:devices": '[{"id":"a"}]',
      "azure-native:location": "x",
    }),
  ).toEqual({ location: "westeurope", allowSshFromInternet: true, devices: [{ id: "a" }] });
});

test("an existing host without host.hostKey passes with a warning that says why and how to set it", () => {
  const stack = (hostKey: string) => `config:
  edge:iotHub: { name: hub, auth: entraId }
  edge:devices:
    - id: gw
      host: { type: existing, address: 192.0.2.1, user: edge, privateKey: { secure: "v1:AAAA" }${hostKey} }
      deploymentManifest: manifests/simulated-temperature.json
`;
  const without = preflight("bad", projectWith(stack("")));
  expect(without.code).toBe(0);
  expect(without.stderr).toContain(
    "preflight: 1 warning(s):\n  ! devices[0].host.hostKey (device \"gw\"): is not set, so the bootstrap trusts whatever key answers at the address and then sends the device's private keys; set it to the host's public key as in known_hosts (ssh-keyscan -t ed25519 <address>, checked on the host)",
  );
  const pinned = preflight("bad", projectWith(stack(", hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample")));
  expect(pinned.code).toBe(0);
  expect(pinned.stderr).not.toContain("warning");
});

test("--json prints every problem with its setting, device, stack file and line, for CI; exit code as without it", () => {
  const dir = projectWith(`config:
  edge:iotHub: { name: hub, auth: entraId }
  edge:devices:
    - id: gw-1
      host: { type: existing, address: 192.0.2.1, user: edge }
      deploymentManifest: manifests/simulated-temperature.json
`);
  fs.writeFileSync(
    path.join(dir, "manifests/object-options.json"),
    fs
      .readFileSync(path.join(dir, "manifests/simulated-temperature.json"), "utf8")
      .replace(
        '"createOptions": "{}"\n            }\n          }\n        }',
        '"createOptions": {}\n            }\n          }\n        }',
      ),
  );
  fs.appendFileSync(
    path.join(dir, "Pulumi.bad.yaml"),
    "    - id: gw-2\n      host: { type: existing, address: 192.0.2.2, user: edge, privateKey: { secure: v1:x } }\n      deploymentManifest: manifests/object-options.json\n",
  );
  const run = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", "scripts/preflight.ts", "--stack", "bad", "--dir", dir, "--json"],
    { cwd: root, encoding: "utf8" },
  );
  expect(run.status).toBe(1);
  const report = JSON.parse(run.stdout);
  expect(report).toEqual({
    stack: "bad",
    ok: false,
    plan: null,
    warnings: [],
    problems: [
      {
        setting: "devices[0].host.privateKey",
        device: "gw-1",
        message: "is required for an existing host (set it as a secret)",
        file: "Pulumi.bad.yaml",
        line: 5,
      },
      {
        setting: "devices[1].deploymentManifest",
        device: "gw-2",
        message:
          'file "manifests/object-options.json": modulesContent.$edgeAgent["properties.desired"].modules.SimulatedTemperatureSensor.settings.createOptions is a JSON object; the deployment schema wants a string holding the JSON: write "createOptions": "{}"',
        file: "Pulumi.bad.yaml",
        line: 9,
      },
    ],
  });
  const annotated = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/preflight-annotations.ts"], {
    cwd: root,
    input: run.stdout,
    encoding: "utf8",
  });
  expect(annotated.status).toBe(1);
  expect(annotated.stdout.trim().split("\n")).toEqual([
    '::error file=Pulumi.bad.yaml,line=5,title=preflight%3A devices[0].host.privateKey::devices[0].host.privateKey (device "gw-1"): is required for an existing host (set it as a secret)',
    `::error file=Pulumi.bad.yaml,line=9,title=preflight%3A devices[1].deploymentManifest::devices[1].deploymentManifest (device "gw-2"): ${report.problems[1].message}`,
  ]);
  const valid = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/preflight.ts", "--stack", "dev", "--json"], {
    cwd: root,
    encoding: "utf8",
  });
  expect(valid.status).toBe(0);
  expect(JSON.parse(valid.stdout)).toMatchObject({
    stack: "dev",
    ok: true,
    problems: [],
    plan: { devices: [{ device: "edge-dev-01" }, { device: "edge-dev-02" }] },
  });
});
