// The CPU time of a process tree, from a cgroup of its own: every process the tree starts stays in
// the group, also one its parent did not wait for, so the group's counter is the whole tree's CPU
// (getrusage of the parent would miss those). cgroup v1's cpuacct controller when mounted, else the
// v2 hierarchy (cpu.stat counts without any controller enabled). Needs root, like the lab.
import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";

const V1_CPUACCT = "/sys/fs/cgroup/cpuacct";
const V2_ROOT = "/sys/fs/cgroup";

export class CpuGroup {
  private constructor(
    readonly dir: string,
    private readonly v1: boolean,
  ) {}

  static create(name: string): CpuGroup {
    const v1 = existsSync(join(V1_CPUACCT, "cpuacct.usage"));
    if (!v1 && !existsSync(join(V2_ROOT, "cgroup.controllers"))) {
      throw new Error(`no cgroup to count CPU time in: neither ${V1_CPUACCT} (cgroup v1 cpuacct) nor a cgroup v2 hierarchy at ${V2_ROOT}`);
    }
    const dir = join(v1 ? V1_CPUACCT : V2_ROOT, name);
    mkdirSync(dir, { recursive: true });
    return new CpuGroup(dir, v1);
  }

  /** Write a process id here to move that process (and what it starts from then on) into the group. */
  get procsFile(): string {
    return join(this.dir, "cgroup.procs");
  }

  /** CPU time (user and system) of every process that ran in the group, in milliseconds. */
  cpuMs(): number {
    if (this.v1) return Number(readFileSync(join(this.dir, "cpuacct.usage"), "utf8").trim()) / 1e6;
    const usec = /^usage_usec (\d+)$/m.exec(readFileSync(join(this.dir, "cpu.stat"), "utf8"))?.[1];
    return Number(usec) / 1000;
  }

  /** Removes the group; a process still in it (a plugin that outlived the CLI) is waited for up to 10 s. */
  async remove(): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        rmdirSync(this.dir);
        return;
      } catch (e) {
        if (i >= 100)
          throw new Error(
            `could not remove ${this.dir}: ${(e as Error).message}; processes left: ${readFileSync(this.procsFile, "utf8").trim()}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
