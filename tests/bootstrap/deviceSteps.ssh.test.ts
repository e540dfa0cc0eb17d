// The bootstrap's real device scripts, run over real SSH on local test hosts (lab/hosts) with
// exactly the commands, stdin and triggers DeviceBootstrap gives remote.Command. The slow fault
// cases (slowFaults.ts) start first, on hosts of their own, and are checked at the end.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { DEVICE_FILES } from "../../components/bootstrap/devicePaths";
import { StepName } from "../../components/bootstrap/steps";
import { BootstrapRun, plannedSteps, runBootstrap, runCleanupDelete, stageScripts } from "../../lab/hosts/bootstrapOverSsh";
import { SCRIPT_DIR, scriptBundle, STAGING_ROOT } from "../../components/bootstrap/deviceScripts";
import { RemoteCommandError, RunResult, runRemoteCommand } from "../../lab/hosts/sshRunner";
import { makeDeviceCertificates } from "../../lab/hosts/testCertificates";
import { DEFAULT_STANDIN_RUNTIME, DEVICE_BASHRC, TestHost } from "../../lab/hosts/testHost";
import { BOOT_DIAL_ERROR_LIMIT } from "../../components/bootstrap/connection";
import { withBootRetries } from "../../lab/hosts/bootstrapOverSsh";
import {
  APT_LOCK_SECONDS,
  AptLockOutcome,
  aptLockScenario,
  ListsLockOutcome,
  listsLockScenario,
  SSHD_REFUSAL_SECONDS,
  SshdRefusalOutcome,
  sshdRefusalScenario,
} from "./slowFaults";

jest.setTimeout(60_000);

let lockHost: TestHost;
let sshdHost: TestHost;
let listsHost: TestHost;
let slow: Promise<[AptLockOutcome, SshdRefusalOutcome, ListsLockOutcome]>;
beforeAll(async () => {
  [lockHost, sshdHost, listsHost] = await Promise.all([
    TestHost.start({ address: "127.0.5.20", name: "apt-lock" }),
    TestHost.start({ address: "127.0.5.21", name: "sshd-refusal" }),
    TestHost.start({
      address: "127.0.5.22",
      name: "lists-lock",
      packageRepo: { ...DEFAULT_STANDIN_RUNTIME, newerIdentityServiceVersion: "1.6.1-1" },
    }),
  ]);
  // Started, not awaited: they run while the cases below do.
  slow = Promise.all([aptLockScenario(lockHost), sshdRefusalScenario(sshdHost), listsLockScenario(listsHost)]);
  slow.catch(() => undefined);
});
afterAll(() => Promise.all([lockHost?.stop(), sshdHost?.stop(), listsHost?.stop()]));

/** The stand-in is healthy at once; the seconds are whole-second clock readings, so 0 or 1 (2 on a loaded machine). */
const APPLIED_HEALTHY = /^apply: applied \(healthy after [0-2]s\)$/;
/** What each step prints on a fresh host with the stand-in runtime installed. */
const FRESH_HOST_SUMMARIES = {
  wait: expect.stringMatching(/^wait: ready \(cloud-init: not present; host name [a-z0-9-]+\)$/),
  install: "install: skipped (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1 already installed)",
  cleanup: "cleanup: registered",
  certs: "certs: changed identity-cert identity-key edge-ca-cert edge-ca-key trust-bundle",
  config: "config: changed /etc/aziot/config.toml",
  apply: expect.stringMatching(APPLIED_HEALTHY),
};
const RUNTIME = {
  aziotEdgeVersion: "1.6.0-1",
  mobyEngineVersion: "25.0.5-1",
  preinstalled: false,
  agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6",
};
const firstCerts = makeDeviceCertificates("edge-ssh-01");
const secondCerts = makeDeviceCertificates("edge-ssh-01");

const summaries = (r: Partial<Record<StepName, RunResult>>) =>
  Object.fromEntries(Object.entries(r).map(([step, res]) => [step, res!.stdout.trim()]));
const ownerMode = (p: string) => {
  const st = statSync(p);
  const names = (file: string) =>
    new Map(
      readFileSync(file, "utf8")
        .split("\n")
        .map((l) => [Number(l.split(":")[2]), l.split(":")[0]] as const),
    );
  return `${names("/etc/passwd").get(st.uid)}:${names("/etc/group").get(st.gid)} ${(st.mode & 0o777).toString(8)}`;
};
/** Private key bodies: must never appear in any step output. */
const keyBodies = (c: typeof firstCerts) =>
  [c.identityKeyPem, c.edgeCaKeyPem].flatMap((pem) => [pem.split("\n")[1], Buffer.from(pem).toString("base64").slice(0, 40)]);
const expectNoSecrets = (results: Array<RunResult | undefined>, c: typeof firstCerts) => {
  const output = results.map((r) => `${r?.stdout ?? ""}${r?.stderr ?? ""}`).join("\n");
  for (const body of keyBodies(c)) expect(output).not.toContain(body);
};
function filesUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(root, e.name)) : [join(root, e.name)],
  );
}

