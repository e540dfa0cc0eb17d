// How the providers reach an IoT Hub's registry: a service connection string (a secret) or
// Entra ID (DefaultAzureCredential, scope https://iothubs.azure.net/.default).
// The fields below travel as dynamic provider inputs; `connectionString` is always a secret input
// and a secret output (the `delete` of a dynamic provider receives only its outputs, so the one
// resource that must call the hub on destroy — the device identity — keeps it, encrypted).
/* eslint-disable @typescript-eslint/no-require-imports -- the SDKs load when a provider first talks to the service, not when the program starts */
import type { TokenCredential } from "@azure/identity";
import type { Registry } from "azure-iothub";
import { useAgent } from "./registryAgent";

export type HubAuth = "connectionString" | "entraId";

export interface HubAccess {
  /** `<hub>.azure-devices.net` (or a stand-in's address). */
  readonly hubHostName: string;
  readonly hubAuth: HubAuth;
  /** Service connection string with registry read/write rights; required for `connectionString`. */
  readonly connectionString?: string;
  /**
   * PEM trust anchors for the hub's TLS certificate, used instead of Node's roots for the hub
   * connection: for a hub reached through a TLS-inspecting proxy, or a local stand-in. Public
   * certificates only. Unset (the default), the system's roots and NODE_EXTRA_CA_CERTS apply.
   */
  readonly trustedCaPem?: string;
}

/** The `HostName` of a connection string, or undefined when it has none. */
export function hostNameInConnectionString(connectionString: string): string | undefined {
  for (const part of connectionString.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim().toLowerCase() === "hostname") return part.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

/** What is wrong with the access fields, one line each (never quoting the connection string). */
export function hubAccessProblems(access: Partial<HubAccess>): string[] {
  const problems: string[] = [];
  if (!access.hubHostName) problems.push("hubHostName is required");
  if (access.hubAuth !== "connectionString" && access.hubAuth !== "entraId") {
    problems.push(`hubAuth must be "connectionString" or "entraId", not ${JSON.stringify(access.hubAuth)}`);
  } else if (access.hubAuth === "connectionString") {
    const host = access.connectionString ? hostNameInConnectionString(access.connectionString) : undefined;
    if (!access.connectionString)
      problems.push("a connection string is required when hubAuth is connectionString (iotHub.connectionString)");
    else if (!host || !/SharedAccessKey=/i.test(access.connectionString))
      problems.push("the connection string must have HostName, SharedAccessKeyName and SharedAccessKey");
    else if (access.hubHostName && host.toLowerCase() !== access.hubHostName.toLowerCase()) {
      problems.push(`the connection string is for ${host}, not for the hub ${access.hubHostName}`);
    }
  }
  return problems;
}

/**
 * Opens a registry client for one provider operation and closes its sockets afterwards.
 * The SDK is `require`d here, inside the provider's call, as dynamic providers need.
 * `credential` replaces DefaultAzureCredential for callers outside a provider (tests, scripts).
 */
export async function withRegistry<T>(
  access: HubAccess,
  use: (registry: Registry) => Promise<T>,
  credential?: TokenCredential,
): Promise<T> {
  const problems = hubAccessProblems(access);
  if (problems.length > 0) throw new Error(`IoT Hub access: ${problems.join("; ")}`);
  const { Registry: RegistryClass } = require("azure-iothub") as typeof import("azure-iothub");
  const https = require("node:https") as typeof import("node:https");
  let registry: Registry;
  if (access.hubAuth === "connectionString") {
    registry = RegistryClass.fromConnectionString(access.connectionString as string);
  } else {
    const { DefaultAzureCredential } = require("@azure/identity") as typeof import("@azure/identity");
    registry = RegistryClass.fromTokenCredential(access.hubHostName, credential ?? new DefaultAzureCredential());
  }
  // The Registry makes its own keep-alive agent; give it one we can close (and that trusts the
  // extra anchors).
  const agent = new https.Agent({ keepAlive: true, ...(access.trustedCaPem ? { ca: access.trustedCaPem } : {}) });
  if (!useAgent(registry, agent) && access.trustedCaPem) {
    throw new Error(
      "this azure-iothub version offers no way to set trust anchors (components/iotHub/registryAgent.ts); use NODE_EXTRA_CA_CERTS",
    );
  }
  try {
    return await use(registry);
  } finally {
    agent.destroy();
  }
}
