// A valid deployment manifest to start the manifest and deployment tests from.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The project's example manifest, parsed afresh (tests change their copy). */
export function exampleManifest(): { modulesContent: Record<string, any> } {
  return JSON.parse(readFileSync(join(__dirname, "..", "..", "manifests", "simulated-temperature.json"), "utf8"));
}

export function agentOf(manifest: { modulesContent: Record<string, any> }): Record<string, any> {
  return manifest.modulesContent.$edgeAgent["properties.desired"];
}

export function hubOf(manifest: { modulesContent: Record<string, any> }): Record<string, any> {
  return manifest.modulesContent.$edgeHub["properties.desired"];
}
