// The program behind index.ts: read and check the stack's settings, then build the fleet.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { settingsFromConfigMap } from "./config/readSettings";
import { fleetWarnings } from "./config/fleetWarnings";
import { FleetSettingsError, formatSettingError, validateFleet } from "./config/validateFleet";
import { EdgeFleet } from "./edgeFleet";
import { loadCertificateSources } from "./certificates/fleetCertificates";
import { skipUnreadTraces } from "./sdkTraces";

export interface ProgramOptions {
  /** Folder that manifest paths are relative to; the project root by default. */
  readonly projectDir?: string;
}

/**
 * Builds the stack and returns its outputs. Throws, before any resource exists, when a setting is
 * wrong or a Key Vault certificate it names cannot be used.
 */
export async function defineStack(options: ProgramOptions = {}) {
  skipUnreadTraces();
  const projectDir = options.projectDir ?? process.cwd();
  const result = validateFleet(settingsFromConfigMap(pulumi.runtime.allConfig()), (file) =>
    fs.readFileSync(path.resolve(projectDir, file), "utf8"),
  );
  // RunError: Pulumi prints the message alone, without a stack trace.
  if (!result.ok) throw new pulumi.RunError(new FleetSettingsError(result.errors).message);
  for (const warning of fleetWarnings(result.settings)) pulumi.log.warn(formatSettingError(warning));
  // Key Vault certificates are read and checked here, so a bad one stops the run before the first resource.
  const vault = result.settings.keyVault;
  // Only a local stand-in (validated: loopback URL) turns the challenge's resource check off.
  const access =
    vault && !vault.challengeResourceVerification ? { clientOptions: { disableChallengeResourceVerification: true } } : undefined;
  const certificateSources = await loadCertificateSources(result.settings, { access }).catch((err: unknown) => {
    throw err instanceof FleetSettingsError ? new pulumi.RunError(err.message) : err;
  });

  const fleet = new EdgeFleet("fleet", {
    settings: result.settings,
    stackKey: `${pulumi.getProject()}/${pulumi.getStack()}`,
    certificateSources,
  });
  const edgeVmFiles = Object.fromEntries(fleet.devices.map((d) => [d.deviceId, fleet.edgeVmFile(d)]));
  return {
    devices: fleet.deviceOutputs(),
    /** The first device in the original edgeVMfile.json shape: `pulumi stack output edgeVMfile --json`. */
    edgeVMfile: fleet.edgeVmFile(fleet.devices[0]),
    edgeVMfiles: edgeVmFiles,
    iotHubHostName: fleet.hub.hostName,
    /** The fleet root CA (public): what certificateAuthority devices chain to, and what the hub trusts. */
    fleetRootCertificatePem: fleet.fleetRootCertificatePem,
  };
}
