// One IoT Edge device: its host and certificates, its identity in IoT Hub, the runtime on the host,
// and the deployment, as one component so the graph reads device by device.
import * as pulumi from "@pulumi/pulumi";
import type { AzureScope } from "./azureScope";
import { DeviceSettings } from "./config/settings";
import { CertificateSource } from "./certificates/certificateSources";
import { DeviceCertificates, KeyVaultBinding } from "./certificates/deviceCertificates";
import type { FleetSigners } from "./certificates/fleetCa";
import { azureNameFor, dnsLabelFor } from "./config/naming";
import { DeviceBootstrap } from "./bootstrap/bootstrap";
import { bootstrapCertificatesOf, bootstrapForHost } from "./bootstrap/bootstrapForHost";
import { EdgeHost, sshTarget } from "./host/edgeHost";
import { EdgeVm } from "./host/edgeVm";
import { ExistingHost } from "./host/existingHost";
import { assertValidManifest, EdgeDeviceHub, edgeDeviceIdentity, FleetHubContext } from "./iotHub/edgeDeviceHub";
import type { IotHubDevice } from "./iotHub/iotHubDevice";

/** What every device shares from the fleet. */
export interface FleetContext extends AzureScope {
  /** Subnet for VM hosts; absent when the fleet has none. */
  readonly subnetId?: pulumi.Input<string>;
  /** Makes DNS labels unique per stack. */
  readonly stackKey: string;
  /** The fleet's IoT Hub: its host name (config.toml), access and settings. */
  readonly hub: FleetHubContext;
}

/** The device's resolved certificate source and what signs or stores its certificates. */
export interface DeviceCertificateArgs {
  readonly source: CertificateSource;
  readonly fleetCa?: FleetSigners;
  readonly keyVault?: KeyVaultBinding;
}

export interface EdgeDeviceArgs {
  readonly device: DeviceSettings;
  readonly fleet: FleetContext;
  readonly certificates: DeviceCertificateArgs;
}

export class EdgeDevice extends pulumi.ComponentResource {
  readonly deviceId: string;
  readonly host: EdgeHost;
  readonly certificates: DeviceCertificates;
  /** The device's identity in IoT Hub. */
  readonly identity: IotHubDevice;
  /** The runtime on the host; `bootstrap.ready` is its last step (apply + health). */
  readonly bootstrap: DeviceBootstrap;
  /** The deployment and the readiness gate in IoT Hub. */
  readonly iotHub: EdgeDeviceHub;
  readonly privateIp: pulumi.Output<string>;
  readonly publicFqdn: pulumi.Output<string>;
  readonly sshTarget: pulumi.Output<string>;

  constructor(name: string, args: EdgeDeviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:device:EdgeDevice", name, {}, opts);
    const { device } = args;
    const { hub } = args.fleet;
    this.deviceId = device.id;
    // Checked by preflight too; here again so that nothing of the device is registered with a bad one.
    assertValidManifest(device.id, device.manifest);

    // identity → bootstrap → deployment. The host, the certificates and the identity do not wait
    // on each other (the identity needs only the thumbprints); the bootstrap waits for the host and
    // the identity (a renewed certificate is registered before the device presents it); the
    // deployment waits for the bootstrap's last step, the gate for the deployment.
    this.host = createHost(name, args, this);
    this.certificates = new DeviceCertificates(`${name}-certs`, { deviceId: device.id, ...args.certificates }, { parent: this });
    this.identity = edgeDeviceIdentity(
      `${name}-iothub-identity`,
      { deviceId: device.id, fleetHub: hub, authentication: this.certificates.hubAuthentication() },
      // It was the `${name}-iothub` component's child: the alias keeps its URN, so stacks made
      // before are not told to replace (re-register) the identity.
      { parent: this, aliases: [{ parent: pulumi.createUrn(`${name}-iothub`, "edge:iotHub:EdgeDeviceHub", this) }] },
    );
    this.bootstrap = bootstrapForHost(
      `${name}-bootstrap`,
      {
        device,
        host: this.host,
        iotHubHostName: hub.access.hostName,
        certificates: bootstrapCertificatesOf(this.certificates),
        waitFor: [this.identity],
      },
      { parent: this },
    );
    // A decommissioned device has no bootstrap steps (no `ready`): no gate, nothing to wait for.
    this.iotHub = new EdgeDeviceHub(
      `${name}-iothub`,
      { deviceId: device.id, identity: this.identity, fleetHub: hub, manifest: device.manifest, runtimeReady: this.bootstrap.ready },
      { parent: this },
    );

    this.privateIp = this.host.privateIp;
    this.publicFqdn = this.host.fqdn;
    this.sshTarget = sshTarget(this.host.connection);
    this.registerOutputs({ privateIp: this.privateIp, publicFqdn: this.publicFqdn, sshTarget: this.sshTarget });
  }
}

function createHost(name: string, args: EdgeDeviceArgs, parent: pulumi.Resource): EdgeHost {
  const { device, fleet } = args;
  if (device.host.type === "existing") {
    return new ExistingHost(`${name}-host`, { host: device.host }, { parent });
  }
  if (fleet.subnetId === undefined) throw new Error(`device "${device.id}": an Azure VM host needs the fleet network`);
  return new EdgeVm(
    `${name}-host`,
    {
      vmName: azureNameFor(device.id),
      host: device.host,
      dnsLabel: device.host.dnsLabel ?? dnsLabelFor(device.id, fleet.stackKey),
      resourceGroupName: fleet.resourceGroupName,
      location: fleet.location,
      subnetId: fleet.subnetId,
      tags: { ...fleet.tags, "edge-device": device.id },
    },
    { parent },
  );
}
