// Shared set-up of the IoT Hub provider tests: a stand-in on this file's own loopback address and
// the access fields that reach it (the stand-in's CA passed as a trust anchor).
import type { HubAccess } from "../../components/iotHub/hubAccess";
import type { RetryPolicy } from "../../components/iotHub/retry";
import { IotHubStandin, type IotHubStandinOptions } from "../../lab/standins/iotHubStandin";

/** Short delays: the tests exercise the retry logic, not the wall clock. */
export const FAST_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 40 };

export const THUMB_A = "aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd";
export const THUMB_A_HUB = "AABBCCDDEEFF00112233445566778899AABBCCDD";
export const THUMB_B = "1".repeat(64);
export const THUMB_C = "c".repeat(40);

export async function startHub(address: string, options: IotHubStandinOptions = {}): Promise<{ hub: IotHubStandin; access: HubAccess }> {
  const hub = await IotHubStandin.start({ address, ...options });
  const access: HubAccess = {
    hubHostName: hub.hostName,
    hubAuth: "connectionString",
    connectionString: hub.connectionString,
    trustedCaPem: hub.caCertPem,
  };
  return { hub, access };
}
