// The project's one reach into azure-iothub's private members (components/iotHub/registryAgent.ts),
// held to the installed SDK: these fail when an upgrade changes what it relies on, or adds the
// public way that would replace it.
import * as https from "node:https";
import { CHECKED_AZURE_IOTHUB_VERSION, useAgent } from "../../components/iotHub/registryAgent";
import { IotHubStandin } from "../../lab/standins/iotHubStandin";

let hub: IotHubStandin;
beforeAll(async () => (hub = await IotHubStandin.start({ address: "127.0.4.14" })));
afterAll(() => hub.stop());

/** An agent that counts the connections it opens. */
class CountingAgent extends https.Agent {
  opened = 0;
  createConnection(...args: Parameters<https.Agent["createConnection"]>) {
    this.opened++;
    return super.createConnection(...args);
  }
}

test("the installed azure-iothub is the version registryAgent.ts was checked against", () => {
  const installed = (require("azure-iothub/package.json") as { version: string }).version;
  if (installed !== CHECKED_AZURE_IOTHUB_VERSION) {
    throw new Error(
      `azure-iothub is ${installed}, registryAgent.ts was checked against ${CHECKED_AZURE_IOTHUB_VERSION}: ` +
        "see whether Registry now takes an HTTPS agent publicly (then use that and delete the module), " +
        "else that _restApiClient.setOptions({ http: { agent } }) still carries it; then update CHECKED_AZURE_IOTHUB_VERSION.",
    );
  }
});

test("Registry still has no public way to set its agent or options", () => {
  const { Registry } = require("azure-iothub");
  const publicMembers = Object.getOwnPropertyNames(Registry.prototype).filter((m) => !m.startsWith("_"));
  expect(publicMembers.filter((m) => /option|agent/i.test(m))).toEqual([]);
});

test("every request of the Registry goes through the agent given, which trusts the hub's CA", async () => {
  const { Registry } = require("azure-iothub");
  const registry = Registry.fromConnectionString(hub.connectionString);
  const agent = new CountingAgent({ keepAlive: true, ca: hub.caCertPem });
  expect(useAgent(registry, agent)).toBe(true);
  try {
    await registry.create({ deviceId: "agent-1", capabilities: { iotEdge: false }, authentication: { type: "certificateAuthority" } });
    const got = await registry.get("agent-1");
    expect((got.responseBody as { deviceId: string }).deviceId).toBe("agent-1");
    expect(agent.opened).toBeGreaterThanOrEqual(1);
  } finally {
    agent.destroy();
  }
});

test("without a place for the agent (another SDK shape) it says so instead of dropping it silently", () => {
  expect(useAgent({} as never, new https.Agent())).toBe(false);
  expect(useAgent({ _restApiClient: {} } as never, new https.Agent())).toBe(false);
});
