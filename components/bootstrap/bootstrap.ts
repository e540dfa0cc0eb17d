// DeviceBootstrap: takes a reachable Linux host to a running IoT Edge runtime over SSH. A first
// step stages the device scripts on the host (remote.CopyToRemote); the `converge` step runs them
// from there (wait → install → certificates → config.toml → apply and health check), and runs them
// again whenever one of its inputs changes; on an existing (physical) host a `cleanup` step, which
// runs nothing on create, leaves the host clean on destroy. Few steps on purpose: each keeps its
// connection, command and engine bookkeeping in the state, twice.
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { RuntimeSettings } from "../config/settings";
import { renderConfigToml } from "./configToml";
import { dpsX509Config, manualX509Config } from "./configInputs";
import { bootstrapConnection, ConnectionArgs } from "./connection";
import { certificatePayload, DEFAULT_TIMEOUTS, DeviceCertificates, stepCommands, StepTimeouts } from "./deviceCommands";
import { scriptArchivePath, scriptBundle } from "./deviceScripts";
import { bootstrapArgsProblems } from "./validateBootstrap";

export interface BootstrapCertificates {
  readonly identityCertPem: pulumi.Input<string>;
  /** Secret. */
  readonly identityKeyPem: pulumi.Input<string>;
  readonly edgeCaCertPem?: pulumi.Input<string>;
  /** Secret. Required with edgeCaCertPem. */
  readonly edgeCaKeyPem?: pulumi.Input<string>;
  readonly trustBundlePem?: pulumi.Input<string>;
}

export interface DeviceBootstrapArgs {
  readonly deviceId: string;
  /** How to reach the host; the private key is made secret and dial retries are set if not given. */
  readonly connection: ConnectionArgs;
  readonly iotHubHostName: pulumi.Input<string>;
  /** provisioning.mode dps: config.toml registers through DPS (id scope, global endpoint) instead of naming the hub. */
  readonly dps?: { readonly idScope: pulumi.Input<string>; readonly globalEndpoint: string };
  readonly certificates: BootstrapCertificates;
  readonly runtime: RuntimeSettings;
  /**
   * true: the host is a VM this stack deletes with the device. Its destroy then skips the cleanup
   * step (the disk goes away; a host already gone must not block the destroy).
   */
  readonly hostDeletedWithStack: boolean;
  /** The VM resource, when there is one: the steps are `deletedWith` it. */
  readonly hostResource?: pulumi.Resource;
  /**
   * config.toml's `hostname`: the name modules and downstream devices reach the device by (edgeHub's
   * server certificate is issued for it), which `iotedge check` requires to be the host's own name,
   * an FQDN starting with it, or an IP address. Default: the host's own name, which the converge
   * step writes there on the host.
   */
  readonly hostname?: pulumi.Input<string>;
  readonly timeouts?: Partial<StepTimeouts>;
  /**
   * What the first step waits for: the VM, and the hub identity, so a renewed certificate is
   * registered (secondary slot) before the device presents it. A component's own dependsOn does
   * not reach its children, so these go on the first step; the others wait for it.
   */
  readonly waitFor?: pulumi.Input<pulumi.Resource>[];
  /**
   * The host is gone for good: no step runs on it any more. The steps that only act when created
   * (scripts, converge) are left out: their removal runs nothing, as remote.Command runs no command
   * on delete without a `delete`. The cleanup step keeps its inputs (ignoreChanges: nothing runs) and
   * gets retainOnDelete, so destroy or removing the device drops it from the state without running
   * `cleanup.sh remove` against a host that cannot answer.
   */
  readonly decommissioned?: boolean;
}

/** Every input of remote.Command: a decommissioned device's cleanup step keeps the ones in its state. */
export const COMMAND_INPUTS = [
  "connection",
  "create",
  "update",
  "delete",
  "environment",
  "stdin",
  "triggers",
  "logging",
  "addPreviousOutputInEnv",
];

/** What a decommissioned host may still hold: said on every up, since nothing removes it. */
export function decommissionedWarning(deviceId: string, existingHost: boolean): string {
  return (
    `device ${deviceId} is decommissioned: no bootstrap step runs on its host, and ` +
    (existingHost
      ? "destroy (or removing the device) drops its cleanup step without running it. "
      : "its steps are dropped without running. ") +
    "If the host comes back it may still hold /etc/aziot/config.toml and the aziot config.d files, the device's certificates and keys " +
    "under /var/aziot, the runtime's keys and certificates under /var/lib/aziot/keyd and /var/lib/aziot/certd, the module containers " +
    "edgeAgent created, /var/lib/edge-bootstrap, the staged device scripts in ~/.edge-bootstrap of the SSH user and the aziot-edge, aziot-identity-service and moby-engine packages: wipe or reimage it."
  );
}