describe("existing host: provision, re-run, rotate, destroy", () => {
  let host: TestHost;
  let run: BootstrapRun;
  beforeAll(async () => {
    host = await TestHost.start({ address: "127.0.5.10", name: "steps" });
    run = {
      connection: host.connection,
      deviceId: "edge-ssh-01",
      iotHubHostName: "hub.azure-devices.net",
      certificates: firstCerts,
      runtime: RUNTIME,
    };
  });
  afterAll(() => host?.stop());

  test("fresh host → provisioned: files placed with aziot owners and modes, config applied, runtime healthy", async () => {
    const r = await runBootstrap(run);
    expect(summaries(r)).toEqual(FRESH_HOST_SUMMARIES);
    for (const f of Object.values(DEVICE_FILES)) expect(ownerMode(host.path(f.path))).toBe(`${f.owner} ${f.mode}`);
    expect(ownerMode(host.path("/var/aziot/certs"))).toBe("aziotcs:aziotcs 755");
    expect(ownerMode(host.path("/var/aziot/secrets"))).toBe("aziotks:aziotks 700");
    expect(ownerMode(host.path("/etc/aziot/config.toml"))).toBe("root:root 600");
    expect(readFileSync(host.path(DEVICE_FILES["identity-key"].path), "utf8")).toBe(firstCerts.identityKeyPem);
    expect(readFileSync(host.path("/etc/aziot/config.toml"), "utf8")).toBe(plannedSteps(run, host.hostname).config.stdin);
    expect(host.iotedgeCalls()).toEqual(["config apply", "system status"]);
    // The scripts the steps ran: staged once, in the SSH user's home, in the folder of the bundle's hash.
    expect(readdirSync(host.path(join(host.home, STAGING_ROOT)))).toEqual([scriptBundle().sha256]);
    for (const [name, text] of Object.entries(scriptBundle().files)) {
      expect(readFileSync(host.path(join(host.home, scriptBundle().remotePath, name)), "utf8")).toBe(text);
    }
    expect(r.certs!.stderr).toContain(
      "edge-bootstrap[certs]: placed identity-key at /var/aziot/secrets/device-identity.key.pem (aziotks:aziotks 0600)",
    );
    expectNoSecrets(Object.values(r), firstCerts);
  });

  test("second run → nothing changed: every step reports a skip, no apply, no file rewritten", async () => {
    const inodes = Object.values(DEVICE_FILES).map((f) => statSync(host.path(f.path)).ino);
    const r = await runBootstrap(run);
    expect(summaries(r)).toEqual({
      wait: "wait: ready (cloud-init: not present; host name steps)",
      install: "install: skipped (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1 already installed)",
      cleanup: "cleanup: unchanged (already registered)",
      certs: "certs: unchanged identity-cert identity-key edge-ca-cert edge-ca-key trust-bundle",
      config: "config: unchanged /etc/aziot/config.toml",
      apply: "apply: skipped (unchanged since last apply, healthy)",
    });
    expect(Object.values(DEVICE_FILES).map((f) => statSync(host.path(f.path)).ino)).toEqual(inodes);
    expect(host.iotedgeCalls().filter((c) => c === "config apply")).toHaveLength(1);
  });

  test("changed certificate → only the certificate and apply steps re-run", async () => {
    const rotated: BootstrapRun = {
      ...run,
      certificates: { ...firstCerts, identityCertPem: secondCerts.identityCertPem, identityKeyPem: secondCerts.identityKeyPem },
    };
    // What the engine sees: the inputs of each step before and after. Only certs (stdin) and apply (triggers) differ.
    const before = plannedSteps(run, host.hostname);
    const after = plannedSteps(rotated, host.hostname);
    const changed = (Object.keys(after) as StepName[]).filter((s) => JSON.stringify(before[s]) !== JSON.stringify(after[s]));
    expect(changed).toEqual(["certs", "apply"]);
    expect(after.apply.triggers).not.toEqual(before.apply.triggers);

    const configInode = statSync(host.path("/etc/aziot/config.toml")).ino;
    const r = await runBootstrap(rotated, changed);
    expect(summaries(r)).toEqual({
      certs: "certs: changed identity-cert identity-key; unchanged edge-ca-cert edge-ca-key trust-bundle",
      apply: expect.stringMatching(APPLIED_HEALTHY),
    });
    expect(readFileSync(host.path(DEVICE_FILES["identity-cert"].path), "utf8")).toBe(secondCerts.identityCertPem);
    expect(statSync(host.path("/etc/aziot/config.toml")).ino).toBe(configInode);
    expect(host.iotedgeCalls().filter((c) => c === "config apply")).toHaveLength(2);
    expectNoSecrets(Object.values(r), secondCerts);
    run = rotated;
  });

  test("destroy → host clean: runtime stopped, module containers, config, derived configs, certificates, keys, keyd/certd material and state removed", async () => {
    // What the running runtime made: keyd/certd material (edgeHub's server key among it) and edgeAgent's containers.
    expect(readdirSync(host.path("/var/lib/aziot/keyd/keys"))).toContain("aziot-edged-module-edgeHub-server.key");
    expect(host.containers()).toEqual([
      "edgeAgent mcr.microsoft.com/azureiotedge-agent:1.6",
      "edgeHub mcr.microsoft.com/azureiotedge-hub:1.6",
    ]);
    // A container that is not edgeAgent's stays.
    await runRemoteCommand(host.connection, "docker create --name operator-tool --label purpose=ops busybox");
    const r = await runCleanupDelete(run);
    expect(r.stdout.trim()).toBe("cleanup: removed 16 files (runtime: stopped; module containers: 2 removed)");
    expect(r.stderr).toMatch(
      /removed the module containers edgeAgent created: [0-9a-f]{12} [0-9a-f]{12} \(label net\.azure-devices\.edge\.owner=Microsoft\.Azure\.Devices\.Edge\.Agent\)/,
    );
    expect(host.iotedgeCalls().slice(-1)).toEqual(["system stop"]);
    expect(host.containers()).toEqual(["operator-tool busybox"]);
    expect(filesUnder(host.path("/etc/aziot"))).toEqual([]);
    expect(readdirSync(host.path("/var/aziot"))).toEqual([]);
    expect(readdirSync(host.path("/var/lib/aziot/keyd"))).toEqual([]);
    expect(readdirSync(host.path("/var/lib/aziot/certd"))).toEqual([]);
    expect(readdirSync(host.path("/var/lib/edge-bootstrap"))).toEqual([]);
    // Last, the staged scripts it ran from.
    expect(existsSync(host.path(join(host.home, STAGING_ROOT)))).toBe(false);
    expect(r.stderr).toContain(`edge-bootstrap[cleanup]: removed the staged device scripts (${host.home}/${STAGING_ROOT})\n`);
    // runtime.purgeOnDestroy is not set: the packages stay, held as the install step left them.
    expect((await runRemoteCommand(host.connection, "dpkg -s aziot-edge")).stdout).toMatch(/^Status: hold ok installed$/m);
    // Running it again (a retried destroy, which finds the scripts: a cleanup that failed never got to remove them) is harmless.
    await stageScripts(host.connection);
    expect((await runCleanupDelete(run)).stdout.trim()).toBe("cleanup: removed 0 files (runtime: stopped; module containers: none)");
  });
});

