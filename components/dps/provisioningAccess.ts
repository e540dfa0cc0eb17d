// How the enrollment-group provider reaches a Device Provisioning Service's service API: a DPS
// service connection string (a secret; `HostName=<dps>.azure-devices-provisioning.net;
// SharedAccessKeyName=…;SharedAccessKey=…`). Travels as dynamic provider inputs, kept as a secret
// output because `delete` receives only outputs.
/* eslint-disable @typescript-eslint/no-require-imports -- the SDKs load when a provider first talks to the service, not when the program starts */
import type { ProvisioningServiceClient } from "azure-iot-provisioning-service";
import { hostNameInConnectionString } from "../iotHub/hubAccess";
import { useProvisioningAgent } from "./provisioningAgent";

export interface ProvisioningAccess {
  /** `<dps>.azure-devices-provisioning.net` (or a stand-in's address). */
  readonly dpsHostName: string;
  /** DPS service connection string with enrollment read/write rights. */
  readonly dpsConnectionString: string;
  /** PEM trust anchors for the DPS TLS certificate (a TLS-inspecting proxy, a local stand-in). Public certificates only. */
  readonly dpsTrustedCaPem?: string;
}

/** What is wrong with the access fields, one line each (never quoting the connection string). */
export function provisioningAccessProblems(access: Partial<ProvisioningAccess>): string[] {
  const problems: string[] = [];
  if (!access.dpsHostName) problems.push("dpsHostName is required");
  const host = access.dpsConnectionString ? hostNameInConnectionString(access.dpsConnectionString) : undefined;
  if (!access.dpsConnectionString) problems.push("a DPS service connection string is required");
  else if (!host || !/SharedAccessKeyName=/i.test(access.dpsConnectionString) || !/SharedAccessKey=/i.test(access.dpsConnectionString)) {
    problems.push("the DPS connection string must have HostName, SharedAccessKeyName and SharedAccessKey");
  } else if (access.dpsHostName && host.toLowerCase() !== access.dpsHostName.toLowerCase()) {
    problems.push(`the DPS connection string is for ${host}, not for ${access.dpsHostName}`);
  }
  return problems;
}

/**
 * Opens a service client for one provider operation and closes its sockets afterwards. The SDK is
 * `require`d here, inside the provider's call, as dynamic providers need.
 */
export async function withProvisioningService<T>(
  access: ProvisioningAccess,
  use: (client: ProvisioningServiceClient) => Promise<T>,
): Promise<T> {
  const problems = provisioningAccessProblems(access);
  if (problems.length > 0) throw new Error(`DPS access: ${problems.join("; ")}`);
  const { ProvisioningServiceClient: Client } =
    require("azure-iot-provisioning-service") as typeof import("azure-iot-provisioning-service");
  const https = require("node:https") as typeof import("node:https");
  const client = Client.fromConnectionString(access.dpsConnectionString);
  const agent = new https.Agent({ keepAlive: true, ...(access.dpsTrustedCaPem ? { ca: access.dpsTrustedCaPem } : {}) });
  if (!useProvisioningAgent(client, agent) && access.dpsTrustedCaPem) {
    throw new Error(
      "this azure-iot-provisioning-service version offers no way to set trust anchors (components/dps/provisioningAgent.ts); use NODE_EXTRA_CA_CERTS",
    );
  }
  try {
    return await use(client);
  } finally {
    agent.destroy();
  }
}
