// DeviceBootstrap's wiring under Pulumi mocks: exact children, order, commands, logging and secrets.
import * as pulumi from "@pulumi/pulumi";
import { renderConfigToml } from "../../components/bootstrap/configToml";
import { stepCommands } from "../../components/bootstrap/deviceCommands";
import { scriptBundle } from "../../components/bootstrap/deviceScripts";
import { manualX509Config } from "../../components/bootstrap/configInputs";
import { byName, isSecretValue, RecordedResource, runUnderMocks } from "../../lab/mocks/pulumiMocks";

type Module = typeof import("../../components/bootstrap/bootstrap");

const RUNTIME = {
  preinstalled: false,
  aziotEdgeVersion: "1.6.0-1",
  agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6",
  purgeOnDestroy: false,
};
const CERTS = {
  identityCertPem: "-----BEGIN CERTIFICATE-----\nIDENTITY-1\n-----END CERTIFICATE-----\n",
  identityKeyPem: "-----BEGIN PRIVATE KEY-----\nIDENTITY-KEY-BODY\n-----END PRIVATE KEY-----\n",
  edgeCaCertPem: "-----BEGIN CERTIFICATE-----\nEDGE-CA\n-----END CERTIFICATE-----\n",
  edgeCaKeyPem: "-----BEGIN PRIVATE KEY-----\nEDGE-CA-KEY-BODY\n-----END PRIVATE KEY-----\n",
  trustBundlePem: "-----BEGIN CERTIFICATE-----\nROOT\n-----END CERTIFICATE-----\n",
};
const SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nSSH-KEY-BODY\n-----END OPENSSH PRIVATE KEY-----\n";
const SECRET_BODIES = ["IDENTITY-KEY-BODY", "EDGE-CA-KEY-BODY", "SSH-KEY-BODY"];

const unwrap = (v: any): any => (isSecretValue(v) ? v.value : v);

interface Run {
  resources: RecordedResource[];
  deletedWith: Map<string, string>;
}

/** Builds one DeviceBootstrap (and, for a VM, a stand-in VM resource) and records every registration. */
async function build(kind: "existing" | "vm", certs = CERTS, extra: { hostname?: string } = {}): Promise<Run> {
  const deletedWith = new Map<string, string>();
  const run = await runUnderMocks({}, () => {
    const monitor = (pulumi.runtime as any).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
      deletedWith.set(req.getName(), req.getDeletedwith());
      return register(req, cb);
    };
    const { DeviceBootstrap } = require("../../components/bootstrap/bootstrap") as Module;
    class Vm extends pulumi.CustomResource {}
    const vm = kind === "vm" ? new Vm("test:index:Vm", "edge-01-vm", {}) : undefined;
    new DeviceBootstrap("edge-01-bootstrap", {
      deviceId: "edge-01",
      connection: { host: "198.51.100.7", user: "azureuser", privateKey: SSH_KEY },
      iotHubHostName: "contoso.azure-devices.net",
      certificates: { ...certs, identityKeyPem: pulumi.secret(certs.identityKeyPem), edgeCaKeyPem: pulumi.secret(certs.edgeCaKeyPem) },
      runtime: RUNTIME,
      hostDeletedWithStack: kind === "vm",
      hostResource: vm,
      ...extra,
    });
  });
  return { resources: run.resources, deletedWith };
}

const SCRIPT_STEPS = ["cleanup", "converge"];
const configToml = (hostname?: string) =>
  renderConfigToml(
    manualX509Config({
      deviceId: "edge-01",
      iotHubHostName: "contoso.azure-devices.net",
      hostname,
      agentImage: RUNTIME.agentImage,
      edgeCa: true,
      trustBundle: true,
    }),
  );