test("a command over SSH sources the test host's device .bashrc, not this machine's (developer tools would run on every step)", async () => {
  const r = await runRemoteCommand(lockHost.connection, "cat ~/.bashrc 2>/dev/null || echo 'no .bashrc'");
  expect(r.stdout).toBe(DEVICE_BASHRC);
});

describe("a non-root SSH user, as on an Azure VM: the steps run through sudo -n", () => {
  let admin: TestHost;
  let noSudo: TestHost;
  beforeAll(async () => {
    [admin, noSudo] = await Promise.all([
      TestHost.start({ address: "127.0.5.30", name: "sudo-user", loginUser: { name: "edge-admin" } }),
      TestHost.start({ address: "127.0.5.31", name: "no-sudo-user", loginUser: { name: "edge-admin", sudo: false } }),
    ]);
  });
  afterAll(() => Promise.all([admin?.stop(), noSudo?.stop()]));
  const runAs = (host: TestHost): BootstrapRun => ({
    connection: host.connection,
    deviceId: "edge-ssh-01",
    iotHubHostName: "hub.azure-devices.net",
    certificates: firstCerts,
    runtime: RUNTIME,
  });

  test("with passwordless sudo: provisioned as for root (files with aziot owners and modes), and destroy cleans up", async () => {
    expect(admin.connection.user).toBe("edge-admin");
    expect((await runRemoteCommand(admin.connection, "id -un")).stdout).toBe("edge-admin\n");
    const r = await runBootstrap(runAs(admin));
    expect(summaries(r)).toEqual(FRESH_HOST_SUMMARIES);
    for (const f of Object.values(DEVICE_FILES)) expect(ownerMode(admin.path(f.path))).toBe(`${f.owner} ${f.mode}`);
    expect(ownerMode(admin.path("/etc/aziot/config.toml"))).toBe("root:root 600");
    // The copy runs as the SSH user: the staged scripts are that user's.
    expect(ownerMode(admin.path(join(admin.home, scriptBundle().remotePath, "common.sh")))).toMatch(/^edge-admin:edge-admin /);
    expectNoSecrets(Object.values(r), firstCerts);
    expect((await runCleanupDelete(runAs(admin))).stdout.trim()).toBe(
      "cleanup: removed 16 files (runtime: stopped; module containers: 2 removed)",
    );
    expect(existsSync(admin.path(join(admin.home, STAGING_ROOT)))).toBe(false);
    expect(filesUnder(admin.path("/etc/aziot"))).toEqual([]);
    expect(filesUnder(admin.path("/var/lib/aziot/keyd"))).toEqual([]);
    expect(admin.containers()).toEqual([]);
  });

  test("without passwordless sudo: the first step stops, saying what the user needs, and nothing is written as root", async () => {
    const error = (await runBootstrap(runAs(noSudo)).catch((e: RemoteCommandError) => e)) as RemoteCommandError;
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.result?.stderr.trim()).toBe("edge-bootstrap: error: the SSH user 'edge-admin' needs passwordless sudo");
    expect(error.result?.stdout).toBe("");
    expect(readdirSync(noSudo.path("/var/lib/edge-bootstrap"))).toEqual([]);
    expect(filesUnder(noSudo.path("/etc/aziot"))).toEqual([]);
    // Only the copy of the scripts, which runs as the SSH user, went through: into that user's home.
    expect(readdirSync(noSudo.path(join(noSudo.home, STAGING_ROOT)))).toEqual([scriptBundle().sha256]);
  });
});

