// One IoT Edge device: its host and certificates, its identity in IoT Hub, the runtime on the host,
// and the deployment, as one component so the graph reads device by device. With
// provisioning.mode dps the device registers itself through DPS: no identity and no deployment
// of its own (the fleet's at-scale deployment serves it), only the runtime and the readiness gate.
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
import { EdgeReadiness } from "./iotHub/edgeReadiness";
import type { IotHubDevice } from "./iotHub/iotHubDevice";

/** provisioning.mode dps: what the device's config.toml names, and what must exist before its runtime registers. */
export interface DeviceDpsContext {
  readonly idScope: pulumi.Input<string>;
  readonly globalEndpoint: string;
  /** The enrollment group (and what it needs): the runtime's first registration must find it. */
  readonly waitFor: pulumi.Input<pulumi.Resource>[];
}

/** What every device shares from the fleet. */
export interface FleetContext extends AzureScope {
  /** Subnet for VM hosts; absent when the fleet has none. */
  readonly subnetId?: pulumi.Input<string>;
  /** Makes DNS labels unique per stack. */
  readonly stackKey: string;
  /** The fleet's IoT Hub: its host name (config.toml), access and settings. */
  readonly hub: FleetHubContext;
  /** Present in dps mode: devices register themselves through this DPS. */
  readonly dps?: DeviceDpsContext;
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
  /** The device's identity in IoT Hub; absent in dps mode (DPS registers the device). */
  readonly identity?: IotHubDevice;
  /** The runtime on the host; `bootstrap.ready` is its last step (apply + health). */
  readonly bootstrap: DeviceBootstrap;
  /** The deployment and the readiness gate in IoT Hub; absent in dps mode. */
  readonly iotHub?: EdgeDeviceHub;
  /** dps mode: the gate that waits for the registration, then the $edgeAgent rules (absent when decommissioned). */
  readonly readiness?: EdgeReadiness;
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
    this.privateIp = this.host.privateIp;
    this.publicFqdn = this.host.fqdn;
    this.sshTarget = sshTarget(this.host.connection);

    const dps = args.fleet.dps;
    if (dps) {
      // bootstrap → readiness. The bootstrap waits for the host and the enrollment group; the
      // runtime then registers itself (CN = device id = registration id); the gate waits for that
      // registration, then for the $edgeAgent rules once the fleet's at-scale deployment reached it.
      this.bootstrap = bootstrapForHost(
        `${name}-bootstrap`,
        {
          device,
          host: this.host,
          iotHubHostName: hub.access.hostName,
          dps: { idScope: dps.idScope, globalEndpoint: dps.globalEndpoint },
          certificates: bootstrapCertificatesOf(this.certificates),
          waitFor: dps.waitFor,
        },
        { parent: this },
      );
      if (this.bootstrap.ready) {
        this.readiness = new EdgeReadiness(
          `${name}-ready`,
          {
            hub: hub.access,
            deviceId: device.id,
            // The at-scale deployment's versions are followed by the fleet's gate, not by every device's.
            desiredVersion: 0,
            timeoutSeconds: hub.settings.readinessTimeoutSeconds,
            awaitRegistration: true,
          },
          { parent: this, dependsOn: [this.bootstrap.ready] },
        );
      }
      this.registerOutputs({ privateIp: this.privateIp, publicFqdn: this.publicFqdn, sshTarget: this.sshTarget });
      return;
    }

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
