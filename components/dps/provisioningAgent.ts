// The one place this project reaches into azure-iot-provisioning-service's private members. Its
// ProvisioningServiceClient has no public way to choose the HTTPS agent or trust anchors once made
// from a connection string; `_restApiClient.setOptions({ http: { agent } })` is what its RestApiClient
// (azure-iot-http-base, `Http.buildRequest` reads `options.http.agent`) honours, the same route as
// components/iotHub/registryAgent.ts takes for azure-iothub.
// tests/dps/provisioningAccess.test.ts fails on any other version until this is re-checked.
import type { Agent } from "node:https";
import type { ProvisioningServiceClient } from "azure-iot-provisioning-service";

/** The azure-iot-provisioning-service version this module was checked against. */
export const CHECKED_PROVISIONING_SERVICE_VERSION = "1.11.2";

/** Makes `client` send every request through `agent`; false when this SDK version offers no place for it. */
export function useProvisioningAgent(client: ProvisioningServiceClient, agent: Agent): boolean {
  const rest = (client as unknown as { _restApiClient?: { setOptions?: (options: unknown) => void } })._restApiClient;
  if (typeof rest?.setOptions !== "function") return false;
  rest.setOptions({ http: { agent } });
  return true;
}
