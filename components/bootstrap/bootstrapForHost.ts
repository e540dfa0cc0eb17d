// The seam EdgeDevice uses: a DeviceBootstrap for a device's EdgeHost (VM or existing host),
// so the device component needs one call and no knowledge of the bootstrap's arguments.
import * as pulumi from "@pulumi/pulumi";
import { DeviceSettings } from "../config/settings";
import { EdgeHost } from "../host/edgeHost";
import type { DeviceCertificates } from "../certificates/deviceCertificates";
import { BootstrapCertificates, DeviceBootstrap, type DeviceBootstrapArgs } from "./bootstrap";

export interface BootstrapForHostArgs {
  readonly device: DeviceSettings;
  readonly host: EdgeHost;
  readonly iotHubHostName: pulumi.Input<string>;
  /** provisioning.mode dps: the device registers through DPS (DeviceBootstrapArgs.dps). */
  readonly dps?: DeviceBootstrapArgs["dps"];
  /** From DeviceCertificates: identity cert/key, edge CA cert/key, trust bundle. */
  readonly certificates: BootstrapCertificates;
  /** Resources the first step waits for besides the host (the hub identity). */
  readonly waitFor?: pulumi.Input<pulumi.Resource>[];
}

export function bootstrapForHost(name: string, args: BootstrapForHostArgs, opts: pulumi.ComponentResourceOptions = {}): DeviceBootstrap {
  const { device, host } = args;
  const c = host.connection;
  return new DeviceBootstrap(
    name,
    {
      deviceId: device.id,
      connection: {
        host: c.host,
        port: c.port,
        user: c.user,
        privateKey: c.privateKey,
        ...(c.hostKey !== undefined ? { hostKey: c.hostKey } : {}),
      },
      hostname: host.hostname,
      iotHubHostName: args.iotHubHostName,
      dps: args.dps,
      certificates: args.certificates,
      runtime: device.runtime,
      hostDeletedWithStack: host.deletedWithStack,
      // A VM's steps go with the VM: the engine skips their deletes when it deletes the VM.
      hostResource: host.deletedWithStack ? host.readyResources[0] : undefined,
      waitFor: [...host.readyResources, ...(args.waitFor ?? [])],
      decommissioned: device.decommissioned,
    },
    opts,
  );
}

/** The files the bootstrap places, from the device's certificates component. */
export function bootstrapCertificatesOf(c: Pick<DeviceCertificates, "identity" | "edgeCa" | "trustBundlePem">): BootstrapCertificates {
  return {
    identityCertPem: c.identity.certPem,
    identityKeyPem: c.identity.keyPem,
    edgeCaCertPem: c.edgeCa.certPem,
    edgeCaKeyPem: c.edgeCa.keyPem,
    trustBundlePem: c.trustBundlePem,
  };
}
