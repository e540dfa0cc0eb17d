// The bootstrap's real device scripts, run over real SSH on local test hosts (lab/hosts) with
// exactly the command and stdin DeviceBootstrap gives its converge step (runBootstrap), or one part
// of it with the arguments converge.sh gives that part (runPart). The slow fault cases
// (slowFaults.ts) start first, on hosts of their own, and are checked at the end.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { DEVICE_FILES } from "../../components/bootstrap/devicePaths";
import {
  BootstrapRun,
  ConvergePart,
  plannedConfigToml,
  plannedConverge,
  runBootstrap,
  runCleanupDelete,
  runPart,
  stageScripts,
} from "../../lab/hosts/bootstrapOverSsh";
import { SCRIPT_DIR, scriptBundle, STAGING_ROOT } from "../../components/bootstrap/deviceScripts";
import { convergePartArgs, deviceCommand } from "../../components/bootstrap/deviceCommands";
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

/** The converge step's parts, in the order converge.sh runs them: each prints one summary line. */
const PARTS: readonly ConvergePart[] = ["wait", "install", "certs", "config", "apply"];
/** The stand-in is healthy at once; the seconds are whole-second clock readings, so 0 or 1 (2 on a loaded machine). */
const APPLIED_HEALTHY = /^apply: applied \(healthy after [0-2]s\)$/;
const INSTALL_SKIPPED = "install: skipped (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1 already installed)";
/** What the converge step prints on a fresh host with the stand-in runtime installed: one line a part, in order. */
const FRESH_HOST_SUMMARIES = [
  expect.stringMatching(/^wait: ready \(cloud-init: not present; host name [a-z0-9-]+\)$/),
  INSTALL_SKIPPED,
  "certs: changed identity-cert identity-key edge-ca-cert edge-ca-key trust-bundle",
  "config: changed /etc/aziot/config.toml",
  expect.stringMatching(APPLIED_HEALTHY),
];
/** What it prints when run again with nothing changed (any change of its inputs re-runs it whole). */
const unchangedSummaries = (hostname: string) => [
  `wait: ready (cloud-init: not present; host name ${hostname})`,
  INSTALL_SKIPPED,
  "certs: unchanged identity-cert identity-key edge-ca-cert edge-ca-key trust-bundle",
  "config: unchanged /etc/aziot/config.toml",
  "apply: skipped (unchanged since last apply, healthy)",
];
const RUNTIME = {
  aziotEdgeVersion: "1.6.0-1",
  mobyEngineVersion: "25.0.5-1",
  preinstalled: false,
  agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6",
};
const firstCerts = makeDeviceCertificates("edge-ssh-01");
const secondCerts = makeDeviceCertificates("edge-ssh-01");

/** The summary lines a run printed (stdout: one line for each part that finished). */
const summaries = (r: RunResult | undefined) => (r?.stdout ?? "").split("\n").filter((line) => line !== "");
/** The parts that finished, from their summary lines. */
const partsDone = (r: RunResult | undefined) => summaries(r).map((line) => line.slice(0, line.indexOf(":")));
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
/** Every file under the folders the bootstrap (and the runtime's apply) writes, with inode, mtime, owner, mode and content. */
const bootstrapFiles = (host: TestHost) =>
  ["/etc/aziot", "/var/aziot", "/var/lib/aziot/keyd", "/var/lib/aziot/certd", "/var/lib/edge-bootstrap"]
    .flatMap((dir) => filesUnder(host.path(dir)))
    .map((path) => {
      const st = statSync(path);
      return { path, ino: st.ino, mtimeMs: st.mtimeMs, uid: st.uid, gid: st.gid, mode: st.mode, content: readFileSync(path, "utf8") };
    });
