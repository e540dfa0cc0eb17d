// The program behind index.ts: read and check the stack's settings, then build the fleet, or, for a
// fleet split over stacks, its core (no devices) or one site (its devices, on its core's hub).
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { settingsFromConfigMap } from "./config/readSettings";
import { fleetWarnings } from "./config/fleetWarnings";
import type { CoreSettings, FleetSettings, SiteSettings } from "./config/settings";
import { FleetSettingsError, formatSettingError, validateFleet } from "./config/validateFleet";
import { EdgeFleet } from "./edgeFleet";
import { loadCertificateSources } from "./certificates/fleetCertificates";
import { readFleetCore } from "./fleet/coreReference";
import { type FleetCoreOutput, type SiteShared, coreOutputs, siteCoreProblems, siteFleetSettings, siteSharedOf } from "./fleet/fleetCore";
import { dpsSigningCa } from "./fleet/dpsEnrollment";
import { skipUnreadTraces } from "./sdkTraces";
import { deferUnreadProperties } from "./sdkLazyProperties";

export interface ProgramOptions {
  /** Folder that manifest paths are relative to; the project root by default. */
  readonly projectDir?: string;
}

/**
 * Builds the stack and returns its outputs. Throws, before any resource exists, when a setting is
 * wrong or a Key Vault certificate it names cannot be used; a site also when its core stack's
 * outputs do not fit its devices.
 */
export async function defineStack(options: ProgramOptions = {}) {
  skipUnreadTraces();
  deferUnreadProperties();
  const projectDir = options.projectDir ?? process.cwd();
  const result = validateFleet(settingsFromConfigMap(pulumi.runtime.allConfig()), (file) =>
    fs.readFileSync(path.resolve(projectDir, file), "utf8"),
  );
  // RunError: Pulumi prints the message alone, without a stack trace.
  if (!result.ok) throw new pulumi.RunError(new FleetSettingsError(result.errors).message);
  for (const warning of fleetWarnings(result.settings)) pulumi.log.warn(formatSettingError(warning));
  const stackKey = `${pulumi.getProject()}/${pulumi.getStack()}`;
  const settings = result.settings;
  if (settings.stackRole === "site") return defineSite(settings, stackKey);

  const core = settings.stackRole === "core" ? settings.core : undefined;
  const fleet = await buildFleet(settings, stackKey, { core });
  return {
    ...fleetOutputs(fleet),
    /** The fleet root CA (public): what certificateAuthority devices chain to, and what the hub trusts. */
    fleetRootCertificatePem: fleet.fleetRootCertificatePem,
    // What the core's sites read (fleet/fleetCore.ts).
    ...(core ? coreStackOutputs(fleet, settings, core) : {}),
  };
}

/** A site: its devices, on the hub, network, CA and vault its core stack exports. */
async function defineSite(site: SiteSettings, stackKey: string) {
  const siteName = site.site.name ?? pulumi.getStack();
  const reading = await readFleetCore(site.site.coreStack);
  const problems = siteCoreProblems(site, siteName, reading.core);
  if (problems.length > 0) throw new pulumi.RunError(new FleetSettingsError(problems).message);
  const core = reading.core as FleetCoreOutput;
  const fleet = await buildFleet(siteFleetSettings(site, core), stackKey, { site: siteSharedOf(core, reading.secrets, siteName) });
  return fleetOutputs(fleet);
}

/** Reads the devices' Key Vault certificates (a bad one stops the run before the first resource), then the fleet. */
async function buildFleet(settings: FleetSettings, stackKey: string, role: { core?: CoreSettings; site?: SiteShared }) {
  const vault = settings.keyVault;
  // Only a local stand-in (validated: loopback URL) turns the challenge's resource check off.
  const access =
    vault && !vault.challengeResourceVerification ? { clientOptions: { disableChallengeResourceVerification: true } } : undefined;
  const certificateSources = await loadCertificateSources(settings, { access }).catch((err: unknown) => {
    throw err instanceof FleetSettingsError ? new pulumi.RunError(err.message) : err;
  });
  // dps: the one CA every device chains to, checked now that Key Vault identities' chains are read.
  let dpsCa;
  if (settings.provisioning.mode === "dps") {
    const index = new Map(settings.devices.map((d, i) => [d.id, i]));
    const resolved = dpsSigningCa(certificateSources, index);
    if (resolved.errors.length > 0) throw new pulumi.RunError(new FleetSettingsError(resolved.errors).message);
    dpsCa = resolved.ca;
  }
  return new EdgeFleet("fleet", { settings, stackKey, certificateSources, dpsCa, ...role });
}

function fleetOutputs(fleet: EdgeFleet) {
  const edgeVmFiles = Object.fromEntries(fleet.devices.map((d) => [d.deviceId, fleet.edgeVmFile(d)]));
  return {
    devices: fleet.deviceOutputs(),
    /** The first device in the original edgeVMfile.json shape: `pulumi stack output edgeVMfile --json`. */
    edgeVMfile: fleet.devices.length > 0 ? fleet.edgeVmFile(fleet.devices[0]) : undefined,
    edgeVMfiles: edgeVmFiles,
    iotHubHostName: fleet.hubHostName,
    /** dps mode: where devices register and what serves them their modules. */
    dps: fleet.dps && {
      idScope: fleet.dps.dps.idScope,
      globalEndpoint: fleet.dps.dps.globalEndpoint,
      enrollmentGroupId: fleet.dps.enrollmentGroupId,
      deploymentId: fleet.dps.deployment.deploymentId,
    },
  };
}

function coreStackOutputs(fleet: EdgeFleet, settings: FleetSettings, core: CoreSettings) {
  return coreOutputs({
    settings,
    core,
    resourceGroupName: fleet.resourceGroupName,
    hub: fleet.hub!,
    subnetId: fleet.subnetId,
    fleetCa: fleet.fleetCa,
  });
}
