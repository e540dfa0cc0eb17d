import { execFileSync, spawnSync } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { dialRetryBudgetSeconds, BOOT_DIAL_ERROR_LIMIT } from "../../components/bootstrap/connection";
import { CERT_DIR, CONFIG_PATH, DEVICE_FILES, KEY_DIR, STATE_DIR } from "../../components/bootstrap/devicePaths";
import {
  certificatePayload,
  deviceCommand,
  DeviceScript,
  shellQuote,
  STAGED_RUNNER,
  stepCommands,
} from "../../components/bootstrap/deviceCommands";
import {
  bundleManifest,
  bundleOf,
  SCRIPT_DIR,
  scriptArchivePath,
  scriptBundle,
  STAGING_ROOT,
} from "../../components/bootstrap/deviceScripts";

const pem = (type: string, body: string) => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
const certs = {
  identityCertPem: pem("CERTIFICATE", "CERT-A"),
  identityKeyPem: pem("PRIVATE KEY", "KEY-A"),
  edgeCaCertPem: pem("CERTIFICATE", "CA"),
  edgeCaKeyPem: pem("EC PRIVATE KEY", "CA-KEY"),
  trustBundlePem: pem("CERTIFICATE", "TB"),
};

describe("device scripts", () => {
  const scripts = readdirSync(SCRIPT_DIR).filter((f) => f.endsWith(".sh"));

  test("are shellcheck-clean", () => {
    expect(scripts.sort()).toEqual([
      "apply-config.sh",
      "cleanup.sh",
      "common.sh",
      "converge.sh",
      "install-runtime.sh",
      "place-certs.sh",
      "wait-ready.sh",
      "write-config.sh",
    ]);
    const result = spawnSync("shellcheck", ["-x", "-s", "bash", ...scripts], { cwd: SCRIPT_DIR, encoding: "utf8" });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test.each(scripts.filter((s) => s !== "common.sh"))("%s: strict mode, work in functions, main called on the last line", (script) => {
    const lines = readFileSync(join(SCRIPT_DIR, script), "utf8").trimEnd().split("\n");
    expect(lines).toContain("set -euo pipefail");
    expect(lines[lines.length - 1]).toBe('main "$@"');
    expect(lines.some((l) => /^\s*set -x/.test(l))).toBe(false);
  });

  test("paths in common.sh agree with devicePaths.ts", () => {
    const common = readFileSync(join(SCRIPT_DIR, "common.sh"), "utf8");
    expect(common).toContain(`readonly EDGE_CERT_DIR=${CERT_DIR}\n`);
    expect(common).toContain(`readonly EDGE_KEY_DIR=${KEY_DIR}\n`);
    expect(common).toContain(`readonly EDGE_CONFIG=${CONFIG_PATH}\n`);
    expect(common).toContain(`readonly EDGE_STATE_DIR=${STATE_DIR}\n`);
    for (const [name, f] of Object.entries(DEVICE_FILES)) {
      const out = execFileSync("bash", ["-c", `. ./common.sh; target_of ${name}`], { cwd: SCRIPT_DIR, encoding: "utf8" });
      expect(out).toBe(`${f.path} ${f.owner} 0${f.mode}\n`);
    }
  });
});

describe("deviceCommand", () => {
  test("quotes any word for a POSIX shell", () => {
    for (const word of ["plain", "it's", "$(rm -rf /)", "a b\nc", "'", ""]) {
      expect(execFileSync("sh", ["-c", `printf %s ${shellQuote(word)}`], { encoding: "utf8" })).toBe(word);
    }
  });

  test("runs the runner with the bundle's hash, the script and its arguments, as root or through sudo -n", () => {
    const sha = scriptBundle().sha256;
    const cmd = deviceCommand("wait-ready", ["1200"]);
    expect(cmd).toBe(
      `if [ "$(id -u)" = 0 ];then set --;elif sudo -n true 2>/dev/null;then set -- sudo -n;else echo "edge-bootstrap: error: the SSH user '$(id -un)' needs passwordless sudo" >&2;exit 1;fi;` +
        `exec "$@" bash -c ${shellQuote(STAGED_RUNNER)} '${sha}' 'wait-ready' '1200'`,
    );
    // No script text in the command: the state keeps the hash. The state holds it twice per step.
    expect(cmd).not.toContain("wait_for_cloud_init");
    expect(cmd.length).toBeLessThan(650);
    // Run the real string with `bash` swapped for a printer of its arguments: the runner and argv arrive intact.
    const probe = cmd.replace(/exec "\$@" bash -c/, 'exec "$@" sh -c \'printf "%s\\n" "$0" "$@" | tail -n 3\' ignored');
    const printed = execFileSync("sh", ["-c", probe], { encoding: "utf8" });
    expect(printed).toBe(`${sha}\nwait-ready\n1200\n`);
  });

  test("a changed script changes the bundle's hash, and with it every step's command", () => {
    const copy = mkdtempSync(join(tmpdir(), "edge-scripts-"));
    try {
      cpSync(SCRIPT_DIR, copy, { recursive: true });
      writeFileSync(join(copy, "apply-config.sh"), `${readFileSync(join(copy, "apply-config.sh"), "utf8")}# changed\n`);
      const changed = scriptBundle(copy);
      expect(changed.sha256).not.toBe(scriptBundle().sha256);
      expect(changed.remotePath).toBe(`${STAGING_ROOT}/${changed.sha256}`);
      const install = { aziotEdgeVersion: "1.6.0-1", preinstalled: false };
      const [before, after] = [scriptBundle(), changed].map((b) => stepCommands(install, undefined, b.sha256));
      expect(after.converge("toml")).not.toBe(before.converge("toml"));
      expect(after.cleanupDelete).not.toBe(before.cleanupDelete);
      expect(stepCommands(install).converge("toml")).toBe(before.converge("toml"));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  test("the bundle's manifest is what sha256sum prints for the scripts folder; the archive path is relative to the project", () => {
    const printed = execFileSync("bash", ["-c", "export LC_ALL=C; sha256sum -- *.sh"], { cwd: SCRIPT_DIR, encoding: "utf8" });
    expect(bundleManifest(scriptBundle().files)).toBe(printed);
    expect(Object.keys(scriptBundle().files).sort()).toEqual(
      readdirSync(SCRIPT_DIR)
        .filter((f) => f.endsWith(".sh"))
        .sort(),
    );
    expect(scriptArchivePath(SCRIPT_DIR, join(SCRIPT_DIR, "..", ".."))).toBe("scripts/device/");
  });
});

describe("the runner, on a staged bundle (as root, in a home folder of its own)", () => {
  // A bundle of two scripts: the probe sources common.sh beside it (as the step scripts do) and prints what it was given.
  const files = {
    "common.sh": 'FROM_COMMON=1\nlog() { echo "log: $*" >&2; }\n',
    "probe.sh":
      'set -euo pipefail\n. "$(dirname "${BASH_SOURCE[0]}")/common.sh"\nlog "from common"\n' +
      'echo "$0 [$*] stdin=$(cat) common=$FROM_COMMON staged=$EDGE_STAGED locale=$LC_ALL"\n',
  };
  const bundle = bundleOf(files);
  let home: string;
  const stage = (content: Record<string, string> = files) => {
    rmSync(join(home, STAGING_ROOT), { recursive: true, force: true });
    mkdirSync(join(home, bundle.remotePath), { recursive: true });
    for (const [name, text] of Object.entries(content)) writeFileSync(join(home, bundle.remotePath, name), text);
  };
  const run = (stdin = "") =>
    spawnSync("sh", ["-c", deviceCommand("probe" as DeviceScript, ["a b", "c"], bundle.sha256)], {
      cwd: home,
      input: stdin,
      encoding: "utf8",
    });
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "edge-home-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  test("runs the staged script with its arguments and stdin, in the C locale, naming the staging folder", () => {
    stage();
    const r = run("secret-on-stdin");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      `${home}/${bundle.remotePath}/probe.sh [a b c] stdin=secret-on-stdin common=1 staged=${home}/${STAGING_ROOT} locale=C\n`,
    );
    expect(r.stderr).toBe("log: from common\n");
  });

  const refusal = (sha: string) =>
    `edge-bootstrap[probe]: error: the staged scripts ${home}/${STAGING_ROOT}/${sha} are missing or changed; ` +
    "copy them again: pulumi up --replace <URN of its -bootstrap-scripts>\n";

  test.each([
    ["not staged", null],
    ["staged empty", {}],
    ["a script edited", { ...files, "probe.sh": `${files["probe.sh"]}echo extra\n` }],
    ["a script missing", { "probe.sh": files["probe.sh"] }],
    ["a script added", { ...files, "other.sh": "echo other\n" }],
  ])("%s → refuses before running anything, saying how to stage again", (_, content) => {
    if (content) stage(content);
    const r = run();
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(refusal(bundle.sha256));
  });
});

describe("step commands", () => {
  const timeouts = { cloudInitSeconds: 11, aptLockSeconds: 22, healthSeconds: 33 };
  test("the converge command carries the pinned versions and bounds in converge.sh's order, then config.toml; nothing secret", () => {
    const c = stepCommands({ aziotEdgeVersion: "1.6.0-1", preinstalled: false }, timeouts);
    const toml = '# header\n[agent]\nname = "edgeAgent"\n';
    // The identity service aziot-edge 1.6.0-1 depends on, unless set.
    expect(c.converge(toml).endsWith(`'converge' '11' '1.6.0-1' '1.6.0-1' 'any' 'false' '22' '33' '${toml}'`)).toBe(true);
    expect(stepCommands({ aziotEdgeVersion: "1.6.1-1", preinstalled: false }).converge("t")).toContain(`'1.6.1-1' '1.6.0-1' 'any'`);
    expect(
      stepCommands({ aziotEdgeVersion: "1.6.2-1", aziotIdentityServiceVersion: "1.6.1-1", preinstalled: false }).converge("t"),
    ).toContain(`'1.6.2-1' '1.6.1-1' 'any'`);
    expect(stepCommands({ aziotEdgeVersion: "1.6.0-1", mobyEngineVersion: "25.0.5-1", preinstalled: true }).converge("t")).toContain(
      `'1.6.0-1' '1.6.0-1' '25.0.5-1' 'true' '600'`,
    );
    // A config.toml with a quote reaches the script intact.
    expect(c.converge("a = 'b'\n")).toContain(shellQuote("a = 'b'\n"));
    expect(c.cleanupDelete.endsWith(`'cleanup' 'remove'`)).toBe(true);
    // runtime.purgeOnDestroy is in the delete command itself: the step's stored delete changes with it.
    const purging = stepCommands({ aziotEdgeVersion: "1.6.0-1", preinstalled: false, purgeOnDestroy: true }, timeouts);
    expect(purging.cleanupDelete.endsWith(`'cleanup' 'remove' 'purge' '22'`)).toBe(true);
    expect(purging.converge(toml)).toBe(c.converge(toml));
  });
});

describe("certificatePayload", () => {
  test("a line per file naming its PEM blocks, an empty line, then the blocks; optional files left out", () => {
    expect(certificatePayload(certs)).toBe(
      "identity-cert 1\nidentity-key 2\nedge-ca-cert 3\nedge-ca-key 4\ntrust-bundle 5\n\n" +
        certs.identityCertPem +
        certs.identityKeyPem +
        certs.edgeCaCertPem +
        certs.edgeCaKeyPem +
        certs.trustBundlePem,
    );
    expect(certificatePayload({ identityCertPem: pem("CERTIFICATE", "C"), identityKeyPem: pem("PRIVATE KEY", "K").trimEnd() })).toBe(
      `identity-cert 1\nidentity-key 2\n\n${pem("CERTIFICATE", "C")}${pem("PRIVATE KEY", "K")}`,
    );
  });

  test("carries a block the files share once: the trust bundle is the root of the edge CA's chain, chains share their CA", () => {
    const [leaf, edge, ca, root] = ["LEAF", "EDGE", "CA", "ROOT"].map((b) => pem("CERTIFICATE", b));
    const payload = certificatePayload({
      identityCertPem: leaf + ca + root,
      identityKeyPem: certs.identityKeyPem,
      edgeCaCertPem: `${edge}\n${ca}${root}`,
      edgeCaKeyPem: certs.edgeCaKeyPem,
      trustBundlePem: root,
    });
    expect(payload).toBe(
      "identity-cert 1 2 3\nidentity-key 4\nedge-ca-cert 5 2 3\nedge-ca-key 6\ntrust-bundle 3\n\n" +
        leaf +
        ca +
        root +
        certs.identityKeyPem +
        edge +
        certs.edgeCaKeyPem,
    );
  });

  test.each([
    ["text outside the blocks", `junk\n${certs.identityCertPem}`],
    ["no block", "CERT-A\n"],
    ["an unterminated block", "-----BEGIN CERTIFICATE-----\nCERT-A\n"],
  ])("refuses a file with %s", (_, identityCertPem) => {
    expect(() => certificatePayload({ ...certs, identityCertPem })).toThrow(
      "the certificate payload's identity-cert is not PEM blocks only",
    );
  });

  test("refuses an edge CA certificate without its key", () => {
    expect(() => certificatePayload({ identityCertPem: "C", identityKeyPem: "K", edgeCaCertPem: "CA" })).toThrow(
      "the edge CA needs both edgeCaCertPem and edgeCaKeyPem, or neither",
    );
  });
});

describe("dial retries", () => {
  test("the provider's default (10) gives up after ~11 s of refusals; the bootstrap's limit waits minutes", () => {
    expect(dialRetryBudgetSeconds(10)).toBe(11.3);
    expect(dialRetryBudgetSeconds(BOOT_DIAL_ERROR_LIMIT)).toBeGreaterThan(240);
  });
});
