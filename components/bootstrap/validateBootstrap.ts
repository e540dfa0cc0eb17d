// Checks of the bootstrap's plain inputs, before any step is created. Pure.
import { deviceIdSchema } from "../config/settings";
import type { DeviceBootstrapArgs } from "./bootstrap";
import { identityServiceRequired, identityServiceVersionFor } from "./runtimePackages";

export function bootstrapArgsProblems(args: DeviceBootstrapArgs): string[] {
  const problems: string[] = [];
  const id = deviceIdSchema.safeParse(args.deviceId);
  if (!id.success) problems.push(`deviceId ${id.error.issues.map((i) => i.message).join(", ")}`);
  if (!args.runtime.aziotEdgeVersion.trim()) problems.push("runtime.aziotEdgeVersion must not be empty (e.g. 1.6.0-1)");
  if (!args.runtime.agentImage.trim()) problems.push("runtime.agentImage must not be empty (e.g. mcr.microsoft.com/azureiotedge-agent:1.6)");
  if (identityServiceVersionFor(args.runtime) === undefined) problems.push(`runtime.aziotIdentityServiceVersion ${identityServiceRequired(args.runtime.aziotEdgeVersion)}`);
  // Versions go to apt as package=version: a space or shell metacharacter is a typo.
  for (const [field, value] of [
    ["runtime.aziotEdgeVersion", args.runtime.aziotEdgeVersion],
    ["runtime.aziotIdentityServiceVersion", args.runtime.aziotIdentityServiceVersion],
    ["runtime.mobyEngineVersion", args.runtime.mobyEngineVersion],
  ] as const) {
    if (value !== undefined && !/^[A-Za-z0-9.+~:-]*$/.test(value)) problems.push(`${field} "${value}" is not a Debian package version`);
  }
  const c = args.certificates;
  if ((c.edgeCaCertPem === undefined) !== (c.edgeCaKeyPem === undefined)) {
    problems.push("certificates: give both edgeCaCertPem and edgeCaKeyPem, or neither");
  }
  for (const [key, value] of Object.entries(args.timeouts ?? {})) {
    if (!Number.isInteger(value) || value <= 0) problems.push(`timeouts.${key} must be a positive whole number of seconds`);
  }
  return problems;
}