export class DeviceBootstrap extends pulumi.ComponentResource {
  /** The converge step (runtime installed, configured, healthy): depend on it for anything that needs a running runtime. Absent when decommissioned. */
  public readonly ready?: remote.Command;
  /** The step whose delete cleans an existing host on destroy. Absent for a VM the stack deletes. */
  public readonly cleanup?: remote.Command;
  /** The step that stages the device scripts on the host; the others run them from there. Absent when decommissioned. */
  public readonly scripts?: remote.CopyToRemote;

  constructor(name: string, args: DeviceBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:bootstrap:DeviceBootstrap", name, {}, opts);
    const problems = bootstrapArgsProblems(args);
    if (problems.length > 0) throw new Error(`device ${args.deviceId}: ${problems.join("; ")}`);

    const timeouts: StepTimeouts = { ...DEFAULT_TIMEOUTS, ...args.timeouts };
    const bundle = scriptBundle();
    const commands = stepCommands(args.runtime, timeouts, bundle.sha256);
    const connection = bootstrapConnection(args.connection);
    const cleanupArgs: remote.CommandArgs = { connection, addPreviousOutputInEnv: false, delete: commands.cleanupDelete };
    if (args.decommissioned) {
      pulumi.log.warn(decommissionedWarning(args.deviceId, !args.hostDeletedWithStack), this);
      if (!args.hostDeletedWithStack) {
        this.cleanup = new remote.Command(`${name}-cleanup`, cleanupArgs, {
          parent: this,
          retainOnDelete: true,
          ignoreChanges: COMMAND_INPUTS,
        });
      }
      this.registerOutputs({});
      return;
    }
    const withHost: pulumi.CustomResourceOptions = args.hostResource ? { deletedWith: args.hostResource } : {};
    // The scripts, once per host, to a folder named by the bundle's hash: the state keeps the archive's
    // hash, and the steps' commands the bundle's, so a changed script copies again and re-runs them.
    this.scripts = new remote.CopyToRemote(
      `${name}-scripts`,
      { connection, source: new pulumi.asset.FileArchive(scriptArchivePath()), remotePath: bundle.remotePath },
      { parent: this, dependsOn: args.waitFor ?? [], ...withHost },
    );
    // Existing hosts only: runs nothing on create, and is never replaced (no triggers), so its delete
    // runs once, on destroy, after the converge step that depends on it is gone. Apart from the
    // converge step on purpose: replacing that one (pulumi up --replace) must not clean the host.
    if (!args.hostDeletedWithStack) {
      this.cleanup = new remote.Command(`${name}-cleanup`, cleanupArgs, { parent: this, dependsOn: [this.scripts] });
    }

    const c = args.certificates;
    const pems = pulumi
      .all([c.identityCertPem, c.identityKeyPem, c.edgeCaCertPem, c.edgeCaKeyPem, c.trustBundlePem])
      .apply(([identityCertPem, identityKeyPem, edgeCaCertPem, edgeCaKeyPem, trustBundlePem]): DeviceCertificates => ({
        identityCertPem,
        identityKeyPem,
        edgeCaCertPem,
        edgeCaKeyPem,
        trustBundlePem,
      }));
    const files = {
      agentImage: args.runtime.agentImage,
      edgeCa: c.edgeCaCertPem !== undefined,
      trustBundle: c.trustBundlePem !== undefined,
    };
    const dps = args.dps;
    const configToml = pulumi
      .all([args.iotHubHostName, args.hostname, dps?.idScope])
      .apply(([iothubHostname, hostname, idScope]) =>
        renderConfigToml(
          dps
            ? dpsX509Config({ deviceId: args.deviceId, idScope: idScope!, globalEndpoint: dps.globalEndpoint, hostname, ...files })
            : manualX509Config({ deviceId: args.deviceId, iotHubHostName: iothubHostname, hostname, ...files }),
        ),
      );
    // Any change of its inputs (config.toml, a certificate or key, a version, a script) updates the
    // step, which runs the whole bootstrap again: each part leaves alone what is already as wanted.
    // stdin carries the private keys: secret, and the step logs only its stderr progress lines.
    this.ready = new remote.Command(
      `${name}-converge`,
      {
        connection,
        addPreviousOutputInEnv: false,
        create: configToml.apply(commands.converge),
        stdin: pulumi.secret(pems.apply(certificatePayload)),
        logging: "stderr",
      },
      { parent: this, dependsOn: [this.cleanup ?? this.scripts], additionalSecretOutputs: ["stdin"], ...withHost },
    );
    // No outputs: nothing reads them, and the state would keep each step's output a second time.
    this.registerOutputs({});
  }
}
