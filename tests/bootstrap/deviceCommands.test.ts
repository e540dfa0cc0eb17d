import { execFileSync, spawnSync } from "child_process";
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { dialRetryBudgetSeconds, BOOT_DIAL_ERROR_LIMIT } from "../../components/bootstrap/connection";
import { CERT_DIR, CONFIG_PATH, DEVICE_FILES, KEY_DIR, STATE_DIR } from "../../components/bootstrap/devicePaths";
import {
  applyFingerprint,
  certificatePayload,
  compactScript,
  deviceCommand,
  SCRIPT_DIR,
  shellQuote,
  stepCommands,
} from "../../components/bootstrap/deviceCommands";

const certs = {
  identityCertPem: "CERT-A\n",
  identityKeyPem: "KEY-A\n",
  edgeCaCertPem: "CA\n",
  edgeCaKeyPem: "CA-KEY\n",
  trustBundlePem: "TB\n",
};
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("device scripts", () => {
  const scripts = readdirSync(SCRIPT_DIR).filter((f) => f.endsWith(".sh"));

  test("are shellcheck-clean", () => {
    expect(scripts.sort()).toEqual([
      "apply-config.sh",
      "cleanup.sh",
      "common.sh",
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

  test("runs common.sh plus the step as one bash program with the arguments, as root or through sudo -n", () => {
    const cmd = deviceCommand("wait-ready", ["1200"]);
    expect(cmd).toMatch(
      /^if \[ "\$\(id -u\)" -eq 0 \]; then set --; elif sudo -n true 2>\/dev\/null; then set -- sudo -n; else echo "edge-bootstrap: error: [^"]*" >&2; exit 1; fi; exec "\$@" bash -c '.*' 'edge-bootstrap-wait-ready' '1200'$/s,
    );
    // The program is in the command once, not once per branch.
    expect(cmd.split("wait_for_cloud_init").length).toBeLessThanOrEqual(3);
    // Run the real string with `bash` swapped for a printer of its arguments: the program and argv arrive intact.
    const probe = cmd.replace(/exec "\$@" bash -c/, 'exec "$@" sh -c \'printf "%s\\n" "$0" "$@" | tail -n 2\' ignored');
    const printed = execFileSync("sh", ["-c", probe], { encoding: "utf8" });
    expect(printed).toBe("edge-bootstrap-wait-ready\n1200\n");
  });

  test.each(["wait-ready", "install-runtime", "place-certs", "write-config", "apply-config", "cleanup"])(
    "common.sh + %s.sh compacted is the same program to bash (functions and variables), without comments",
    (step) => {
      const [common, script] = ["common.sh", `${step}.sh`].map((f) => readFileSync(join(SCRIPT_DIR, f), "utf8"));
      const compact = compactScript(common) + compactScript(script);
      expect(compact).not.toMatch(/^\s*#/m);
      expect(compact.length).toBeLessThan(0.85 * (common.length + script.length));
      // Load the program without running main, and print what bash made of it.
      const dump = (text: string) =>
        execFileSync("bash", ["-c", `eval "$(cat)"; declare -f; declare -p | grep -E '^declare -[-a-zA-Z]+ EDGE_'`], {
          input: text.replace(/^main "\$@"$/m, ""),
          encoding: "utf8",
          cwd: SCRIPT_DIR,
        });
      expect(dump(compact)).toBe(dump(`${common}\n${script}`));
      expect(dump(compact)).toContain("main ()");
    },
  );

  test("step commands carry the pinned versions and bounds, nothing secret", () => {
    const c = stepCommands(
      { aziotEdgeVersion: "1.6.0-1", preinstalled: false },
      { cloudInitSeconds: 11, aptLockSeconds: 22, healthSeconds: 33 },
    );
    // The identity service aziot-edge 1.6.0-1 depends on, unless set.
    expect(c.install.endsWith(`'edge-bootstrap-install-runtime' '1.6.0-1' '1.6.0-1' 'any' 'false' '22'`)).toBe(true);
    expect(stepCommands({ aziotEdgeVersion: "1.6.1-1", preinstalled: false }).install).toContain(`'1.6.1-1' '1.6.0-1' 'any'`);
    expect(stepCommands({ aziotEdgeVersion: "1.6.2-1", aziotIdentityServiceVersion: "1.6.1-1", preinstalled: false }).install).toContain(
      `'1.6.2-1' '1.6.1-1' 'any'`,
    );
    expect(c.wait.endsWith(`'edge-bootstrap-wait-ready' '11'`)).toBe(true);
    expect(c.apply.endsWith(`'edge-bootstrap-apply-config' '33'`)).toBe(true);
    expect(c.cleanupDelete.endsWith(`'edge-bootstrap-cleanup' 'remove'`)).toBe(true);
    // runtime.purgeOnDestroy is in the delete command itself: the step's stored delete changes with it.
    const purging = stepCommands(
      { aziotEdgeVersion: "1.6.0-1", preinstalled: false, purgeOnDestroy: true },
      { cloudInitSeconds: 11, aptLockSeconds: 22, healthSeconds: 33 },
    );
    expect(purging.cleanupDelete.endsWith(`'edge-bootstrap-cleanup' 'remove' 'purge' '22'`)).toBe(true);
    expect(purging.cleanupCreate).toBe(c.cleanupCreate);
    expect(stepCommands({ aziotEdgeVersion: "1.6.0-1", mobyEngineVersion: "25.0.5-1", preinstalled: true }).install).toContain(
      `'1.6.0-1' '1.6.0-1' '25.0.5-1' 'true' '600'`,
    );
  });
});

describe("certificatePayload", () => {
  test("one '<name> <base64>' line per file, optional files left out", () => {
    expect(certificatePayload(certs)).toBe(
      `identity-cert ${b64("CERT-A\n")}\nidentity-key ${b64("KEY-A\n")}\nedge-ca-cert ${b64("CA\n")}\nedge-ca-key ${b64("CA-KEY\n")}\ntrust-bundle ${b64("TB\n")}\n`,
    );
    expect(certificatePayload({ identityCertPem: "C", identityKeyPem: "K" })).toBe(
      `identity-cert ${b64("C\n")}\nidentity-key ${b64("K\n")}\n`,
    );
  });

  test("refuses an edge CA certificate without its key", () => {
    expect(() => certificatePayload({ identityCertPem: "C", identityKeyPem: "K", edgeCaCertPem: "CA" })).toThrow(
      "the edge CA needs both edgeCaCertPem and edgeCaKeyPem, or neither",
    );
  });
});

describe("applyFingerprint (the apply step's trigger)", () => {
  const base = applyFingerprint("toml", certs);
  test("is stable and changes with the config or any certificate or key", () => {
    expect(applyFingerprint("toml", { ...certs })).toBe(base);
    expect(applyFingerprint("toml2", certs)).not.toBe(base);
    expect(applyFingerprint("toml", { ...certs, identityCertPem: "CERT-B\n" })).not.toBe(base);
    expect(applyFingerprint("toml", { ...certs, edgeCaKeyPem: "CA-KEY-2\n" })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(base).not.toContain(b64("KEY-A\n"));
  });
});

describe("dial retries", () => {
  test("the provider's default (10) gives up after ~11 s of refusals; the bootstrap's limit waits minutes", () => {
    expect(dialRetryBudgetSeconds(10)).toBe(11.3);
    expect(dialRetryBudgetSeconds(BOOT_DIAL_ERROR_LIMIT)).toBeGreaterThan(240);
  });
});
