// A local SSH test host: an sshd on its own loopback address, in its own mount namespace where
// /etc/aziot, /var/aziot, /var/lib/aziot, /var/lib/edge-bootstrap, /usr/local/sbin, the dpkg database,
// apt's cache, the apt locks and the login user's home (where the bootstrap stages the device
// scripts) are private bind mounts of a per-host directory. The device scripts
// run there for real, as root, through SSH. Where the runtime cannot be installed here, the host gets
// the clearly named stand-ins: fake-runtime/iotedge-standin as /usr/local/sbin/iotedge and
// "TEST STAND-IN" entries for moby-engine, aziot-identity-service and aziot-edge in its private dpkg status.
// Needs root, openssh-server, openssl, util-linux (unshare). Used by tests/bootstrap and lab/hosts/main.ts.
import { ChildProcess, execFileSync, spawn } from "child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir, userInfo } from "os";
import { join } from "path";
import { shellQuote } from "../../components/bootstrap/deviceCommands";
import { PACKAGE_REPO_DIRS, preparePackageRepo } from "./standinPackages";

export const STANDIN_IOTEDGE = join(__dirname, "fake-runtime", "iotedge-standin");
export const STANDIN_CLOUD_INIT = join(__dirname, "fake-runtime", "cloud-init-standin");
export const STANDIN_DOCKER = join(__dirname, "fake-runtime", "docker-standin");
/** The users and groups aziot-edge's packages create; chown needs them. */
export const AZIOT_USERS = ["aziotcs", "aziotks", "aziotid", "aziottpm", "iotedge"] as const;

export interface StandinRuntime {
  readonly aziotEdgeVersion: string;
  readonly aziotIdentityServiceVersion: string;
  readonly mobyEngineVersion: string;
  /** Package repository only: a newer aziot-identity-service it also offers (as Microsoft's does once one is out). */
  readonly newerIdentityServiceVersion?: string;
}

export interface TestHostOptions {
  /** A loopback address of its own (127.0.0.0/8), unique per test file. */
  readonly address: string;
  readonly port?: number;
  readonly name?: string;
  /**
   * The host's own name (`uname -n` there): it runs in a UTS namespace of its own, as a device has
   * its own host name. Default: the name, in letters, digits and hyphens ("host-127-0-5-10").
   */
  readonly hostname?: string;
  /** Stand-in runtime present (default) with these versions, or none (null). */
  readonly runtime?: StandinRuntime | null;
  /** Install the cloud-init stand-in (reports done until cloudInitRunningFor says otherwise). */
  readonly cloudInit?: boolean;
  /**
   * No runtime installed, but a local apt repository of stand-in packages configured as
   * Microsoft's, so the install step really installs (see standinPackages.ts). Implies runtime: null.
   */
  readonly packageRepo?: StandinRuntime;
  /** Contents of the host's /etc/os-release (default: the machine's). */
  readonly osRelease?: string;
  /**
   * Log in as this non-root user instead of root, as on an Azure VM (azureuser). It gets passwordless
   * sudo in the host's own /etc/sudoers.d unless `sudo` is false. Users are created on the machine once.
   */
  readonly loginUser?: { readonly name: string; readonly sudo?: boolean };
}

export interface SshConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: string;
  /** The host's public key as in known_hosts: "ssh-ed25519 AAAA…". */
  readonly hostKey: string;
}

/**
 * The start of Ubuntu's /root/.bashrc, nothing for a shell that is not interactive: the .bashrc of
 * each host's own home. bash sources it for commands that come through sshd; this machine's root
 * .bashrc sets up developer tools (pyenv init: ~140 processes per SSH command).
 */
export const DEVICE_BASHRC = "# TEST HOST: a device's .bashrc (lab/hosts/testHost.ts)\ncase $- in\n  *i*) ;;\n  *) return;;\nesac\n";

/** The home of the user the hosts log in as (root, as the tests run): from the password file, not $HOME. */
export function rootHome(): string {
  return userInfo().homedir;
}

/** Not 22 or 2222, which other local sshds like to use. */
export const DEFAULT_PORT = 22005;

export const DEFAULT_STANDIN_RUNTIME: StandinRuntime = {
  aziotEdgeVersion: "1.6.0-1",
  aziotIdentityServiceVersion: "1.6.0-1",
  mobyEngineVersion: "25.0.5-1",
};