const mtime = (host: TestHost, path: string) => statSync(host.path(path)).mtimeMs;

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

  test("fresh host → provisioned: one summary line a part, in order; files placed with aziot owners and modes, config applied, runtime healthy", async () => {
    const r = await runBootstrap(run);
    expect(summaries(r)).toEqual(FRESH_HOST_SUMMARIES);
    expect(partsDone(r)).toEqual(PARTS);
    for (const f of Object.values(DEVICE_FILES)) expect(ownerMode(host.path(f.path))).toBe(`${f.owner} ${f.mode}`);
    expect(ownerMode(host.path("/var/aziot/certs"))).toBe("aziotcs:aziotcs 755");
    expect(ownerMode(host.path("/var/aziot/secrets"))).toBe("aziotks:aziotks 700");
    expect(ownerMode(host.path("/etc/aziot/config.toml"))).toBe("root:root 600");
    expect(readFileSync(host.path(DEVICE_FILES["identity-key"].path), "utf8")).toBe(firstCerts.identityKeyPem);
    // No host.edgeHostname: the host's own name, written there on the host.
    expect(readFileSync(host.path("/etc/aziot/config.toml"), "utf8")).toBe(plannedConfigToml({ ...run, hostname: host.hostname }));
    expect(host.iotedgeCalls()).toEqual(["config apply", "system status"]);
    // The scripts the step ran: staged once, in the SSH user's home, in the folder of the bundle's hash.
    expect(readdirSync(host.path(join(host.home, STAGING_ROOT)))).toEqual([scriptBundle().sha256]);
    for (const [name, text] of Object.entries(scriptBundle().files)) {
      expect(readFileSync(host.path(join(host.home, scriptBundle().remotePath, name)), "utf8")).toBe(text);
    }
    // One line for the placed files, not one a file (the state keeps what the step prints).
    expect(r.stderr).toContain(
      "edge-bootstrap[certs]: placed identity-cert identity-key edge-ca-cert edge-ca-key trust-bundle (certificates in /var/aziot/certs, aziotcs 0644; keys in /var/aziot/secrets, aziotks 0600)\n",
    );
    expect(r.stderr).not.toContain("edge-bootstrap[certs]: skipped");
    expectNoSecrets([r], firstCerts);
  });

  test("the same converge step again → every part reports a skip or no change, no apply, no file rewritten (content, mtime, inode)", async () => {
    const before = bootstrapFiles(host);
    expect(before.length).toBeGreaterThan(7);
    const r = await runBootstrap(run);
    expect(summaries(r)).toEqual(unchangedSummaries("steps"));
    expect(r.stderr).toContain(
      "edge-bootstrap[certs]: skipped: identity-cert identity-key edge-ca-cert edge-ca-key trust-bundle unchanged\n",
    );
    expect(r.stderr).not.toContain("edge-bootstrap[certs]: placed");
    expect(r.stderr).toContain("edge-bootstrap[install]: skipped: aziot-edge aziot-identity-service already held\n");
    expect(bootstrapFiles(host)).toEqual(before);
    expect(host.iotedgeCalls().filter((c) => c === "config apply")).toHaveLength(1);
  });

  test("changed certificate (rotation) → the converge step's stdin changes; re-run, it places only what changed and applies again", async () => {
    const rotated: BootstrapRun = {
      ...run,
      certificates: { ...firstCerts, identityCertPem: secondCerts.identityCertPem, identityKeyPem: secondCerts.identityKeyPem },
    };
    // What the engine sees: the converge step's stdin (secret) differs, its command (config.toml among its arguments) does not.
    const before = plannedConverge(run);
    const after = plannedConverge(rotated);
    expect(after.command).toBe(before.command);
    expect(after.stdin).not.toBe(before.stdin);

    const kept = [
      "/etc/aziot/config.toml",
      DEVICE_FILES["edge-ca-cert"].path,
      DEVICE_FILES["edge-ca-key"].path,
      DEVICE_FILES["trust-bundle"].path,
    ];
    const keptBefore = kept.map((p) => [statSync(host.path(p)).ino, mtime(host, p)]);
    const r = await runBootstrap(rotated);
    expect(summaries(r)).toEqual([
      "wait: ready (cloud-init: not present; host name steps)",
      INSTALL_SKIPPED,
      "certs: changed identity-cert identity-key; unchanged edge-ca-cert edge-ca-key trust-bundle",
      "config: unchanged /etc/aziot/config.toml",
      expect.stringMatching(APPLIED_HEALTHY),
    ]);
    expect(r.stderr).toContain(
      "edge-bootstrap[certs]: placed identity-cert identity-key (certificates in /var/aziot/certs, aziotcs 0644; keys in /var/aziot/secrets, aziotks 0600)\n",
    );
    expect(r.stderr).toContain("edge-bootstrap[certs]: skipped: edge-ca-cert edge-ca-key trust-bundle unchanged\n");
    expect(readFileSync(host.path(DEVICE_FILES["identity-cert"].path), "utf8")).toBe(secondCerts.identityCertPem);
    expect(readFileSync(host.path(DEVICE_FILES["identity-key"].path), "utf8")).toBe(secondCerts.identityKeyPem);
    expect(kept.map((p) => [statSync(host.path(p)).ino, mtime(host, p)])).toEqual(keptBefore);
    expect(host.iotedgeCalls().filter((c) => c === "config apply")).toHaveLength(2);
    expectNoSecrets([r], secondCerts);
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
    expectNoSecrets([r], firstCerts);
    expect((await runCleanupDelete(runAs(admin))).stdout.trim()).toBe(
      "cleanup: removed 16 files (runtime: stopped; module containers: 2 removed)",
    );
    expect(existsSync(admin.path(join(admin.home, STAGING_ROOT)))).toBe(false);
    expect(filesUnder(admin.path("/etc/aziot"))).toEqual([]);
    expect(filesUnder(admin.path("/var/lib/aziot/keyd"))).toEqual([]);
    expect(admin.containers()).toEqual([]);
  });

  test("without passwordless sudo: the converge step stops before any part, saying what the user needs, and nothing is written as root", async () => {
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

describe("the staged scripts: a changed script is staged again and the converge step re-runs; a damaged copy is refused", () => {
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

  test("a changed script → a new bundle hash: the converge step's command changes (the engine re-runs it) and re-running it changes nothing", async () => {
    expect(summaries(await runBootstrap(run))).toEqual(FRESH_HOST_SUMMARIES);
    const before = plannedConverge(run);
    const after = plannedConverge(changed);
    expect(changed.bundle!.sha256).not.toBe(scriptBundle().sha256);
    expect(after.command).not.toBe(before.command);
    // The hash is all that differs: the rest of the command and the stdin are the same.
    expect(after.command.split(changed.bundle!.sha256).join(scriptBundle().sha256)).toBe(before.command);
    expect(after.stdin).toBe(before.stdin);

    const files = bootstrapFiles(host);
    const r = await runBootstrap(changed);
    expect(staged()).toEqual([scriptBundle().sha256, changed.bundle!.sha256].sort());
    expect(summaries(r)).toEqual(unchangedSummaries("bundle"));
    expect(bootstrapFiles(host)).toEqual(files);
    expect(host.iotedgeCalls().filter((c) => c === "config apply")).toHaveLength(1);
  });

  test("a staged script edited on the host → the converge step refuses before running any part, saying how to stage again; staging again fixes it", async () => {
    const common = host.path(join(host.home, changed.bundle!.remotePath, "common.sh"));
    writeFileSync(common, `${readFileSync(common, "utf8")}echo tampered\n`);
    const error = (await runBootstrap(changed).catch((e: RemoteCommandError) => e)) as RemoteCommandError;
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.result?.stdout).toBe("");
    expect(error.result?.stderr).toBe(
      `edge-bootstrap[converge]: error: the staged scripts ${host.home}/${changed.bundle!.remotePath} are missing or changed; ` +
        "copy them again: pulumi up --replace <URN of its -bootstrap-scripts>\n",
    );
    // A part alone is refused the same way.
    const part = (await runPart(changed, "wait").catch((e: RemoteCommandError) => e)) as RemoteCommandError;
    expect(part.result?.stderr).toContain("edge-bootstrap[wait-ready]: error: the staged scripts");
    await stageScripts(host.connection, changed.bundle);
    expect(summaries(await runBootstrap(changed))).toEqual(unchangedSummaries("bundle"));
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
    ...extra,
  });

  test("the converge step records nothing but its apply mark (the cleanup step, existing hosts only, runs nothing on create)", async () => {
    const r = await runBootstrap(runOn(host));
    expect(partsDone(r)).toEqual(PARTS);
    expect(readdirSync(host.path("/var/lib/edge-bootstrap"))).toEqual(["applied.sha256"]);
  });

  test("converge.sh given the wrong number of arguments → stops naming its usage, before any part runs", async () => {
    await stageScripts(host.connection);
    const args = convergePartArgs(RUNTIME);
    const withoutConfig = [...args.wait, ...args.install, ...args.apply];
    const calls = host.iotedgeCalls().length;
    for (const argv of [withoutConfig, [...withoutConfig, plannedConfigToml(runOn(host)), "extra"]]) {
      const error = (await runRemoteCommand(withBootRetries(host.connection), deviceCommand("converge", argv), { stdin: "" }).catch(
        (e: RemoteCommandError) => e,
      )) as RemoteCommandError;
      expect(error).toBeInstanceOf(RemoteCommandError);
      expect(error.result?.stdout).toBe("");
      expect(error.result?.stderr).toBe(
        "edge-bootstrap[converge]: error: usage: converge.sh <cloud-init s> <aziot-edge> <aziot-identity-service> <moby-engine|any> <preinstalled> <apt lock s> <health s> <config.toml> < certificate payload\n",
      );
    }
    expect(host.iotedgeCalls()).toHaveLength(calls);
  });

  test("a bad config → the apply part fails with the runtime's message, after the four parts before it", async () => {
    const bad = runOn(host, { configTomlOverride: `hostname = "${host.hostname}"\n[provisioning\nsource = "manual"\n` });
    const error = await runBootstrap(bad).catch((e: RemoteCommandError) => e);
    expect(error).toBeInstanceOf(RemoteCommandError);
    const result = (error as RemoteCommandError).result!;
    expect(partsDone(result)).toEqual(["wait", "install", "certs", "config"]);
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

  test("runtime.preinstalled on a host without the runtime → converge stops in install, saying what to do: no certificate placed, no config.toml written", async () => {
    const error = (await runBootstrap(runOn(bare, { runtime: { ...RUNTIME, preinstalled: true } })).catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.result?.stderr).toContain(
      "edge-bootstrap[install]: error: runtime.preinstalled is true but aziot-edge is not installed on this host; install it or set runtime.preinstalled to false\n",
    );
    expect(partsDone(error.result)).toEqual(["wait"]);
    expect(error.result?.stderr).not.toMatch(/edge-bootstrap\[(certs|config|apply)\]/);
    expect(existsSync(bare.path("/var/aziot/certs"))).toBe(false);
    expect(existsSync(bare.path("/etc/aziot/config.toml"))).toBe(false);
    expect(bare.iotedgeCalls()).toEqual([]);
  });

  test("no runtime on an unsupported release → install fails naming the release, downloads nothing", async () => {
    const error = (await runPart(runOn(bare), "install").catch((e: RemoteCommandError) => e)) as RemoteCommandError;
    expect(error.result?.stderr).toContain(
      "edge-bootstrap[install]: error: unsupported distribution ubuntu 18.04: IoT Edge 1.6 supports Ubuntu 22.04/24.04 and Debian 12",
    );
    expect(error.result?.stderr).not.toContain("adding Microsoft package repository");
  });

  test("cloud-init still running → the wait part waits until it is done", async () => {
    bare.cloudInitRunningFor(2);
    const r = await runPart(runOn(bare), "wait");
    expect(r.stdout.trim()).toBe("wait: ready (cloud-init: done; host name bare)");
    expect(r.stderr).toContain("edge-bootstrap[wait]: waiting for cloud-init to finish (at most 1200s)");
    expect(r.seconds).toBeGreaterThanOrEqual(1);
  });

  test("a runtime slow to report healthy → apply waits for it; past the bound → apply fails saying so", async () => {
    const delayFile = host.path("/var/lib/aziot/iotedge-standin/start-delay-seconds");
    writeFileSync(delayFile, "2");
    // New certificates each run: the apply part runs again.
    const slow = await runBootstrap(runOn(host));
    expect(summaries(slow)[4]).toMatch(/^apply: applied \(healthy after [1-4]s\)$/);
    writeFileSync(delayFile, "60");
    const error = (await runBootstrap(runOn(host, { timeouts: { healthSeconds: 2 } })).catch(
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
    const error = (await runBootstrap({ ...run, timeouts: { healthSeconds: 2 } }).catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    expect(error).toBeInstanceOf(RemoteCommandError);
    expect(error.result?.stderr).toContain("    aziot-edged             Ready\n    aziot-identityd         Running\n");
    expect(error.result?.stderr).toContain("edge-bootstrap[apply]: error: the runtime did not become healthy within 2s");
    rmSync(stops);
    expect((await runPart(run, "apply")).stdout.trim()).toMatch(APPLIED_HEALTHY);
    // Stopped on the host (every service then reads Ready): the next run applies again instead of skipping.
    await runRemoteCommand(host.connection, "iotedge system stop");
    expect((await runRemoteCommand(host.connection, "iotedge system status")).stdout).toContain("    aziot-edged             Ready\n");
    expect((await runPart(run, "apply")).stdout.trim()).toMatch(APPLIED_HEALTHY);
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
  ])(
    "a certificate payload with %s → the certs part refuses, naming it, before placing that file; converge stops there",
    async (_, edit, message) => {
      const run = runOn(host, { certificates: makeDeviceCertificates("edge-ssh-02") });
      await runPart(run, "certs");
      await runPart(run, "config");
      const identityKey = readFileSync(host.path(DEVICE_FILES["identity-key"].path), "utf8");
      const config = readFileSync(host.path("/etc/aziot/config.toml"), "utf8");
      // Another device id: config.toml would change if the config part ran.
      const converge = plannedConverge({ ...run, deviceId: "edge-ssh-02-other" });
      const error = (await runRemoteCommand(withBootRetries(host.connection), converge.command, { stdin: edit(converge.stdin!) }).catch(
        (e: RemoteCommandError) => e,
      )) as RemoteCommandError;
      expect(error).toBeInstanceOf(RemoteCommandError);
      expect(error.result?.stderr).toContain(`edge-bootstrap[certs]: error: ${message}\n`);
      expect(partsDone(error.result)).toEqual(["wait", "install"]);
      expect(readFileSync(host.path(DEVICE_FILES["identity-key"].path), "utf8")).toBe(identityKey);
      expect(readFileSync(host.path("/etc/aziot/config.toml"), "utf8")).toBe(config);
    },
  );

  test("preinstalled host with the runtime → install skipped as preinstalled", async () => {
    const r = await runPart(runOn(host, { runtime: { ...RUNTIME, preinstalled: true } }), "install");
    expect(r.stdout.trim()).toBe("install: skipped (preinstalled: aziot-edge 1.6.0-1)");
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
    const error = (await runPart(runOn({ aziotEdgeVersion: "1.6.9-1", aziotIdentityServiceVersion: "1.6.0-1" }), "install").catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    const log = error.result?.stderr ?? "";
    expect(log).toContain("edge-bootstrap[install]: skipped: Microsoft package repository already configured");
    expect(log.indexOf("edge-bootstrap[install]: installing moby-engine=25.0.5-1")).toBeGreaterThan(-1);
    expect(log.indexOf("edge-bootstrap[install]: installing moby-engine=25.0.5-1")).toBeLessThan(
      log.indexOf("installing aziot-edge=1.6.9-1"),
    );
    // apt's own output, kept because the command failed.
    expect(log).toContain("Version '1.6.9-1' for 'aziot-edge' was not found");
    const status = await packages();
    expect(status).toContain("moby-engine 25.0.5-1 install ok installed");
    expect(status).not.toContain("aziot-edge 1.6.9-1");
  });

  test("the right pins → aziot-edge and the identity service it depends on, in one command although a newer one is offered; both held; the bootstrap runs on it; a re-run skips", async () => {
    const r = await runBootstrap(runOn());
    expect(summaries(r)[1]).toBe(
      "install: installed aziot-edge aziot-identity-service (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1)",
    );
    expect(r.stderr).toContain("edge-bootstrap[install]: skipped: moby-engine 25.0.5-1 already installed");
    expect(r.stderr).toContain("edge-bootstrap[install]: installing aziot-edge=1.6.0-1 aziot-identity-service=1.6.0-1\n");
    // Of apt's output on success, only the packages it set up (without the \r dpkg ends them with under apt).
    expect(r.stderr).toContain("\n  apt: Setting up aziot-identity-service (1.6.0-1) ...\n  apt: Setting up aziot-edge (1.6.0-1) ...\n");
    expect(r.stderr).not.toContain("\r");
    expect(r.stderr).not.toContain("Reading package lists");
    expect(r.stderr).not.toContain("package manager idle");
    expect(r.stderr).toContain(
      "edge-bootstrap[install]: held aziot-edge aziot-identity-service at their installed versions (apt-mark hold)",
    );
    expect(partsDone(r)).toEqual(PARTS);
    expect(summaries(r)[4]).toMatch(APPLIED_HEALTHY);
    expect(await held()).toBe("aziot-edge\naziot-identity-service\n");
    // What unattended-upgrades would do: the held pair stays, although 1.6.1-1 of both is offered.
    const upgrade = await runRemoteCommand(host.connection, "apt-get -s upgrade");
    expect(upgrade.stdout).toMatch(/^0 upgraded/m);
    const again = await runPart(runOn(), "install");
    expect(again.stdout.trim()).toBe(
      "install: skipped (aziot-edge 1.6.0-1, aziot-identity-service 1.6.0-1, moby-engine 25.0.5-1 already installed)",
    );
    expect(again.stderr).toContain("edge-bootstrap[install]: skipped: aziot-edge aziot-identity-service already held");
  });

  test("an intended upgrade (both pins changed) → the hold is released for it, both upgraded together, held again", async () => {
    const r = await runPart(runOn({ aziotEdgeVersion: "1.6.1-1", aziotIdentityServiceVersion: "1.6.1-1" }), "install");
    expect(r.stderr).toContain("edge-bootstrap[install]: released the hold on aziot-edge aziot-identity-service for the pinned versions");
    expect(r.stdout.trim()).toBe(
      "install: installed aziot-edge aziot-identity-service (aziot-edge 1.6.1-1, aziot-identity-service 1.6.1-1, moby-engine 25.0.5-1)",
    );
    expect(await held()).toBe("aziot-edge\naziot-identity-service\n");
    expect(await packages()).toContain("aziot-identity-service 1.6.1-1 hold ok installed");
  });

  test("apt-get update failing once (the repository unreadable for a moment) → retried with backoff; a downgrade of both pins goes through", async () => {
    const index = join(host.dir, "standin-packages", "repo", "Packages");
    renameSync(index, `${index}.away`);
    const back = new Promise<void>((resolve) => setTimeout(() => (renameSync(`${index}.away`, index), resolve()), 1000));
    const r = await runPart(runOn({ aziotEdgeVersion: "1.6.0-1", aziotIdentityServiceVersion: "1.6.0-1" }), "install");
    await back;
    expect(r.stderr).toContain("edge-bootstrap[install]: apt-get update failed (attempt 1 of 5); retrying in 2s");
    expect(r.stdout.trim()).toBe(
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
  test(`apt lock held for ${APT_LOCK_SECONDS} s → the install part waits for it and succeeds; a shorter bound fails clearly`, async () => {
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

  test(`apt's lists lock held for ${APT_LOCK_SECONDS} s as an install starts (apt-get update would not wait) → the install part waits, says so, and installs`, async () => {
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
    expect(summaries(refusal.converge)).toEqual(FRESH_HOST_SUMMARIES);
    expect(summaries(refusal.converge)[0]).toBe("wait: ready (cloud-init: not present; host name sshd-refusal)");
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

  test("no edgeHostname: config.toml gets the host's own name (uname -n) as its first key, byte for byte what the component renders with that name; iotedge check passes", async () => {
    const run = runOn(gateway);
    expect(plannedConfigToml(run)).not.toMatch(/^hostname/m);
    const r = await runBootstrap(run);
    expect(partsDone(r)).toEqual(PARTS);
    expect(summaries(r)[0]).toBe("wait: ready (cloud-init: not present; host name gw-line-3)");
    const machine = (await runRemoteCommand(gateway.connection, "uname -n")).stdout.trim();
    expect(machine).toBe("gw-line-3");
    const written = readFileSync(gateway.path("/etc/aziot/config.toml"), "utf8");
    expect(written.split("\n").filter((line) => line !== "" && !line.startsWith("#"))[0]).toBe(`hostname = "${machine}"`);
    expect(written.match(/^hostname = .*$/gm)).toEqual([`hostname = "${machine}"`]);
    // What an existing device, whose config.toml the component rendered with the host's name, already has: no change there.
    expect(written).toBe(plannedConfigToml({ ...run, hostname: machine }));
    expect(r.stderr).toContain(`edge-bootstrap[config]: hostname ${machine}: the host's own name (host.edgeHostname is not set)\n`);
    expect(await hostnameCheck(gateway)).toContain("\u221a identityd config toml file specifies a valid hostname - OK\nexit 0");

    // Without a trust bundle or an edge CA the hostname is config.toml's only global key: the same, in its place.
    const identityOnly = runOn(gateway, {
      certificates: { identityCertPem: firstCerts.identityCertPem, identityKeyPem: firstCerts.identityKeyPem },
    });
    await runPart(identityOnly, "config");
    expect(readFileSync(gateway.path("/etc/aziot/config.toml"), "utf8")).toBe(plannedConfigToml({ ...identityOnly, hostname: machine }));
  });

  test("edgeHostname, a fully qualified name whose first label is the host's name: kept as given (one hostname line), and the check passes", async () => {
    const run = runOn(gateway, { hostname: "gw-line-3.plant.example.com" });
    const r = await runBootstrap(run);
    expect(partsDone(r)).toEqual(PARTS);
    const written = readFileSync(gateway.path("/etc/aziot/config.toml"), "utf8");
    expect(written).toBe(plannedConfigToml(run));
    expect(written.match(/^hostname = .*$/gm)).toEqual(['hostname = "gw-line-3.plant.example.com"']);
    expect(r.stderr).not.toContain("the host's own name");
    expect(configHostname(gateway)).toBe("gw-line-3.plant.example.com");
    expect(await hostnameCheck(gateway)).toContain("\u221a identityd config toml file specifies a valid hostname - OK\nexit 0");
  });

  test("a name iotedge check would fail (the device id, as before) → the config part refuses it before writing; converge stops there", async () => {
    const before = readFileSync(gateway.path("/etc/aziot/config.toml"), "utf8");
    const calls = gateway.iotedgeCalls().length;
    const error = (await runPart(runOn(gateway, { hostname: "edge-ssh-04" }), "config").catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    const refusal =
      "edge-bootstrap[config]: error: hostname edge-ssh-04 is not this host's name (gw-line-3) nor a fully qualified name starting with it, so 'iotedge check' fails; set host.edgeHostname to gw-line-3, an FQDN starting with it, or the host's IP address";
    expect(error.result?.stderr.trim()).toBe(refusal);
    expect(readFileSync(gateway.path("/etc/aziot/config.toml"), "utf8")).toBe(before);
    const converge = (await runBootstrap(runOn(gateway, { hostname: "edge-ssh-04" })).catch(
      (e: RemoteCommandError) => e,
    )) as RemoteCommandError;
    expect(converge.result?.stderr).toContain(`${refusal}\n`);
    expect(partsDone(converge.result)).toEqual(["wait", "install", "certs"]);
    expect(readFileSync(gateway.path("/etc/aziot/config.toml"), "utf8")).toBe(before);
    expect(gateway.iotedgeCalls()).toHaveLength(calls);
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
