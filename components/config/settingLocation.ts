// Where a setting is written in a stack file, so CI can point at the line. Pure.
import * as YAML from "yaml";
import { CONFIG_NAMESPACE } from "./readSettings";

/**
 * The 1-based line of `setting` (`devices[1].host.size`) under `edge:` in a stack file's YAML, or
 * of the nearest enclosing setting that is written there (a value may come from a default);
 * undefined when not even the top-level key is in the file.
 */
export function settingLine(stackYaml: string, setting: string, namespace = CONFIG_NAMESPACE): number | undefined {
  const lineCounter = new YAML.LineCounter();
  const doc = YAML.parseDocument(stackYaml, { lineCounter });
  const parts = setting.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== "");
  if (parts.length === 0) return undefined;
  const path = ["config", `${namespace}:${parts[0]}`, ...parts.slice(1).map((p) => (/^\d+$/.test(p) ? Number(p) : p))];
  // The deepest prefix of the path that the file has, by its key's position (or the item's, in a list).
  for (let depth = path.length; depth >= 2; depth--) {
    const parent = depth === 2 ? doc.getIn(["config"], true) : doc.getIn(path.slice(0, depth - 1), true);
    const key = path[depth - 1];
    if (YAML.isMap(parent)) {
      const pair = parent.items.find((p) => YAML.isScalar(p.key) && p.key.value === key);
      const offset = pair && YAML.isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      if (offset !== undefined) return lineCounter.linePos(offset).line;
    } else if (YAML.isSeq(parent) && typeof key === "number") {
      const offset = (parent.items[key] as YAML.Node | undefined)?.range?.[0];
      if (offset !== undefined) return lineCounter.linePos(offset).line;
    }
  }
  return undefined;
}
