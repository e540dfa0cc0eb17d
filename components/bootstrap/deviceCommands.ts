// The exact command strings the bootstrap steps give remote.Command: each runs one of the device
// scripts (scripts/device/) from the bundle the `scripts` step staged on the host, after checking the
// bundle's hash. Pure; tests run the same strings over SSH.
import type { DeviceFileName } from "./devicePaths";
import { scriptBundle, STAGING_ROOT } from "./deviceScripts";
import { identityServiceVersionFor } from "./runtimePackages";

export type DeviceScript = "converge" | "wait-ready" | "install-runtime" | "place-certs" | "write-config" | "apply-config" | "cleanup";

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** What a step says, and does, when the SSH user is not root and sudo wants a password. */
const NO_SUDO = `echo "edge-bootstrap: error: the SSH user '$(id -un)' needs passwordless sudo" >&2;exit 1`;

/**
 * The bash program every step runs as root, with arguments <bundle sha256> <script> <script's
 * arguments> ($0 is the hash): checks that the staged folder hashes to the bundle's SHA-256
 * (bundleManifest), then runs the script from it (the script sources common.sh beside it). A
 * missing, partial or edited copy stops the step before anything runs. The check is here, in the
 * command, because a staged file cannot vouch for itself. The folder is the SSH user's, who can
 * become root anyway: the check guards against a stale or damaged copy, not against that user.
 * EDGE_STAGED tells cleanup.sh what to remove. Kept short: the state holds it twice per step.
 */
export const STAGED_RUNNER =
  `export LC_ALL=C EDGE_STAGED=$PWD/${STAGING_ROOT};d=$EDGE_STAGED/$0;` +
  `[ "$({ cd "$d"&&sha256sum -- *.sh;} 2>/dev/null|sha256sum)" = "$0  -" ]||` +
  `{ echo "edge-bootstrap[$1]: error: the staged scripts $d are missing or changed; copy them again: pulumi up --replace <URN of its -bootstrap-scripts>" >&2;exit 1;};` +
  `exec bash "$d/$1.sh" "\${@:2}"`;

/**
 * One step as a single command line: STAGED_RUNNER as root (through `sudo -n` when the SSH user is
 * not root; without passwordless sudo it stops there, saying so). The command holds the runner, the
 * bundle's hash and plain arguments; anything secret goes on stdin, never here. POSIX sh syntax
 * outside the runner, because the login shell on the host may be dash. The runner appears once: the
 * root test only chooses the prefix (`set --` empties "$@").
 */
export function deviceCommand(script: DeviceScript, args: readonly string[] = [], bundleSha256: string = scriptBundle().sha256): string {
  const argv = [STAGED_RUNNER, bundleSha256, script, ...args].map(shellQuote).join(" ");
  return `if [ "$(id -u)" = 0 ];then set --;elif sudo -n true 2>/dev/null;then set -- sudo -n;else ${NO_SUDO};fi;exec "$@" bash -c ${argv}`;
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

/** The commands of the two steps that run scripts: `converge` (create) and `cleanup` (delete, existing hosts). */
export interface StepCommands {
  /** The converge step's command for this config.toml (an argument: not secret, and a preview shows its lines). */
  readonly converge: (configToml: string) => string;
  readonly cleanupDelete: string;
}

/**
 * The arguments converge.sh passes each of its parts that takes some: its own arguments are
 * wait's, install's, apply's, then config.toml.
 */
export function convergePartArgs(
  install: InstallInput,
  timeouts: StepTimeouts = DEFAULT_TIMEOUTS,
): Record<"wait" | "install" | "apply", string[]> {
  const identityVersion = identityServiceVersionFor(install);
  if (identityVersion === undefined)
    throw new Error(`runtime.aziotIdentityServiceVersion is required with aziotEdgeVersion ${install.aziotEdgeVersion}`);
  return {
    wait: [String(timeouts.cloudInitSeconds)],
    install: [
      install.aziotEdgeVersion,
      identityVersion,
      install.mobyEngineVersion ?? "any",
      String(install.preinstalled),
      String(timeouts.aptLockSeconds),
    ],
    apply: [String(timeouts.healthSeconds)],
  };
}

/** The commands of the steps, running the scripts of the bundle with this SHA-256 (default: scripts/device's). */
export function stepCommands(
  install: InstallInput,
  timeouts: StepTimeouts = DEFAULT_TIMEOUTS,
  bundleSha256: string = scriptBundle().sha256,
): StepCommands {
  const parts = convergePartArgs(install, timeouts);
  return {
    converge: (configToml) => deviceCommand("converge", [...parts.wait, ...parts.install, ...parts.apply, configToml], bundleSha256),
    // The flag is in the command, so a change of the setting updates the step's stored delete.
    cleanupDelete: deviceCommand(
      "cleanup",
      install.purgeOnDestroy ? ["remove", "purge", String(timeouts.aptLockSeconds)] : ["remove"],
      bundleSha256,
    ),
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

/** A PEM block, BEGIN line to END line. */
const PEM_BLOCK = /-----BEGIN ([^\n-]+)-----\n[\s\S]*?\n-----END \1-----(?:\n|$)/g;

/**
 * stdin of the certificate step (place-certs.sh): a line per file naming its PEM blocks by number,
 * "<name> <n>…", an empty line, then each distinct block once, in PEM, numbered from 1. The files
 * share blocks (the trust bundle is the root of the edge CA's chain; generated chains share the
 * fleet CA), and the state keeps this text twice as ciphertext. Holds private keys: a secret.
 */
export function certificatePayload(certs: DeviceCertificates): string {
  const blocks: string[] = [];
  const files = payloadEntries(certs).map(([name, pem]) => {
    const own = [...pem.matchAll(PEM_BLOCK)].map((m) => (m[0].endsWith("\n") ? m[0] : `${m[0]}\n`));
    if (own.length === 0 || own.join("").replace(/\s/g, "") !== pem.replace(/\s/g, "")) {
      throw new Error(`the certificate payload's ${name} is not PEM blocks only`);
    }
    const numbers = own.map((block) => (blocks.includes(block) ? blocks.indexOf(block) : blocks.push(block) - 1) + 1);
    return `${name} ${numbers.join(" ")}\n`;
  });
  return `${files.join("")}\n${blocks.join("")}`;
}
