// The one place this project reaches into azure-iothub's private members. Its Registry has no
// public way to choose the HTTPS agent (Azure/azure-iot-sdk-node#98, open; the service SDK's
// setOptions is on its private RestApiClient), and the providers need one they can close after
// each operation, with extra trust anchors for a hub behind a TLS-inspecting proxy or a local
// stand-in. `_restApiClient.setOptions({ http: { agent } })` is how the Registry's own constructor
// installs its agent (azure-iothub 1.16.6, dist/registry.js).
// tests/iotHub/registryAgent.test.ts fails on any other azure-iothub version until this is re-checked.
import type { Agent } from "node:https";
import type { Registry } from "azure-iothub";

/** The azure-iothub version this module was checked against. */
export const CHECKED_AZURE_IOTHUB_VERSION = "1.16.6";

/** Makes `registry` send every request through `agent`; false when this SDK version offers no place for it. */
export function useAgent(registry: Registry, agent: Agent): boolean {
  const rest = (registry as unknown as { _restApiClient?: { setOptions?: (options: unknown) => void } })._restApiClient;
  if (typeof rest?.setOptions !== "function") return false;
  rest.setOptions({ http: { agent } });
  return true;
}