describe("the staged scripts: a changed script is staged again and its steps re-run; a damaged copy is refused", () => {
  let host: TestHost;
  let run: BootstrapRun;
  let changed: BootstrapRun;
  let copy: string;
  beforeAll(async () => {
    host = await TestHost.start({ address: "127.0.5.15", name: "bundle" });
    run = {
      connection: host.connection,
      deviceId: "edge-ssh-05",
      iotHubHostName: "hub.azure-devices.net",
      certificates: makeDeviceCertificates("edge-ssh-05"),
      runtime: RUNTIME,
    };
    // The scripts as after an edit of one of them (a comment added to apply-config.sh).
    copy = mkdtempSync(join(tmpdir(), "edge-scripts-"));
    cpSync(SCRIPT_DIR, copy, { recursive: true });
    writeFileSync(join(copy, "apply-config.sh"), `${readFileSync(join(copy, "apply-config.sh"), "utf8")}# edited\n`);
    changed = { ...run, bundle: scriptBundle(copy) };
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(copy, { recursive: true, force: true });
  });
  const staged = () => readdirSync(host.path(join(host.home, STAGING_ROOT))).sort();

  test("a changed script → a new bundle hash: every step's command changes (the engine re-runs them all) and re-running them changes nothing", async () => {
    expect(summaries(await runBootstrap(run))).toEqual(FRESH_HOST_SUMMARIES);
    const before = plannedSteps(run, host.hostname);
    const after = plannedSteps(changed, host.hostname);
    expect(Object.keys(after).filter((s) => after[s as StepName].command === before[s as StepName].command)).toEqual([]);
    // Everything else a step carries is the same.
    for (const s of Object.keys(after) as StepName[]) expect({ ...after[s], command: "" }).toEqual({ ...before[s], command: "" });

    const r = await runBootstrap(changed);
    expect(staged()).toEqual([scriptBundle().sha256, changed.bundle!.sha256].sort());
    expect(summaries(r)).toEqual({
      wait: "wait: ready (cloud-init: not present; host name bundle)",
      install: "install: skipped (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1 already installed)",
      cleanup: "cleanup: unchanged (already registered)",
      certs: "certs: unchanged identity-cert identity-key edge-ca-cert edge-ca-key trust-bundle",
      config: "config: unchanged /etc/aziot/config.toml",
      apply: "apply: skipped (unchanged since last apply, healthy)",
    });
    expect(host.iotedgeCalls().filter((c) => c === "config apply")).toHaveLength(1);
  });

  test("a staged script edited on the host → the step refuses before running anything, saying how to stage again; staging again fixes it", async () => {
    const common = host.path(join(host.home, changed.bundle!.remotePath, "common.sh"));
    writeFileSync(common, `${readFileSync(common, "utf8")}echo tampered\n`);
    const error = (await runBootstrap(changed, ["wait"]).catch((e: RemoteCommandError) => e)) as RemoteCommandError;
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.result?.stdout).toBe("");
    expect(error.result?.stderr).toBe(
      `edge-bootstrap[wait-ready]: error: the staged scripts ${host.home}/${changed.bundle!.remotePath} are missing or changed; ` +
        "copy them again: pulumi up --replace <URN of its -bootstrap-scripts>\n",
    );
    await stageScripts(host.connection, changed.bundle);
    expect((await runBootstrap(changed, ["wait"])).wait!.stdout.trim()).toBe("wait: ready (cloud-init: not present; host name bundle)");
  });
});

