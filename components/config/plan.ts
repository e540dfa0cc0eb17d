// What `pulumi up` will create for a validated fleet, as rows for people to read. Pure.
import { DeviceSettings, StackSettings } from "./settings";
import { azureNameFor } from "./naming";

export interface PlanRow {
  readonly device: string;
  readonly host: string;
  readonly certificate: string;
  readonly manifest: string;
  readonly creates: string;
}

export function stackPlan(settings: StackSettings): string[] {
  const lines: string[] = [];
  const registries = settings.registries.map((r) => `container registry ${r.address} (credentials filled into deployments)`);
  if (settings.stackRole === "site") {
    const { coreStack, name } = settings.site;
    return [
      `site${name ? ` "${name}"` : ""} of the core stack ${coreStack}: hub, network, fleet CA and Key Vault are the core's`,
      ...registries,
    ];
  }
  if (settings.resourceGroup) {
    lines.push(
      `resource group ${settings.resourceGroup.name} (${settings.resourceGroup.create ? "created" : "existing"}) in ${settings.location}`,
    );
  }
  lines.push(
    `IoT Hub ${settings.iotHub.name} (${settings.iotHub.create ? `created, ${settings.iotHub.sku} x${settings.iotHub.capacity}` : "existing"}, auth: ${settings.iotHub.auth})`,
  );
  if (settings.devices.some((d) => d.host.type === "azureVm") || (settings.stackRole === "core" && settings.core.network)) {
    lines.push(`virtual network ${settings.network.addressSpace}, subnet ${settings.network.subnetPrefix}`);
  }
  if (settings.keyVault)
    lines.push(
      `Key Vault ${settings.keyVault.name} (existing; certificates ${settings.keyVault.purgeOnDelete ? "purged" : "soft-deleted"} on destroy)`,
    );
  if (settings.stackRole === "core" && settings.core.sites.length > 0) {
    lines.push(`fleet root CA (registered on the hub), an intermediate CA for each site: ${settings.core.sites.join(", ")}`);
  }
  lines.push(...registries);
  const p = settings.provisioning;
  if (p.mode === "dps" && p.dps) {
    lines.push(
      `DPS ${p.dps.name} (${p.dps.create ? `created, S1 x${p.dps.capacity}, linked to the hub` : "existing"}): X.509 enrollment group, one at-scale deployment for the fleet`,
    );
  }
  return lines;
}

/** `mode`: provisioning.mode; in dps mode the device registers itself and the fleet's deployment serves it. */
export function devicePlan(device: DeviceSettings, mode: "hub" | "dps" = "hub"): PlanRow {
  const host = device.host;
  const creates =
    host.type === "azureVm"
      ? [
          host.sshSourceRanges.length > 0 ? `NSG (SSH from ${host.sshSourceRanges.join(", ")})` : "NSG (no SSH rule)",
          host.publicIp ? "public IP (Standard, static)" : "no public IP",
          "NIC",
          `VM ${azureNameFor(device.id)} ${host.size}`,
          host.sshPublicKey ? "SSH key from config" : "SSH key (RSA 4096, generated)",
          "SSH host key (Ed25519, generated, pinned)",
        ]
      : ["nothing in Azure"];
  return {
    device: device.id,
    host: host.type === "azureVm" ? `Azure VM (${host.image.sku})` : `existing ${host.user}@${host.address}:${host.port}`,
    certificate: device.certificate.source,
    manifest: device.deploymentManifest,
    creates: [
      ...creates,
      ...(mode === "dps" ? ["bootstrap (registers through DPS)", "readiness gate"] : ["hub identity (X.509)", "bootstrap", "deployment"]),
    ].join(", "),
  };
}

/** Rows as an aligned text table with a header. */
export function renderTable(rows: readonly PlanRow[]): string {
  const header: PlanRow = { device: "DEVICE", host: "HOST", certificate: "CERTIFICATE", manifest: "MANIFEST", creates: "WILL CREATE" };
  const columns = Object.keys(header) as (keyof PlanRow)[];
  const widths = columns.map((c) => Math.max(...[header, ...rows].map((r) => r[c].length)));
  return [header, ...rows]
    .map((row) => columns.map((c, i) => (i === columns.length - 1 ? row[c] : row[c].padEnd(widths[i]))).join("  "))
    .join("\n");
}
