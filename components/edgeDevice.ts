// One IoT Edge device: its host, and (as later pieces land) its certificates, hub identity,
// bootstrap and deployment, as one component so the graph reads device by device.
import * as pulumi from "@pulumi/pulumi";
import { DeviceSettings } from "./config/settings";
import { CertificateSource } from "./certificates/certificateSources";
import { DeviceCertificates, KeyVaultBinding } from "./certificates/deviceCertificates";
import { FleetCertificateAuthority } from "./certificates/fleetCa";
import { azureNameFor, dnsLabelFor } from "./config/naming";
import { DeviceBootstrap } from "./bootstrap/bootstrap";
import { bootstrapCertificatesOf, bootstrapForHost } from "./bootstrap/bootstrapForHost";
import { EdgeHost, sshTarget } from "./host/edgeHost";
import { EdgeVm } from "./host/edgeVm";
import { ExistingHost } from "./host/existingHost";
import { EdgeDeviceHub, FleetHubContext } from "./iotHub/edgeDeviceHub";

/** What every device shares from the fleet. */
export interface FleetContext {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  /** Subnet for VM hosts; absent when the fleet has none. */
  readonly subnetId?: pulumi.Input<string>;
  /** Makes DNS labels unique per stack. */
  readonly stackKey: string;
  readonly tags: Record<string, string>;
  /** The hub's host name (config.toml). The device is bootstrapped over SSH once this is set. */
  readonly iotHubHostName?: pulumi.Input<string>;
  /** The fleet's IoT Hub access and settings. Once set, the device gets its identity, deployment and readiness gate. */
  readonly hub?: FleetHubContext;
}

/** The device's resolved certificate source and what signs or stores its certificates. */
export interface DeviceCertificateArgs {
  readonly source: CertificateSource;
  readonly fleetCa?: FleetCertificateAuthority;
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
  /** The runtime on the host; `bootstrap.ready` is its last step (apply + health). */
  readonly bootstrap?: DeviceBootstrap;
  /** Identity, deployment and readiness gate in IoT Hub. */
  readonly iotHub?: EdgeDeviceHub;
  readonly privateIp: pulumi.Output<string>;
  readonly publicFqdn: pulumi.Output<string>;
  readonly sshTarget: pulumi.Output<string>;

  constructor(name: string, args: EdgeDeviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:device:EdgeDevice", name, {}, opts);
    const { device } = args;
    this.deviceId = device.id;

    this.host = createHost(name, args, this);
    // Parallel with the host: nothing here waits on the machine.
    this.certificates = new DeviceCertificates(`${name}-certs`, { deviceId: device.id, ...args.certificates }, { parent: this });
    // The identity needs only the thumbprints (parallel with the host). The bootstrap waits for the
    // host and the identity (a renewed certificate is registered before the device presents it);
    // the deployment waits for the bootstrap's last step, resolved once the bootstrap exists.
    let markRuntimeReady: (ready: pulumi.Resource) => void = () => undefined;
    const runtimeReady = new Promise<pulumi.Resource>((resolve) => (markRuntimeReady = resolve));
    const iotHubHostName = args.fleet.iotHubHostName;
    const withBootstrap = iotHubHostName !== undefined;
    if (args.fleet.hub !== undefined) {
      const hubArgs = { deviceId: device.id, fleetHub: args.fleet.hub, authentication: this.certificates.hubAuthentication(), manifest: device.manifest };
      // A decommissioned device never reports: no gate, and nothing on the host to wait for.
      const gated = withBootstrap && !device.decommissioned;
      this.iotHub = new EdgeDeviceHub(
        `${name}-iothub`,
        { ...hubArgs, runtimeReady: gated ? [runtimeReady] : [], readinessGate: !device.decommissioned },
        { parent: this },
      );
    }
    if (iotHubHostName !== undefined) {
      const certificates = bootstrapCertificatesOf(this.certificates);
      const waitFor = this.iotHub ? [this.iotHub.identity] : [];
      this.bootstrap = bootstrapForHost(
        `${name}-bootstrap`,
        { device, host: this.host, iotHubHostName, certificates, waitFor },
        { parent: this },
      );
      if (this.bootstrap.ready) markRuntimeReady(this.bootstrap.ready);
    }

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