describe("failures and host kinds", () => {
  let host: TestHost;
  let bare: TestHost;
  beforeAll(async () => {
    [host, bare] = await Promise.all([
      TestHost.start({ address: "127.0.5.11", name: "faults" }),
      // An old release: an install attempt stops at the distribution check, before any download.
      TestHost.start({ address: "127.0.5.12", name: "bare", runtime: null, cloudInit: true, osRelease: 'ID=ubuntu\nVERSION_ID="18.04"\n' }),
    ]);
  });
  afterAll(() => Promise.all([host?.stop(), bare?.stop()]));
  const runOn = (h: TestHost, extra: Partial<BootstrapRun> = {}): BootstrapRun => ({
    connection: h.connection,
    deviceId: "edge-ssh-02",
    iotHubHostName: "hub.azure-devices.net",
    certificates: makeDeviceCertificates("edge-ssh-02"),
    runtime: RUNTIME,
    hostDeletedWithStack: true,
    ...extra,
  });

  test("a VM deleted with the stack gets no cleanup step", async () => {
    const r = await runBootstrap(runOn(host));
    expect(Object.keys(r).sort()).toEqual(["apply", "certs", "config", "install", "wait"]);
    expect(readdirSync(host.path("/var/lib/edge-bootstrap"))).toEqual(["applied.sha256"]);
  });

  test("a bad config → the apply step fails with the runtime's message", async () => {
    const bad = runOn(host, { configTomlOverride: `hostname = "${host.hostname}"\n[provisioning\nsource = "manual"\n` });
    const error = await runBootstrap(bad).catch((e: RemoteCommandError) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    const result = (error as RemoteCommandError).result!;
    expect(result.stderr).toContain("Error: could not parse config file /etc/aziot/config.toml");
    expect(result.stderr).toContain(
      "edge-bootstrap[apply]: error: iotedge config apply failed: Error: could not parse config file /etc/aziot/config.toml",
    );
    expect(host.iotedgeCalls().slice(-1)).toEqual(["config apply"]);
  });

  test("a key that does not match its certificate → apply fails naming it", async () => {
    const certs = makeDeviceCertificates("edge-ssh-02");
    const mismatched = runOn(host, { certificates: { ...certs, identityKeyPem: makeDeviceCertificates("other").identityKeyPem } });
    const error = (await runBootstrap(mismatched).catch((e: RemoteCommandError) => e)) as RemoteCommandError;
    expect(error.result?.stderr).toContain("caused by: identity: the private key does not match the certificate");
  });

  test("runtime.preinstalled on a host without the runtime → install fails saying what to do", async () => {
    const error = (await runBootstrap(runOn(bare, { runtime: { ...RUNTIME, preinstalled: true } }), ["wait", "install"]).catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    expect(error.result?.stderr).toContain(
      "edge-bootstrap[install]: error: runtime.preinstalled is true but aziot-edge is not installed on this host; install it or set runtime.preinstalled to false",
    );
  });

  test("no runtime on an unsupported release → install fails naming the release, downloads nothing", async () => {
    const error = (await runBootstrap(runOn(bare), ["install"]).catch((e: RemoteCommandError) => e)) as RemoteCommandError;
    expect(error.result?.stderr).toContain(
      "edge-bootstrap[install]: error: unsupported distribution ubuntu 18.04: IoT Edge 1.6 supports Ubuntu 22.04/24.04 and Debian 12",
    );
    expect(error.result?.stderr).not.toContain("adding Microsoft package repository");
  });

  test("cloud-init still running → the wait step waits until it is done", async () => {
    bare.cloudInitRunningFor(2);
    const r = await runBootstrap(runOn(bare), ["wait"]);
    expect(r.wait!.stdout.trim()).toBe("wait: ready (cloud-init: done; host name bare)");
    expect(r.wait!.stderr).toContain("edge-bootstrap[wait]: waiting for cloud-init to finish (at most 1200s)");
    expect(r.wait!.seconds).toBeGreaterThanOrEqual(1);
  });

  test("a runtime slow to report healthy → apply waits for it; past the bound → apply fails saying so", async () => {
    const delayFile = host.path("/var/lib/aziot/iotedge-standin/start-delay-seconds");
    writeFileSync(delayFile, "2");
    const slow = await runBootstrap(runOn(host), ["certs", "apply"]);
    expect(slow.apply!.stdout.trim()).toMatch(/^apply: applied \(healthy after [1-4]s\)$/);
    writeFileSync(delayFile, "60");
    const error = (await runBootstrap(runOn(host, { timeouts: { healthSeconds: 2 } }), ["certs", "apply"]).catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    expect(error.result?.stderr).toContain("aziot-edged             Down - activating");
    expect(error.result?.stderr).toContain(
      "edge-bootstrap[apply]: error: the runtime did not become healthy within 2s; run 'iotedge check' and 'iotedge system logs' on the host",
    );
    rmSync(delayFile);
  });

  test("aziot-edged Ready (systemd inactive: stopped) → apply does not count it healthy; a stopped runtime is applied again, not skipped", async () => {
    const run = runOn(host);
    const stops = host.path("/var/lib/aziot/iotedge-standin/edged-stops");
    writeFileSync(stops, "");
    const error = (await runBootstrap({ ...run, timeouts: { healthSeconds: 2 } }, ["certs", "apply"]).catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.result?.stderr).toContain("    aziot-edged             Ready\n    aziot-identityd         Running\n");
    expect(error.result?.stderr).toContain("edge-bootstrap[apply]: error: the runtime did not become healthy within 2s");
    rmSync(stops);
    expect((await runBootstrap(run, ["apply"])).apply!.stdout.trim()).toMatch(APPLIED_HEALTHY);
    // Stopped on the host (every service then reads Ready): the next run applies again instead of skipping.
    await runRemoteCommand(host.connection, "iotedge system stop");
    expect((await runRemoteCommand(host.connection, "iotedge system status")).stdout).toContain("    aziot-edged             Ready\n");
    expect((await runBootstrap(run, ["apply"])).apply!.stdout.trim()).toMatch(APPLIED_HEALTHY);
  });

  test.each([
    ["an unknown file name", (p: string) => `other-file 1\n${p}`, "unknown file name 'other-file' in the certificate payload"],
    [
      "a block number past the blocks",
      (p: string) => p.replace("identity-key 2\n", "identity-key 9\n"),
      "identity-key names PEM block 9, which the certificate payload does not have",
    ],
    ["a file with no block", (p: string) => p.replace("identity-key 2\n", "identity-key\n"), "empty content for identity-key"],
    ["a cut-off block", (p: string) => p.slice(0, p.lastIndexOf("-----END")), "the certificate payload ends inside a PEM block"],
  ])("a certificate payload with %s → the certs step refuses, naming it, before placing that file", async (_, edit, message) => {
    const run = runOn(host, { certificates: makeDeviceCertificates("edge-ssh-02") });
    await runBootstrap(run, ["certs"]);
    const step = plannedSteps(run, host.hostname).certs;
    const error = (await runRemoteCommand(withBootRetries(host.connection), step.command, { stdin: edit(step.stdin!) }).catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.result?.stderr).toContain(`edge-bootstrap[certs]: error: ${message}\n`);
    expect(error.result?.stdout).toBe("");
  });

  test("preinstalled host with the runtime → install skipped as preinstalled", async () => {
    const r = await runBootstrap(runOn(host, { runtime: { ...RUNTIME, preinstalled: true } }), ["install"]);
    expect(r.install!.stdout.trim()).toBe("install: skipped (preinstalled: aziot-edge 1.6.0-1)");
  });
});

describe("install from the package repository (stand-in packages configured as Microsoft's, a newer identity service offered)", () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await TestHost.start({
      address: "127.0.5.13",
      name: "repo",
      packageRepo: { ...DEFAULT_STANDIN_RUNTIME, newerIdentityServiceVersion: "1.6.1-1" },
    });
  });
  afterAll(() => host?.stop());
  const runOn = (
    runtime: Partial<typeof RUNTIME> & { aziotIdentityServiceVersion?: string; purgeOnDestroy?: boolean } = {},
  ): BootstrapRun => ({
    connection: host.connection,
    deviceId: "edge-ssh-03",
    iotHubHostName: "hub.azure-devices.net",
    certificates: makeDeviceCertificates("edge-ssh-03"),
    runtime: { ...RUNTIME, ...runtime },
  });
  const packages = async () =>
    (
      await runRemoteCommand(
        host.connection,
        "dpkg-query -W -f='${Package} ${Version} ${Status}\\n' moby-engine aziot-edge aziot-identity-service 2>&1 || true",
      )
    ).stdout;
  const held = async () => (await runRemoteCommand(host.connection, "apt-mark showhold")).stdout;

  test("moby-engine goes in first; a pinned aziot-edge the repository lacks → install fails with apt's message", async () => {
    const error = (await runBootstrap(runOn({ aziotEdgeVersion: "1.6.9-1", aziotIdentityServiceVersion: "1.6.0-1" }), [
      "wait",
      "install",
    ]).catch((e: RemoteCommandError) => e)) as RemoteCommandError;
    const log = error.result?.stderr ?? "";
    expect(log).toContain("edge-bootstrap[install]: skipped: Microsoft package repository already configured");
    expect(log.indexOf("edge-bootstrap[install]: installing moby-engine=25.0.5-1")).toBeGreaterThan(-1);
    expect(log.indexOf("edge-bootstrap[install]: installing moby-engine=25.0.5-1")).toBeLessThan(
      log.indexOf("installing aziot-edge=1.6.9-1"),
    );
    expect(log).toContain("Version '1.6.9-1' for 'aziot-edge' was not found");
    const status = await packages();
    expect(status).toContain("moby-engine 25.0.5-1 install ok installed");
    expect(status).not.toContain("aziot-edge 1.6.9-1");
  });

  test("the right pins → aziot-edge and the identity service it depends on, in one command although a newer one is offered; both held; the bootstrap runs on it; a re-run skips", async () => {
    const r = await runBootstrap(runOn());
    expect(r.install!.stdout.trim()).toBe(
      "install: installed aziot-edge aziot-identity-service (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1)",
    );
    expect(r.install!.stderr).toContain("edge-bootstrap[install]: skipped: moby-engine 25.0.5-1 already installed");
    expect(r.install!.stderr).toContain("edge-bootstrap[install]: installing aziot-edge=1.6.0-1 aziot-identity-service=1.6.0-1\n");
    expect(r.install!.stderr).toContain(
      "edge-bootstrap[install]: held aziot-edge aziot-identity-service at their installed versions (apt-mark hold)",
    );
    expect(r.apply!.stdout.trim()).toMatch(APPLIED_HEALTHY);
    expect(await held()).toBe("aziot-edge\naziot-identity-service\n");
    // What unattended-upgrades would do: the held pair stays, although 1.6.1-1 of both is offered.
    const upgrade = await runRemoteCommand(host.connection, "apt-get -s upgrade");
    expect(upgrade.stdout).toMatch(/^0 upgraded/m);
    const again = await runBootstrap(runOn(), ["install"]);
    expect(again.install!.stdout.trim()).toBe(
      "install: skipped (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1 already installed)",
    );
    expect(again.install!.stderr).toContain("edge-bootstrap[install]: skipped: aziot-edge aziot-identity-service already held");
  });

  test("an intended upgrade (both pins changed) → the hold is released for it, both upgraded together, held again", async () => {
    const r = await runBootstrap(runOn({ aziotEdgeVersion: "1.6.1-1", aziotIdentityServiceVersion: "1.6.1-1" }), ["install"]);
    expect(r.install!.stderr).toContain(
      "edge-bootstrap[install]: released the hold on aziot-edge aziot-identity-service for the pinned versions",
    );
    expect(r.install!.stdout.trim()).toBe(
      "install: installed aziot-edge aziot-identity-service (aziot-edge 1.6.1-1, aziot-identity-service 1.6.1-1, moby-engine 25.0.5-1)",
    );
    expect(await held()).toBe("aziot-edge\naziot-identity-service\n");
    expect(await packages()).toContain("aziot-identity-service 1.6.1-1 hold ok installed");
  });

  test("apt-get update failing once (the repository unreadable for a moment) → retried with backoff; a downgrade of both pins goes through", async () => {
    const index = join(host.dir, "standin-packages", "repo", "Packages");
    renameSync(index, `${index}.away`);
    const back = new Promise<void>((resolve) => setTimeout(() => (renameSync(`${index}.away`, index), resolve()), 1000));
    const r = await runBootstrap(runOn({ aziotEdgeVersion: "1.6.0-1", aziotIdentityServiceVersion: "1.6.0-1" }), ["install"]);
    await back;
    expect(r.install!.stderr).toContain("edge-bootstrap[install]: apt-get update failed (attempt 1 of 5); retrying in 2s");
    expect(r.install!.stdout.trim()).toBe(
      "install: installed aziot-edge aziot-identity-service (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1)",
    );
    expect(await held()).toBe("aziot-edge\naziot-identity-service\n");
  });

  test("runtime.purgeOnDestroy → destroy releases the hold and purges aziot-edge and aziot-identity-service; moby-engine stays", async () => {
    const run = runOn({ purgeOnDestroy: true });
    const r = await runCleanupDelete(run);
    expect(r.stdout.trim()).toMatch(
      /^cleanup: removed \d+ files \(runtime: stopped; module containers: (none|\d+ removed); packages: purged aziot-edge aziot-identity-service\)$/,
    );
    const edge = await runRemoteCommand(host.connection, "dpkg -s aziot-edge 2>&1 || true");
    expect(edge.stdout).toContain("package 'aziot-edge' is not installed");
    expect((await runRemoteCommand(host.connection, "dpkg -s aziot-identity-service 2>&1 || true")).stdout).toContain("is not installed");
    expect(await held()).toBe("");
    expect(await packages()).toContain("moby-engine 25.0.5-1 install ok installed");
    // A retried destroy (the scripts still there, see above) finds nothing left to purge.
    await stageScripts(host.connection);
    expect((await runCleanupDelete(run)).stdout.trim()).toMatch(/packages: none to purge\)$/);
  });
});

