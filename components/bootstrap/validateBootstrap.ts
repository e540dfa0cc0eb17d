// Checks of the bootstrap's plain inputs, before any step is created. Pure.
import { deviceIdSchema } from "../config/settings";
import type { DeviceBootstrapArgs } from "./bootstrap";
import { identityServiceRequired, identityServiceVersionFor } from "./runtimePackages";

/** A rule on one `runtime` field: the field and what is wrong with it. */
export interface RuntimeRuleError {
  readonly field: "aziotEdgeVersion" | "aziotIdentityServiceVersion" | "mobyEngineVersion" | "agentImage" | "purgeOnDestroy";
  readonly message: string;
}

/** The runtime settings' rules; validateFleet runs them too, so preflight refuses what the bootstrap would. */
export function runtimeRuleErrors(runtime: DeviceBootstrapArgs["runtime"]): RuntimeRuleError[] {
  const errors: RuntimeRuleError[] = [];
  if (!runtime.aziotEdgeVersion.trim()) errors.push({ field: "aziotEdgeVersion", message: "must not be empty (e.g. 1.6.0-1)" });
  if (!runtime.agentImage.trim())
    errors.push({ field: "agentImage", message: "must not be empty (e.g. mcr.microsoft.com/azureiotedge-agent:1.6)" });
  // Versions go to apt as package=version: a space or shell metacharacter is a typo.
  const malformed = (["aziotEdgeVersion", "aziotIdentityServiceVersion", "mobyEngineVersion"] as const).filter((field) => {
    const value = runtime[field];
    return value !== undefined && !/^[A-Za-z0-9.+~:-]*$/.test(value);
  });
  // Which identity service a version needs is asked only of a well-formed aziot-edge version.
  const edgeVersionKnown = runtime.aziotEdgeVersion.trim() !== "" && !malformed.includes("aziotEdgeVersion");
  if (edgeVersionKnown && identityServiceVersionFor(runtime) === undefined) {
    errors.push({ field: "aziotIdentityServiceVersion", message: identityServiceRequired(runtime.aziotEdgeVersion) });
  }
  for (const field of malformed) errors.push({ field, message: `"${runtime[field]}" is not a Debian package version` });
  // Preinstalled packages are the operator's: destroy must not purge what the bootstrap did not install.
  if (runtime.preinstalled && runtime.purgeOnDestroy) {
    errors.push({
      field: "purgeOnDestroy",
      message: "cannot be true with runtime.preinstalled: the operator installed those packages, so destroy leaves them",
    });
  }
  return errors;
}

export function bootstrapArgsProblems(args: DeviceBootstrapArgs): string[] {
  const problems: string[] = [];
  const id = deviceIdSchema.safeParse(args.deviceId);
  if (!id.success) problems.push(`deviceId ${id.error.issues.map((i) => i.message).join(", ")}`);
  for (const e of runtimeRuleErrors(args.runtime)) problems.push(`runtime.${e.field} ${e.message}`);
  const c = args.certificates;
  if ((c.edgeCaCertPem === undefined) !== (c.edgeCaKeyPem === undefined)) {
    problems.push("certificates: give both edgeCaCertPem and edgeCaKeyPem, or neither");
  }
  for (const [key, value] of Object.entries(args.timeouts ?? {})) {
    if (!Number.isInteger(value) || value <= 0) problems.push(`timeouts.${key} must be a positive whole number of seconds`);
  }
  return problems;
}