/** Private directories of the host: mount point → backing directory name. */
const PRIVATE_DIRS: Record<string, string> = {
  "/etc/aziot": "etc-aziot",
  "/var/aziot": "var-aziot",
  "/var/lib/aziot": "var-lib-aziot",
  "/var/lib/edge-bootstrap": "var-lib-edge-bootstrap",
  "/usr/local/sbin": "usr-local-sbin",
  // A copy of the machine's dpkg database (stand-in entries added): dpkg and apt-mark rewrite its
  // files by rename, which a bind-mounted single file would refuse. Its locks hold on this host only.
  "/var/lib/dpkg": "var-lib-dpkg",
  // apt's package cache (pkgcache.bin, written by apt-mark too) and the archives lock.
  "/var/cache/apt": "var-cache-apt",
};
/** Private files: apt's locks, so a lock held on one host holds only there. */
const PRIVATE_FILES: Record<string, string> = {
  "/var/lib/apt/lists/lock": "apt-lists-lock",
  "/var/log/dpkg.log": "dpkg-log",
};

function ensureUser(user: string, useraddArgs: readonly string[]): void {
  try {
    execFileSync("getent", ["passwd", user], { stdio: "ignore" });
  } catch {
    try {
      execFileSync("useradd", [...useraddArgs, user], { stdio: "pipe" });
    } catch (e) {
      // Another test file may have created it at the same moment.
      execFileSync("getent", ["passwd", user], { stdio: "ignore" });
      void e;
    }
  }
}

export function ensureAziotUsers(): void {
  for (const user of AZIOT_USERS) ensureUser(user, ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin"]);
}

function standinDpkgEntries(runtime: StandinRuntime): string {
  const entry = (pkg: string, version: string) =>
    [
      `Package: ${pkg}`,
      "Status: install ok installed",
      "Priority: optional",
      "Section: admin",
      "Installed-Size: 1",
      "Maintainer: edge test hosts <nobody@localhost>",
      "Architecture: all",
      `Version: ${version}`,
      `Description: TEST STAND-IN for ${pkg}, recorded by lab/hosts/testHost.ts`,
      " Lets the bootstrap's install step see the runtime as installed; installs no files.",
      "",
    ].join("\n");
  return `\n${entry("moby-engine", runtime.mobyEngineVersion)}\n${entry("aziot-identity-service", runtime.aziotIdentityServiceVersion)}\n${entry("aziot-edge", runtime.aziotEdgeVersion)}`;
}

/**
 * Waits until `pid` itself listens on address:port. A bare TCP connect is not enough: another
 * program listening on the wildcard address with the same port would answer for a host whose
 * sshd failed to bind.
 */
function waitForListener(pid: number, address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      let out = "";
      try {
        out = execFileSync("ss", ["-ltnpH", `src ${address}:${port}`], { encoding: "utf8" });
      } catch {
        // ss missing or failing: treated as not listening yet.
      }
      if (out.includes(`pid=${pid},`)) return resolve();
      if (Date.now() > deadline) return reject(new Error(`sshd (pid ${pid}) did not listen on ${address}:${port} within ${timeoutMs} ms`));
      setTimeout(attempt, 50);
    };
    attempt();
  });
}

export class TestHost {
  readonly address: string;
  readonly port: number;
  readonly name: string;
  readonly hostname: string;
  readonly dir: string;
  readonly connection: SshConnection;
  private readonly osRelease?: string;
  private readonly loginUser?: TestHostOptions["loginUser"];
  private readonly privateDirs: Record<string, string>;
  /** The login user's home on the host (private to it, as a device's is). */
  readonly home: string;
  private readonly privateFiles: Record<string, string>;
  private sshd?: ChildProcess;
  private sshdLog = "";
  /** Set when sshd exited without stopSshd: why. */
  unexpectedExit?: string;

  private constructor(options: TestHostOptions) {
    this.address = options.address;
    this.port = options.port ?? DEFAULT_PORT;
    this.name = options.name ?? `host-${options.address}`;
    this.hostname = options.hostname ?? this.name.replace(/[^A-Za-z0-9-]+/g, "-");
    this.dir = mkdtempSync(join(tmpdir(), `edge-test-host-${this.name}-`));
    this.osRelease = options.osRelease;
    const repo = options.packageRepo;
    // With a package repository the whole dpkg database and apt state are private (dpkg renames files in them).
    this.privateDirs = {
      ...(repo ? { ...PRIVATE_DIRS, ...PACKAGE_REPO_DIRS } : PRIVATE_DIRS),
      ...(options.loginUser ? { "/etc/sudoers.d": "sudoers.d" } : {}),
    };
    this.loginUser = options.loginUser;
    // The machine's own home of that user, with a private, empty one mounted over it: hosts do not share it, nor see this machine's.
    this.home = options.loginUser ? `/home/${options.loginUser.name}` : rootHome();
    this.privateDirs[this.home] = "home";
    this.privateFiles = repo ? { "/var/log/dpkg.log": "dpkg-log" } : PRIVATE_FILES;
    const runtime = repo ? null : options.runtime === undefined ? DEFAULT_STANDIN_RUNTIME : options.runtime;
    this.connection = this.prepare(runtime, options.cloudInit ?? false);
    if (repo) preparePackageRepo(this.dir, join(this.dir, "fs"), repo, { iotedge: this.iotedgeWrapper(), docker: this.dockerWrapper() });
  }