describe("slow faults (started first, on their own hosts)", () => {
  test(`apt lock held for ${APT_LOCK_SECONDS} s → the install step waits for it and succeeds; a shorter bound fails clearly`, async () => {
    const [lock] = await slow;
    expect(lock.seconds).toBeGreaterThanOrEqual(APT_LOCK_SECONDS - 1);
    expect(lock.waited.stdout.trim()).toBe(
      "install: skipped (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1 already installed)",
    );
    expect(lock.waited.stderr).toMatch(
      /edge-bootstrap\[install\]: \/var\/lib\/dpkg\/lock-frontend held by pid \d+ \(perl\); waiting for it \(at most 600s\)\n/,
    );
    expect(lock.waited.stderr).toMatch(/edge-bootstrap\[install\]: package manager free again after \d+s\n/);
    expect((lock.bounded as RemoteCommandError).result?.stderr).toMatch(
      /edge-bootstrap\[install\]: error: the package manager stayed locked for 3s: \/var\/lib\/dpkg\/lock-frontend held by pid \d+ \(another apt\/dpkg run: cloud-init or unattended-upgrades\?\)/,
    );
  });

  test(`apt's lists lock held for ${APT_LOCK_SECONDS} s as an install starts (apt-get update would not wait) → the step waits, says so, and installs`, async () => {
    const [, , lists] = await slow;
    expect(lists.seconds).toBeGreaterThanOrEqual(APT_LOCK_SECONDS - 1);
    expect(lists.install.stderr).toMatch(
      /edge-bootstrap\[install\]: \/var\/lib\/apt\/lists\/lock held by pid \d+ \(perl\); waiting for it \(at most 600s\)\n/,
    );
    expect(lists.install.stderr).toMatch(/edge-bootstrap\[install\]: package manager free again after (29|[3-9]\d)s\n/);
    expect(lists.install.stderr).not.toContain("Could not get lock");
    expect(lists.install.stdout.trim()).toBe(
      "install: installed moby-engine aziot-edge aziot-identity-service (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1)",
    );
  });

  test(`sshd refusing for ${SSHD_REFUSAL_SECONDS} s → the steps' dial retries outlast it; the provider's default limit does not`, async () => {
    const [, refusal] = await slow;
    expect(refusal.seconds).toBeGreaterThanOrEqual(SSHD_REFUSAL_SECONDS - 0.5);
    expect(refusal.wait.stdout.trim()).toBe("wait: ready (cloud-init: not present; host name sshd-refusal)");
    // The copy of the scripts is the first step to dial the host.
    expect(refusal.staged.dials).toBeGreaterThan(10);
    expect(refusal.staged.dials).toBeLessThan(BOOT_DIAL_ERROR_LIMIT);
    expect(withBootRetries(sshdHost.connection).dialErrorLimit).toBe(BOOT_DIAL_ERROR_LIMIT);
    expect(refusal.defaultLimit).toMatch(/^could not dial 127\.0\.5\.21:22005 after 11 attempts: connect ECONNREFUSED/);
  });
});

