// A local apt repository of TEST STAND-IN packages `moby-engine`, `aziot-identity-service` and
// `aziot-edge` (which depends on one exact identity service, as the real one does), set up on a
// test host as if it were Microsoft's (sources.list.d/microsoft-prod.list), so the bootstrap's
// install step runs its real `apt-get update` and pinned `apt-get install`s — moby-engine first —
// without the internet. aziot-edge installs the stand-in `iotedge` as /usr/local/sbin/iotedge.
// The host gets private copies of /var/lib/dpkg and /etc/apt (see TestHost option packageRepo).
import { createHash } from "crypto";
import { execFileSync } from "child_process";
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { join } from "path";

export interface StandinPackageVersions {
  readonly aziotEdgeVersion: string;
  readonly aziotIdentityServiceVersion: string;
  readonly mobyEngineVersion: string;
  /** Also offered: a newer aziot-identity-service, and an aziot-edge "<its version>" that depends on it. */
  readonly newerIdentityServiceVersion?: string;
}

/** Private directories the host needs for a real install (besides /var/lib/dpkg, private on every host). */
export const PACKAGE_REPO_DIRS: Record<string, string> = {
  "/etc/apt": "etc-apt",
  "/var/lib/apt/lists": "var-lib-apt-lists",
  "/var/log/apt": "var-log-apt",
};

function buildDeb(work: string, name: string, version: string, extra: { depends?: string; files?: Record<string, string> }): string {
  const root = join(work, `${name}-${version}-pkg`);
  mkdirSync(join(root, "DEBIAN"), { recursive: true });
  writeFileSync(
    join(root, "DEBIAN", "control"),
    [
      `Package: ${name}`,
      `Version: ${version}`,
      "Architecture: all",
      "Maintainer: edge test hosts <nobody@localhost>",
      ...(extra.depends ? [`Depends: ${extra.depends}`] : []),
      `Description: TEST STAND-IN for ${name} (lab/hosts/standinPackages.ts)`,
      " Not the real package: installs only what the bootstrap's tests need.",
      "",
    ].join("\n"),
  );
  for (const [path, content] of Object.entries(extra.files ?? {})) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
    chmodSync(join(root, path), 0o755);
  }
  const deb = join(work, "repo", `${name}_${version}_all.deb`);
  execFileSync("dpkg-deb", ["--root-owner-group", "--build", root, deb], { stdio: "pipe" });
  return deb;
}

/**
 * Fills `fsDir` (the host's backing directories) for a host whose runtime comes from the
 * stand-in repository: copies of the machine's dpkg database and apt configuration, with the
 * repository as the only source.
 */
export function preparePackageRepo(
  hostDir: string,
  fsDir: string,
  versions: StandinPackageVersions,
  wrappers: { iotedge: string; docker: string },
): void {
  const work = join(hostDir, "standin-packages");
  mkdirSync(join(work, "repo"), { recursive: true });
  // aziot-edge depends on exactly one aziot-identity-service, as the real package does
  // (Azure/iotedge edgelet/contrib/debian/control at tag 1.6.0: `aziot-identity-service (= 1.6.0-1)`).
  const edge = (version: string, identity: string) =>
    buildDeb(work, "aziot-edge", version, {
      depends: `aziot-identity-service (= ${identity})`,
      files: { "usr/local/sbin/iotedge": wrappers.iotedge },
    });
  const newer = versions.newerIdentityServiceVersion;
  const debs = [
    buildDeb(work, "moby-engine", versions.mobyEngineVersion, { files: { "usr/local/sbin/docker": wrappers.docker } }),
    buildDeb(work, "aziot-identity-service", versions.aziotIdentityServiceVersion, {}),
    edge(versions.aziotEdgeVersion, versions.aziotIdentityServiceVersion),
    ...(newer ? [buildDeb(work, "aziot-identity-service", newer, {}), edge(newer, newer)] : []),
  ];
  const stanzas = debs.map((deb) => {
    const control = execFileSync("dpkg-deb", ["-f", deb], { encoding: "utf8" }).trimEnd();
    const bytes = readFileSync(deb);
    const name = deb.slice(deb.lastIndexOf("/") + 1);
    return `${control}\nFilename: ./${name}\nSize: ${bytes.length}\nSHA256: ${createHash("sha256").update(bytes).digest("hex")}\n`;
  });
  writeFileSync(join(work, "repo", "Packages"), `${stanzas.join("\n")}\n`);

  const etcApt = join(fsDir, PACKAGE_REPO_DIRS["/etc/apt"]);
  cpSync("/etc/apt", etcApt, { recursive: true, verbatimSymlinks: true });
  rmSync(join(etcApt, "sources.list"), { force: true });
  for (const f of readdirSync(join(etcApt, "sources.list.d"))) rmSync(join(etcApt, "sources.list.d", f), { force: true });
  // Where the install step looks for Microsoft's repository: present, so it is not downloaded.
  writeFileSync(join(etcApt, "sources.list.d", "microsoft-prod.list"), `deb [trusted=yes] file:${join(work, "repo")} ./\n`);
  // The repository sits in the host's private (0700) directory: apt's download sandbox user could not read it.
  writeFileSync(join(etcApt, "apt.conf.d", "99-edge-test-host"), 'APT::Sandbox::User "root";\n');
  mkdirSync(join(fsDir, PACKAGE_REPO_DIRS["/var/lib/apt/lists"], "partial"), { recursive: true });
  mkdirSync(join(fsDir, PACKAGE_REPO_DIRS["/var/log/apt"]), { recursive: true });
  if (!statSync(join(work, "repo", "Packages")).size) throw new Error("empty stand-in Packages index");
}