  static async start(options: TestHostOptions): Promise<TestHost> {
    if (!/^127\.\d+\.\d+\.\d+$/.test(options.address)) throw new Error(`test hosts listen on loopback only, not ${options.address}`);
    const host = new TestHost(options);
    try {
      await host.startSshd();
    } catch (e) {
      await host.stop();
      throw e;
    }
    return host;
  }

  /** Backing path of a private path, to inspect the host's files from outside (e.g. "/etc/aziot/config.toml"). */
  path(devicePath: string): string {
    for (const [mount, backing] of Object.entries(this.privateDirs)) {
      if (devicePath === mount || devicePath.startsWith(`${mount}/`)) return join(this.dir, "fs", backing, devicePath.slice(mount.length));
    }
    throw new Error(`${devicePath} is not private to the test host`);
  }

  /** The stand-in iotedge's recorded calls, e.g. ["config apply", "system status"]. */
  iotedgeCalls(): string[] {
    const log = this.path("/var/lib/aziot/iotedge-standin/calls.log");
    if (!existsSync(log)) return [];
    return readFileSync(log, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { argv: string[] }).argv.join(" "));
  }

  /** /usr/local/sbin/iotedge: runs the stand-in with this machine's node. */
  private iotedgeWrapper(): string {
    return `#!/bin/sh\n# TEST STAND-IN: not the IoT Edge runtime (see ${STANDIN_IOTEDGE})\nexec ${process.execPath} ${STANDIN_IOTEDGE} "$@"\n`;
  }

  /** /usr/local/sbin/docker: the docker stand-in (records containers; no engine runs). */
  private dockerWrapper(): string {
    return `#!/bin/sh\n# TEST STAND-IN: not docker (see ${STANDIN_DOCKER})\nexec ${process.execPath} ${STANDIN_DOCKER} "$@"\n`;
  }

  /** Containers the docker stand-in holds: "<name> <image>" each. */
  containers(): string[] {
    const file = this.path("/var/lib/aziot/docker-standin/containers.json");
    if (!existsSync(file)) return [];
    return (JSON.parse(readFileSync(file, "utf8")) as Array<{ name: string; image: string }>).map((c) => `${c.name} ${c.image}`);
  }

  /** Makes the cloud-init stand-in report "running" for the next `seconds`. */
  cloudInitRunningFor(seconds: number): void {
    writeFileSync(join(this.dir, "fs", "usr-local-sbin", ".cloud-init-done-at"), `${Math.ceil(Date.now() / 1000 + seconds)}\n`);
  }

  private prepare(runtime: StandinRuntime | null, cloudInit: boolean): SshConnection {
    ensureAziotUsers();
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    for (const backing of Object.values(this.privateDirs)) mkdirSync(join(this.dir, "fs", backing), { recursive: true });
    for (const backing of Object.values(this.privateFiles)) writeFileSync(join(this.dir, "fs", backing), "");
    cpSync("/var/lib/dpkg", join(this.dir, "fs", "var-lib-dpkg"), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(this.dir, "fs", "var-cache-apt", "archives", "partial"), { recursive: true });
    if (runtime) {
      writeFileSync(join(this.dir, "fs", "var-lib-dpkg", "status"), standinDpkgEntries(runtime), { flag: "a" });
      for (const [name, text] of [
        ["iotedge", this.iotedgeWrapper()],
        ["docker", this.dockerWrapper()],
      ]) {
        const wrapper = join(this.dir, "fs", "usr-local-sbin", name);
        writeFileSync(wrapper, text);
        chmodSync(wrapper, 0o755);
      }
    }
    if (this.osRelease !== undefined) writeFileSync(join(this.dir, "fs", "os-release"), this.osRelease);
    writeFileSync(join(this.dir, "fs", "home", ".bashrc"), DEVICE_BASHRC);
    chmodSync(join(this.dir, "fs", "home"), this.loginUser ? 0o750 : 0o700);
    if (this.loginUser) {
      ensureUser(this.loginUser.name, ["--create-home", "--user-group", "--shell", "/bin/bash"]);
      const [uid, gid] = ["-u", "-g"].map((flag) => Number(execFileSync("id", [flag, this.loginUser!.name], { encoding: "utf8" })));
      for (const path of [join(this.dir, "fs", "home"), join(this.dir, "fs", "home", ".bashrc")]) chownSync(path, uid, gid);
      // No password, but not locked ("!"): sshd without PAM refuses even key logins to a locked account.
      execFileSync("usermod", ["--password", "*", this.loginUser.name], { stdio: "pipe" });
      if (this.loginUser.sudo !== false) {
        writeFileSync(join(this.dir, "fs", "sudoers.d", "edge-test-host"), `${this.loginUser.name} ALL=(ALL) NOPASSWD:ALL\n`, {
          mode: 0o440,
        });
      }
    }
    if (cloudInit) {
      const wrapper = join(this.dir, "fs", "usr-local-sbin", "cloud-init");
      writeFileSync(wrapper, `#!/bin/sh\n# TEST STAND-IN: not cloud-init (see ${STANDIN_CLOUD_INIT})\nexec ${STANDIN_CLOUD_INIT} "$@"\n`);
      chmodSync(wrapper, 0o755);
    }
    const keygen = (file: string) =>
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", this.name, "-f", join(this.dir, file)]);
    keygen("ssh_host_ed25519_key");
    keygen("client_key");
    writeFileSync(join(this.dir, "authorized_keys"), readFileSync(join(this.dir, "client_key.pub")));
    // sshd reads a user's authorized keys as that user: let a login user through the host's folder
    // (its keys stay 0600, readable by root only).
    if (this.loginUser) chmodSync(this.dir, 0o711);
    writeFileSync(
      join(this.dir, "sshd_config"),
      [
        `ListenAddress ${this.address}:${this.port}`,
        `HostKey ${join(this.dir, "ssh_host_ed25519_key")}`,
        `AuthorizedKeysFile ${join(this.dir, "authorized_keys")}`,
        `PidFile ${join(this.dir, "sshd.pid")}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",
        "LogLevel ERROR",
        "MaxStartups 100:30:200",
        "MaxSessions 50",
        "",
      ].join("\n"),
    );
    const hostKey = readFileSync(join(this.dir, "ssh_host_ed25519_key.pub"), "utf8").split(" ").slice(0, 2).join(" ");
    return {
      host: this.address,
      port: this.port,
      user: this.loginUser?.name ?? "root",
      privateKey: readFileSync(join(this.dir, "client_key"), "utf8"),
      hostKey,
    };
  }

  /** Starts sshd in a fresh mount namespace over the host's private directories. */
  async startSshd(): Promise<void> {
    if (this.sshd) return;
    const binds = [
      ...Object.entries(this.privateDirs).map(
        ([mount, backing]) => `mkdir -p ${mount} && mount --bind ${join(this.dir, "fs", backing)} ${mount}`,
      ),
      ...Object.entries(this.privateFiles).map(
        ([mount, backing]) => `touch ${mount} && mount --bind ${join(this.dir, "fs", backing)} ${mount}`,
      ),
    ];
    if (this.osRelease !== undefined) binds.push(`mount --bind ${join(this.dir, "fs", "os-release")} /etc/os-release`);
    const script = [
      "set -euo pipefail",
      ...binds,
      `hostname ${shellQuote(this.hostname)}`,
      `exec /usr/sbin/sshd -D -e -f ${join(this.dir, "sshd_config")}`,
    ].join("\n");
    const child = spawn("unshare", ["--mount", "--uts", "--propagation", "private", "bash", "-c", script], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.sshd = child;
    child.stderr!.on("data", (d: Buffer) => (this.sshdLog += d.toString()));
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`sshd of ${this.name} exited (${code}): ${this.sshdLog.trim()}`))),
    );
    exited.catch(() => undefined);
    child.once("exit", (code, signal) => {
      if (this.sshd !== child) return;
      // Not stopped by us: say so, with sshd's own words, so a refused dial has an explanation.
      this.sshd = undefined;
      this.unexpectedExit = `sshd of ${this.name} (${this.address}:${this.port}) exited on its own (code ${code}, signal ${signal}): ${this.sshdLog.trim()}`;
      console.error(this.unexpectedExit);
    });
    await Promise.race([waitForListener(child.pid!, this.address, this.port, 10_000), exited]);
  }

  /** Stops the listening sshd: connections are refused until startSshd. Running sessions go on. */
  async stopSshd(): Promise<void> {
    const child = this.sshd;
    if (!child) return;
    this.sshd = undefined;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  }

  /** Refuses connections for `ms`, then listens again. Resolves once refusing; `restarted` when back. */
  async refuseFor(ms: number): Promise<{ restarted: Promise<void> }> {
    await this.stopSshd();
    const restarted = new Promise<void>((resolve, reject) => setTimeout(() => this.startSshd().then(resolve, reject), ms));
    return { restarted };
  }

  async stop(): Promise<void> {
    await this.stopSshd();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