describe("config.toml's hostname passes iotedge check; the host key is pinned (issue 12, items 3 and 8)", () => {
  let gateway: TestHost;
  let impostor: TestHost;
  beforeAll(async () => {
    [gateway, impostor] = await Promise.all([
      TestHost.start({ address: "127.0.5.40", name: "gw-line-3" }),
      TestHost.start({ address: "127.0.5.41", name: "impostor" }),
    ]);
  });
  afterAll(() => Promise.all([gateway?.stop(), impostor?.stop()]));
  const runOn = (host: TestHost, extra: Partial<BootstrapRun> = {}): BootstrapRun => ({
    connection: host.connection,
    deviceId: "edge-ssh-04",
    iotHubHostName: "hub.azure-devices.net",
    certificates: makeDeviceCertificates("edge-ssh-04"),
    runtime: RUNTIME,
    ...extra,
  });
  const hostnameCheck = async (host: TestHost) => (await runRemoteCommand(host.connection, 'iotedge check; echo "exit $?"')).stdout;
  const configHostname = (host: TestHost) => /^hostname = "(.*)"$/m.exec(readFileSync(host.path("/etc/aziot/config.toml"), "utf8"))?.[1];

  test("no edgeHostname: the host's own name, read by the wait step, and iotedge check's hostname check passes", async () => {
    const r = await runBootstrap(runOn(gateway));
    expect(r.wait!.stdout.trim()).toBe("wait: ready (cloud-init: not present; host name gw-line-3)");
    expect(configHostname(gateway)).toBe("gw-line-3");
    expect(await hostnameCheck(gateway)).toContain("\u221a identityd config toml file specifies a valid hostname - OK\nexit 0");
  });

  test("edgeHostname, a fully qualified name whose first label is the host's name: used, and the check passes", async () => {
    await runBootstrap(runOn(gateway, { hostname: "gw-line-3.plant.example.com" }), ["config", "apply"]);
    expect(configHostname(gateway)).toBe("gw-line-3.plant.example.com");
    expect(await hostnameCheck(gateway)).toContain("\u221a identityd config toml file specifies a valid hostname - OK\nexit 0");
  });

  test("a name iotedge check would fail (the device id, as before) → the config step refuses it before writing", async () => {
    const before = readFileSync(gateway.path("/etc/aziot/config.toml"), "utf8");
    const error = (await runBootstrap(runOn(gateway, { hostname: "edge-ssh-04" }), ["config"]).catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    expect(error.result?.stderr.trim()).toBe(
      "edge-bootstrap[config]: error: hostname edge-ssh-04 is not this host's name (gw-line-3) nor a fully qualified name starting with it, so 'iotedge check' fails; set host.edgeHostname to gw-line-3, an FQDN starting with it, or the host's IP address",
    );
    expect(readFileSync(gateway.path("/etc/aziot/config.toml"), "utf8")).toBe(before);
  });

  test("the runtime stand-in's iotedge check applies the real rule: another name fails, an RFC 1035 breach warns, an IP passes", async () => {
    const identityd = gateway.path("/etc/aziot/identityd/config.d/00-super.toml");
    const saved = readFileSync(identityd, "utf8");
    writeFileSync(identityd, 'hostname = "edge-ssh-04"\n');
    expect(await hostnameCheck(gateway)).toContain(
      "\u00d7 identityd config toml file specifies a valid hostname - Error\n    identityd config has hostname edge-ssh-04 but device reports hostname gw-line-3.",
    );
    expect(await hostnameCheck(gateway)).toMatch(/exit 1\n$/);
    writeFileSync(identityd, 'hostname = "gw-line-3.plant_1.example"\n');
    expect(await hostnameCheck(gateway)).toContain(
      "\u203c identityd config toml file specifies a valid hostname - Warning\n    identityd config has hostname gw-line-3.plant_1.example which does not comply with RFC 1035.",
    );
    writeFileSync(identityd, 'hostname = "127.0.5.40"\n');
    expect(await hostnameCheck(gateway)).toContain("- OK\nexit 0");
    writeFileSync(identityd, saved);
  });

  test("a host that presents another key than the pinned one is refused at the handshake: no step runs, nothing is sent", async () => {
    // The stack expects the gateway's key; another machine answers at the address.
    const pinned: BootstrapRun = runOn(impostor, {
      connection: { ...impostor.connection, hostKey: gateway.connection.hostKey, dialErrorLimit: 1 },
    });
    const error = await runBootstrap(pinned).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect((error as Error).message).toBe("could not dial 127.0.5.41:22005 after 2 attempts: Host denied (verification failed)");
    expect(impostor.iotedgeCalls()).toEqual([]);
    expect(filesUnder(impostor.path("/etc/aziot"))).toEqual([]);
    expect(filesUnder(impostor.path("/var/aziot"))).toEqual([]);
    expect(readdirSync(impostor.path("/var/lib/edge-bootstrap"))).toEqual([]);
    // Its own key is accepted.
    expect((await runRemoteCommand(impostor.connection, "uname -n")).stdout).toBe("impostor\n");
  });
});
