// A folder's tree as sorted lines (path, type, size, modification time), for before/after
// comparisons: a file added, removed, rewritten or touched changes it. A missing folder is [].
import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";

export function treeListing(root: string): string[] {
  if (!existsSync(root)) return [];
  const lines: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      const kind = stat.isDirectory() ? "dir" : stat.isSymbolicLink() ? "link" : "file";
      lines.push(`${relative(root, path)} ${kind} ${stat.isDirectory() ? "" : stat.size} ${stat.mtimeMs}`);
      if (stat.isDirectory()) walk(path);
    }
  };
  walk(root);
  return lines.sort();
}
