// The device scripts as one bundle, staged once on each host by the bootstrap's `scripts` step (a
// remote.CopyToRemote of scripts/device), and the bundle's SHA-256: what the other steps carry
// instead of the scripts' text, so the state holds a hash per step rather than the scripts.
import { createHash } from "crypto";
import { readdirSync, readFileSync } from "fs";
import { join, relative } from "path";
import { PROJECT_ROOT } from "../projectRoot";

export const SCRIPT_DIR = join(PROJECT_ROOT, "scripts", "device");

/**
 * Where bundles go on a host, relative to the SSH user's home: the folder an SSH session starts in,
 * where both the copy (SFTP upstream, a shell in the lab's provider) and the steps resolve it.
 */
export const STAGING_ROOT = ".edge-bootstrap";

export interface ScriptBundle {
  /** SHA-256 (hex) of bundleManifest(files). */
  readonly sha256: string;
  /** The folder on the host, relative to the SSH user's home: STAGING_ROOT/<sha256>. */
  readonly remotePath: string;
  /** The scripts by file name. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * `sha256sum` of every script, in byte order of the names: "<hex>  <name>\n" a line, exactly what
 * `LC_ALL=C sha256sum -- *.sh` prints in the bundle's folder. The bundle's hash is this text's.
 */
export function bundleManifest(files: Readonly<Record<string, string>>): string {
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
  return Object.keys(files)
    .filter((name) => name.endsWith(".sh"))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((name) => `${sha256(files[name])}  ${name}\n`)
    .join("");
}

export function bundleOf(files: Readonly<Record<string, string>>): ScriptBundle {
  const sha256 = createHash("sha256").update(bundleManifest(files)).digest("hex");
  return { sha256, remotePath: `${STAGING_ROOT}/${sha256}`, files };
}

const bundles = new Map<string, ScriptBundle>();

/** The bundle of the scripts in `dir` (read once). */
export function scriptBundle(dir: string = SCRIPT_DIR): ScriptBundle {
  let bundle = bundles.get(dir);
  if (bundle === undefined) {
    const names = readdirSync(dir).filter((name) => name.endsWith(".sh"));
    bundle = bundleOf(Object.fromEntries(names.map((name) => [name, readFileSync(join(dir, name), "utf8")])));
    bundles.set(dir, bundle);
  }
  return bundle;
}

/**
 * The scripts folder as CopyToRemote's FileArchive path. Relative to the working directory (the
 * project's, where `pulumi` runs the program and its providers), so the state does not depend on
 * where the repository is checked out. The trailing slash copies the folder's files into remotePath
 * itself, not into a `device` folder under it (both upstream and the lab's provider).
 */
export function scriptArchivePath(dir: string = SCRIPT_DIR, cwd: string = process.cwd()): string {
  return `${relative(cwd, dir) || "."}/`;
}
