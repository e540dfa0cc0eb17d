// The exact command strings the bootstrap steps give remote.Command, built from the device scripts
// under scripts/device/. Pure (reads the script files once); tests run the same strings over SSH.
import { createHash } from "crypto";
import { readFileSync } from "fs";
import { join } from "path";
import { PROJECT_ROOT } from "../projectRoot";
import { DEVICE_FILES, DeviceFileName } from "./devicePaths";
import { identityServiceVersionFor } from "./runtimePackages";

export const SCRIPT_DIR = join(PROJECT_ROOT, "scripts", "device");

export type DeviceScript = "wait-ready" | "install-runtime" | "place-certs" | "write-config" | "apply-config" | "cleanup";

const scriptCache = new Map<string, string>();
function scriptText(file: string): string {
  let text = scriptCache.get(file);
  if (text === undefined) {
    text = compactScript(readFileSync(join(SCRIPT_DIR, file), "utf8"));
    scriptCache.set(file, text);
  }
  return text;
}

/**
 * A script without its comment-only and blank lines: the same program (the device scripts have no
 * here-documents or multi-line strings; a test compares bash's own `declare -f` of both), at about
 * three quarters of the size. Every step's command text is stored twice in the stack's state.
 */
export function compactScript(text: string): string {
  return text
    .split("\n")
    .filter((line) => !/^\s*(#.*)?$/.test(line))
    .join("\n")
    .concat("\n");
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What a step says, and does, when the SSH user is not root and sudo wants a password. */
const NO_SUDO = `echo "edge-bootstrap: error: the SSH user '$(id -un)' cannot run sudo without a password; the steps run as root: give it passwordless sudo" >&2; exit 1`;

/**
 * One step as a single command line: common.sh and the step script as one `bash -c` program,
 * run as root (through `sudo -n` when the SSH user is not root; without passwordless sudo it stops
 * there, saying so). The program text is in argv,
 * the arguments are plain settings; anything secret goes on stdin, never here.
 * POSIX sh syntax outside the program, because the login shell on the host may be dash. The
 * program appears once: the root test only chooses the prefix (`set --` empties "$@").
 */
export function deviceCommand(script: DeviceScript, args: readonly string[] = []): string {
  const program = `${scriptText("common.sh")}${scriptText(`${script}.sh`)}`;
  const argv = [shellQuote(program), shellQuote(`edge-bootstrap-${script}`), ...args.map(shellQuote)].join(" ");
  return `if [ "$(id -u)" -eq 0 ]; then set --; elif sudo -n true 2>/dev/null; then set -- sudo -n; else ${NO_SUDO}; fi; exec "$@" bash -c ${argv}`;
}

export interface StepTimeouts {
  /** Bound of `cloud-init status --wait`. */
  readonly cloudInitSeconds: number;
  /** apt's DPkg::Lock::Timeout: how long to wait for another apt/dpkg run. */
  readonly aptLockSeconds: number;
  /** Bound of the wait for `iotedge system status` to report healthy after apply. */
  readonly healthSeconds: number;
}

export const DEFAULT_TIMEOUTS: StepTimeouts = { cloudInitSeconds: 1200, aptLockSeconds: 600, healthSeconds: 300 };

export interface InstallInput {
  readonly aziotEdgeVersion: string;
  /** Unset: the version aziotEdgeVersion depends on (runtimePackages.ts). */
  readonly aziotIdentityServiceVersion?: string;
  /** Unset: any installed moby-engine will do; when missing, the repository's current one. */
  readonly mobyEngineVersion?: string;
  readonly preinstalled: boolean;
  /** Existing hosts: destroy also purges aziot-edge and aziot-identity-service (never with preinstalled). */
  readonly purgeOnDestroy?: boolean;
}

/** The command of every step. `cleanupDelete` is the destroy-time command for existing hosts. */
export interface StepCommands {
  readonly wait: string;
  readonly install: string;
  readonly certs: string;
  readonly config: string;
  readonly apply: string;
  readonly cleanupCreate: string;
  readonly cleanupDelete: string;
}

export function stepCommands(install: InstallInput, timeouts: StepTimeouts = DEFAULT_TIMEOUTS): StepCommands {
  const identityVersion = identityServiceVersionFor(install);
  if (identityVersion === undefined)
    throw new Error(`runtime.aziotIdentityServiceVersion is required with aziotEdgeVersion ${install.aziotEdgeVersion}`);
  return {
    wait: deviceCommand("wait-ready", [String(timeouts.cloudInitSeconds)]),
    install: deviceCommand("install-runtime", [
      install.aziotEdgeVersion,
      identityVersion,
      install.mobyEngineVersion ?? "any",
      String(install.preinstalled),
      String(timeouts.aptLockSeconds),
    ]),
    certs: deviceCommand("place-certs"),
    config: deviceCommand("write-config"),
    apply: deviceCommand("apply-config", [String(timeouts.healthSeconds)]),
    cleanupCreate: deviceCommand("cleanup", ["register"]),
    // The flag is in the command, so a change of the setting updates the step's stored delete.
    cleanupDelete: deviceCommand("cleanup", install.purgeOnDestroy ? ["remove", "purge", String(timeouts.aptLockSeconds)] : ["remove"]),
  };
}

/** The PEM files for the device. Identity cert and key are required; the rest optional. */
export interface DeviceCertificates {
  readonly identityCertPem: string;
  readonly identityKeyPem: string;
  readonly edgeCaCertPem?: string;
  readonly edgeCaKeyPem?: string;
  readonly trustBundlePem?: string;
}

function payloadEntries(certs: DeviceCertificates): Array<[DeviceFileName, string]> {
  if ((certs.edgeCaCertPem === undefined) !== (certs.edgeCaKeyPem === undefined)) {
    throw new Error("the edge CA needs both edgeCaCertPem and edgeCaKeyPem, or neither");
  }
  const entries: Array<[DeviceFileName, string | undefined]> = [
    ["identity-cert", certs.identityCertPem],
    ["identity-key", certs.identityKeyPem],
    ["edge-ca-cert", certs.edgeCaCertPem],
    ["edge-ca-key", certs.edgeCaKeyPem],
    ["trust-bundle", certs.trustBundlePem],
  ];
  return entries.filter((e): e is [DeviceFileName, string] => e[1] !== undefined && e[1] !== "");
}

/** stdin of the certificate step: "<name> <base64>" a line. Holds private keys: a secret. */
export function certificatePayload(certs: DeviceCertificates): string {
  return payloadEntries(certs)
    .map(([name, pem]) => `${name} ${Buffer.from(pem.endsWith("\n") ? pem : `${pem}\n`, "utf8").toString("base64")}\n`)
    .join("");
}

/**
 * A fingerprint of what the apply step depends on (config text and every file with its target
 * path): its trigger. SHA-256, so it reveals nothing of the keys it covers.
 */
export function applyFingerprint(configToml: string, certs: DeviceCertificates): string {
  const hash = createHash("sha256").update(configToml);
  for (const [name, pem] of payloadEntries(certs)) hash.update(`\0${DEVICE_FILES[name].path}\0${pem}`);
  return hash.digest("hex");
}
