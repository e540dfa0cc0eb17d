// DeviceBootstrap: takes a reachable Linux host to a running IoT Edge runtime over SSH, in five
// remote.Command steps (wait → install → certificates + config.toml → apply and health check),
// plus a cleanup step whose delete leaves an existing (physical) host clean on destroy. A first
// step stages the device scripts on the host (remote.CopyToRemote); the others run them from there.
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { RuntimeSettings } from "../config/settings";
import { renderConfigToml } from "./configToml";
import { dependenciesOf, dpsX509Config, hostnameFromWaitSummary, manualX509Config, StepName } from "./steps";
import { bootstrapConnection, ConnectionArgs } from "./connection";
import { applyFingerprint, certificatePayload, DEFAULT_TIMEOUTS, DeviceCertificates, stepCommands, StepTimeouts } from "./deviceCommands";
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
   * an FQDN starting with it, or an IP address. Default: the host's own name, as the wait step reads it.
   */
  readonly hostname?: pulumi.Input<string>;
  readonly timeouts?: Partial<StepTimeouts>;
  /**
   * What the first steps wait for: the VM, and the hub identity, so a renewed certificate is
   * registered (secondary slot) before the device presents it. A component's own dependsOn does
   * not reach its children, so these go on the steps themselves.
   */
  readonly waitFor?: pulumi.Input<pulumi.Resource>[];
  /**
   * The host is gone for good: no step runs on it any more. The steps that only act when created
   * (wait … apply) are left out: their removal runs nothing, as remote.Command runs no command on
   * delete without a `delete`. The cleanup step keeps its inputs (ignoreChanges: nothing runs) and
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
  /** The apply/health step: depend on it for anything that needs a running runtime. Absent when decommissioned. */
  public readonly ready?: remote.Command;
  public readonly steps: Readonly<Partial<Record<StepName, remote.Command>>>;
  /** The step that stages the device scripts on the host; every other step runs them from there. Absent when decommissioned. */
  public readonly scripts?: remote.CopyToRemote;

  constructor(name: string, args: DeviceBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:bootstrap:DeviceBootstrap", name, {}, opts);
    const problems = bootstrapArgsProblems(args);
    if (problems.length > 0) throw new Error(`device ${args.deviceId}: ${problems.join("; ")}`);

    const timeouts: StepTimeouts = { ...DEFAULT_TIMEOUTS, ...args.timeouts };
    const bundle = scriptBundle();
    const commands = stepCommands(args.runtime, timeouts, bundle.sha256);
    const connection = bootstrapConnection(args.connection);
    const made: Partial<Record<StepName, remote.Command>> = {};
    const childOpts = (step: StepName): pulumi.CustomResourceOptions => ({
      parent: this,
      dependsOn: [
        ...dependenciesOf(step, args.hostDeletedWithStack).map((d) => made[d]!),
        ...(step === "wait" ? [this.scripts!, ...(args.waitFor ?? [])] : []),
      ],
      ...(args.hostResource ? { deletedWith: args.hostResource } : {}),
    });
    const step = (s: StepName, stepArgs: Omit<remote.CommandArgs, "connection">, extra: pulumi.CustomResourceOptions = {}) =>
      (made[s] = new remote.Command(
        `${name}-${s}`,
        { connection, addPreviousOutputInEnv: false, ...stepArgs },
        { ...childOpts(s), ...extra },
      ));
    if (args.decommissioned) {
      pulumi.log.warn(decommissionedWarning(args.deviceId, !args.hostDeletedWithStack), this);
      if (!args.hostDeletedWithStack) {
        made.cleanup = new remote.Command(
          `${name}-cleanup`,
          { connection, addPreviousOutputInEnv: false, create: commands.cleanupCreate, delete: commands.cleanupDelete },
          { parent: this, retainOnDelete: true, ignoreChanges: COMMAND_INPUTS },
        );
      }
      this.steps = made;
      this.registerOutputs({});
      return;
    }
    // The scripts, once per host, to a folder named by the bundle's hash: the state keeps the archive's
    // hash, and the steps' commands the bundle's, so a changed script copies again and re-runs them.
    this.scripts = new remote.CopyToRemote(
      `${name}-scripts`,
      { connection, source: new pulumi.asset.FileArchive(scriptArchivePath()), remotePath: bundle.remotePath },
      { parent: this, dependsOn: args.waitFor ?? [], ...(args.hostResource ? { deletedWith: args.hostResource } : {}) },
    );
    // Nothing a step prints is secret, but no step gets its previous output back in its environment.
    const wait = step("wait", { create: commands.wait });
    const hostname =
      args.hostname !== undefined ? pulumi.output(args.hostname) : wait.stdout.apply((out) => hostnameFromWaitSummary(out ?? ""));
    step("install", { create: commands.install });
    // Existing hosts only: never replaced (no triggers), so its delete runs once, on destroy, after
    // the steps that depend on it are gone.
    if (!args.hostDeletedWithStack) step("cleanup", { create: commands.cleanupCreate, delete: commands.cleanupDelete });

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
    // stdin carries the private keys: secret, and the step logs only its stderr progress lines.
    step(
      "certs",
      { create: commands.certs, stdin: pulumi.secret(pems.apply(certificatePayload)), logging: "stderr" },
      {
        additionalSecretOutputs: ["stdin"],
      },
    );

    const files = {
      agentImage: args.runtime.agentImage,
      edgeCa: c.edgeCaCertPem !== undefined,
      trustBundle: c.trustBundlePem !== undefined,
    };
    const dps = args.dps;
    const configToml = pulumi
      .all([args.iotHubHostName, hostname, dps?.idScope])
      .apply(([iothubHostname, hostname, idScope]) =>
        renderConfigToml(
          dps
            ? dpsX509Config({ deviceId: args.deviceId, idScope: idScope!, globalEndpoint: dps.globalEndpoint, hostname, ...files })
            : manualX509Config({ deviceId: args.deviceId, iotHubHostName: iothubHostname, hostname, ...files }),
        ),
      );
    step("config", { create: commands.config, stdin: configToml });

    // Re-runs (replaced) exactly when config.toml or a certificate/key changes.
    const fingerprint = pulumi.all([configToml, pems]).apply(([toml, p]) => applyFingerprint(toml, p));
    const apply = step("apply", { create: commands.apply, triggers: [fingerprint] });

    this.ready = apply;
    this.steps = made;
    // No outputs: nothing reads them, and the state would keep each step's output a second time.
    this.registerOutputs({});
  }
}
