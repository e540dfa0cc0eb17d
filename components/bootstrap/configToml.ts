// Renders /etc/aziot/config.toml for IoT Edge 1.5/1.6 from typed input. Pure.
// Reference: the aziot-edge config template (`/etc/aziot/config.toml.edge.template`).
import { stringify } from "smol-toml";
import { CONFIG_PATH, DEVICE_FILES, fileUri } from "./devicePaths";

export { CONFIG_PATH };

/** Manual provisioning with an X.509 identity certificate (the hub identity uses its thumbprints or CA). */
export interface ManualX509Provisioning {
  readonly source: "manual";
  readonly iothubHostname: string;
  readonly deviceId: string;
}

/** Provisioning through the Device Provisioning Service with X.509 attestation. */
export interface DpsX509Provisioning {
  readonly source: "dps";
  /** Default: https://global.azure-devices-provisioning.net */
  readonly globalEndpoint?: string;
  readonly idScope: string;
  /** Default: the identity certificate's CN, which DPS uses when this is left out. */
  readonly registrationId?: string;
}

export interface EdgeConfigInput {
  /**
   * The device's host name as modules and downstream devices see it. Unset: left out, and the
   * converge step's write-config.sh writes the host's own name there.
   */
  readonly hostname?: string;
  readonly provisioning: ManualX509Provisioning | DpsX509Provisioning;
  /** Whether an edge CA certificate and key are placed (else the runtime makes a 90-day quickstart CA). */
  readonly edgeCa: boolean;
  /** Whether a trust bundle is placed. */
  readonly trustBundle: boolean;
  readonly agentImage: string;
}

export const DEFAULT_DPS_ENDPOINT = "https://global.azure-devices-provisioning.net";

const identityFiles = {
  identity_cert: fileUri(DEVICE_FILES["identity-cert"].path),
  identity_pk: fileUri(DEVICE_FILES["identity-key"].path),
};

function provisioningTable(p: EdgeConfigInput["provisioning"]): Record<string, unknown> {
  if (p.source === "manual") {
    return {
      source: "manual",
      iothub_hostname: p.iothubHostname,
      device_id: p.deviceId,
      authentication: { method: "x509", ...identityFiles },
    };
  }
  return {
    source: "dps",
    global_endpoint: p.globalEndpoint ?? DEFAULT_DPS_ENDPOINT,
    id_scope: p.idScope,
    attestation: {
      method: "x509",
      ...(p.registrationId !== undefined ? { registration_id: p.registrationId } : {}),
      ...identityFiles,
    },
  };
}

const DPS_REGISTRATION_ID = /^[A-Za-z0-9]([A-Za-z0-9:._-]{0,126}[A-Za-z0-9])?$/;

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === "https:";
  } catch {
    return false;
  }
}

/** Problems with the input, each naming the field; empty when it can be rendered. */
export function configInputProblems(input: EdgeConfigInput): string[] {
  const problems: string[] = [];
  const nonEmpty = (value: string | undefined, field: string) => {
    if (value === undefined || value.trim() === "") problems.push(`${field} must not be empty`);
  };
  if (input.hostname !== undefined) nonEmpty(input.hostname, "hostname");
  nonEmpty(input.agentImage, "agentImage");
  if (input.provisioning.source === "manual") {
    nonEmpty(input.provisioning.iothubHostname, "provisioning.iothubHostname");
    nonEmpty(input.provisioning.deviceId, "provisioning.deviceId");
  } else {
    const p = input.provisioning;
    nonEmpty(p.idScope, "provisioning.idScope");
    if (p.idScope !== undefined && /\s/.test(p.idScope.trim())) problems.push("provisioning.idScope must not contain spaces");
    if (p.globalEndpoint !== undefined && !isHttpsUrl(p.globalEndpoint))
      problems.push("provisioning.globalEndpoint must be an https:// URL");
    // Like the manual form's device id, a registration id given must be one DPS accepts: up to 128
    // letters, digits and `: . _ -`, none of those four at either end (learn.microsoft.com REST
    // "Runtime Registration - Register Device", DeviceRegistration.registrationId).
    if (p.registrationId !== undefined) {
      nonEmpty(p.registrationId, "provisioning.registrationId");
      if (p.registrationId.trim() !== "" && !DPS_REGISTRATION_ID.test(p.registrationId)) {
        problems.push(
          `provisioning.registrationId ${JSON.stringify(p.registrationId)} must be 1-128 letters, digits and ': . _ -', starting and ending with a letter or digit`,
        );
      }
    }
  }
  return problems;
}

/**
 * The config.toml text. Global keys (hostname, trust_bundle_cert) come before every table:
 * TOML puts any key written after a table header inside that table, and the runtime then
 * ignores it or refuses the file.
 */
export function renderConfigToml(input: EdgeConfigInput): string {
  const problems = configInputProblems(input);
  if (problems.length > 0) throw new Error(`cannot render config.toml: ${problems.join("; ")}`);
  const globals: Record<string, unknown> = input.hostname !== undefined ? { hostname: input.hostname } : {};
  if (input.trustBundle) globals.trust_bundle_cert = fileUri(DEVICE_FILES["trust-bundle"].path);
  const tables: Record<string, unknown> = { provisioning: provisioningTable(input.provisioning) };
  if (input.edgeCa) {
    tables.edge_ca = { cert: fileUri(DEVICE_FILES["edge-ca-cert"].path), pk: fileUri(DEVICE_FILES["edge-ca-key"].path) };
  }
  tables.agent = { name: "edgeAgent", type: "docker", config: { image: input.agentImage } };
  const header = "# Written by the edge Pulumi program (bootstrap step 4). Changes here are overwritten.\n";
  const globalKeys = stringify(globals).trimEnd();
  return `${header}${globalKeys === "" ? "" : `${globalKeys}\n`}\n${stringify(tables).trimEnd()}\n`;
}