describe("existing host", () => {
  let run: Run;
  const step = (s: string) => byName(run.resources, `edge-01-bootstrap-${s}`);
  const depsOf = (s: string) =>
    step(s)
      .dependencies.map((urn) => urn.split("::").pop())
      .sort();
  beforeAll(async () => {
    run = await build("existing");
  });

  test("registers the component and exactly its three steps, parented to it", () => {
    const component = byName(run.resources, "edge-01-bootstrap");
    expect(component.type).toBe("edge:bootstrap:DeviceBootstrap");
    const children = run.resources.filter((r) => r.parent === component.urn);
    expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "command:remote:Command edge-01-bootstrap-cleanup",
      "command:remote:Command edge-01-bootstrap-converge",
      "command:remote:CopyToRemote edge-01-bootstrap-scripts",
    ]);
  });

  test("orders the steps: scripts → cleanup → converge", () => {
    expect(depsOf("scripts")).toEqual([]);
    expect(depsOf("cleanup")).toEqual(["edge-01-bootstrap-scripts"]);
    expect(depsOf("converge")).toEqual(["edge-01-bootstrap-cleanup"]);
  });

  test("converge runs exactly the command the SSH tests run and has no delete; cleanup runs nothing on create", () => {
    const commands = stepCommands(RUNTIME);
    expect(step("converge").inputs.create).toBe(commands.converge(configToml()));
    expect(step("converge").inputs.delete).toBeUndefined();
    expect(step("cleanup").inputs.create).toBeUndefined();
    expect(step("cleanup").inputs.delete).toBe(commands.cleanupDelete);
    for (const s of ["scripts", ...SCRIPT_STEPS]) expect(run.deletedWith.get(`edge-01-bootstrap-${s}`)).toBe("");
  });

  test("the scripts step copies the scripts folder to the bundle's folder; the steps carry the bundle's hash, not the scripts", () => {
    const scripts = step("scripts");
    expect(scripts.inputs.remotePath).toBe(scriptBundle().remotePath);
    expect(scripts.inputs.remotePath).toBe(`.edge-bootstrap/${scriptBundle().sha256}`);
    // A FileArchive by path: the state keeps its path and hash, not the files.
    expect(scripts.inputs.source).toEqual(expect.objectContaining({ path: "scripts/device/" }));
    expect(unwrap(unwrap(scripts.inputs.connection).privateKey)).toBe(SSH_KEY);
    for (const command of [step("converge").inputs.create, step("cleanup").inputs.delete]) {
      expect(command).toContain(` '${scriptBundle().sha256}' `);
      expect(command).not.toContain("require_root");
    }
    // The runner and the config.toml, nothing of the scripts themselves.
    expect(step("cleanup").inputs.delete.length).toBeLessThan(700);
    expect(step("converge").inputs.create.length).toBeLessThan(700 + configToml().length + 100);
  });

  test("the SSH connection keeps the key secret and retries dials long enough for a booting VM", () => {
    for (const s of SCRIPT_STEPS) {
      const connection = step(s).inputs.connection;
      expect(isSecretValue(connection) || isSecretValue(connection.privateKey)).toBe(true);
      const plain = unwrap(connection);
      expect(unwrap(plain.privateKey)).toBe(SSH_KEY);
      expect(plain).toMatchObject({ host: "198.51.100.7", user: "azureuser", dialErrorLimit: 60, perDialTimeout: 15 });
      expect(step(s).inputs.addPreviousOutputInEnv).toBe(false);
    }
  });

  test("certificates go on stdin as a secret, the step logs only stderr and keeps stdin secret in state", () => {
    const converge = step("converge");
    expect(isSecretValue(converge.inputs.stdin)).toBe(true);
    expect(unwrap(converge.inputs.stdin)).toContain(`identity-key 2\n`);
    expect(unwrap(converge.inputs.stdin)).toContain(CERTS.identityKeyPem);
    expect(converge.inputs.logging).toBe("stderr");
    expect(converge.additionalSecretOutputs).toContain("stdin");
  });

  test("config.toml is the converge command's last argument, in plain text; without host.edgeHostname it has no hostname (the host writes its own)", async () => {
    const create: string = step("converge").inputs.create;
    expect(isSecretValue(create)).toBe(false);
    expect(create.endsWith(` '${configToml()}'`)).toBe(true);
    expect(configToml()).not.toMatch(/^hostname = /m);
    const named = await build("existing", CERTS, { hostname: "gw-01.plant.example" });
    const converge = byName(named.resources, "edge-01-bootstrap-converge");
    expect(converge.inputs.create).toBe(stepCommands(RUNTIME).converge(configToml("gw-01.plant.example")));
    expect(converge.inputs.create).toContain('\nhostname = "gw-01.plant.example"\n');
  });

  test("no step has triggers: any change of its inputs updates the converge step, which runs again, rather than replacing it", () => {
    for (const s of ["scripts", ...SCRIPT_STEPS]) expect(step(s).inputs.triggers).toBeUndefined();
  });

  test("no private key appears in any plain (non-secret) input", () => {
    const plainText = JSON.stringify(
      run.resources.map((r) => r.inputs),
      (_, v) => (isSecretValue(v) ? "<secret>" : v),
    );
    for (const body of SECRET_BODIES) expect(plainText).not.toContain(body);
  });

  test("a changed certificate changes only the converge step's stdin", async () => {
    const rotated = await build("existing", { ...CERTS, identityCertPem: CERTS.identityCertPem.replace("IDENTITY-1", "IDENTITY-2") });
    const changed = ["scripts", ...SCRIPT_STEPS].flatMap((s) => {
      const before = step(s).inputs;
      const after = byName(rotated.resources, `edge-01-bootstrap-${s}`).inputs;
      return Object.keys({ ...before, ...after })
        .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
        .map((k) => `${s}.${k}`);
    });
    expect(changed).toEqual(["converge.stdin"]);
  });
});

describe("VM deleted with the stack", () => {
  let run: Run;
  beforeAll(async () => {
    run = await build("vm");
  });

  test("has no cleanup step, so destroy never waits on a host that is going away", () => {
    const names = run.resources
      .filter((r) => r.type === "command:remote:Command")
      .map((r) => r.name)
      .sort();
    expect(names).toEqual(["edge-01-bootstrap-converge"]);
    const converge = byName(run.resources, "edge-01-bootstrap-converge");
    expect(converge.dependencies.map((u) => u.split("::").pop())).toEqual(["edge-01-bootstrap-scripts"]);
  });

  test("every step is deletedWith the VM", () => {
    const vmUrn = byName(run.resources, "edge-01-vm").urn;
    for (const s of ["scripts", "converge"]) expect(run.deletedWith.get(`edge-01-bootstrap-${s}`)).toBe(vmUrn);
  });
});

describe("validation", () => {
  test.each([
    [{ deviceId: "bad id" }, "device bad id: deviceId may contain only letters"],
    [
      { runtime: { ...RUNTIME, aziotEdgeVersion: "1.6; rm -rf /" } },
      'runtime.aziotEdgeVersion "1.6; rm -rf /" is not a Debian package version',
    ],
    [
      { runtime: { ...RUNTIME, aziotEdgeVersion: "1.7.0-1" } },
      "runtime.aziotIdentityServiceVersion is required with aziotEdgeVersion 1.7.0-1",
    ],
    [
      { runtime: { ...RUNTIME, aziotIdentityServiceVersion: "1.6.0-1 x" } },
      'runtime.aziotIdentityServiceVersion "1.6.0-1 x" is not a Debian package version',
    ],
    [
      { runtime: { ...RUNTIME, preinstalled: true, purgeOnDestroy: true } },
      "runtime.purgeOnDestroy cannot be true with runtime.preinstalled",
    ],
    [
      { certificates: { identityCertPem: "c", identityKeyPem: "k", edgeCaCertPem: "ca" } },
      "certificates: give both edgeCaCertPem and edgeCaKeyPem, or neither",
    ],
    [{ timeouts: { healthSeconds: 0 } }, "timeouts.healthSeconds must be a positive whole number of seconds"],
  ])("refuses %j before creating any step", async (override, message) => {
    let thrown: Error | undefined;
    const run = await runUnderMocks({}, () => {
      const { DeviceBootstrap } = require("../../components/bootstrap/bootstrap") as Module;
      try {
        new DeviceBootstrap("b", {
          deviceId: "edge-01",
          connection: { host: "h", privateKey: "k" },
          iotHubHostName: "hub",
          certificates: CERTS,
          runtime: RUNTIME,
          hostDeletedWithStack: false,
          ...override,
        } as any);
      } catch (e) {
        thrown = e as Error;
      }
    });
    expect(thrown?.message).toContain(message);
    expect(run.resources.filter((r) => r.type === "command:remote:Command")).toEqual([]);
  });
});
