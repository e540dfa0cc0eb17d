// What the engine should store as an IoT Hub resource's provider: a require, by name, of a module of
// the provider package (components/dynamicProviders), not the provider's code. Shared by the tests
// that look at it from the serializer, the mock engine and the real engine's state.
import { PROVIDER_ENTRIES, PROVIDER_PACKAGE } from "../../components/dynamicProviders/providerPackage";

/** Carrying their code, the three took 25.9, 34.1 and 19.5 KB (2026-11); requiring it, about 2 KB. */
export const MAX_PACKAGED_PROVIDER_CHARS = 3_000;

export function expectPackagedProvider(serialized: string): void {
  // One of the package's export names (the older `…Provider.js` ones, and `x.provider.js` for newer providers).
  const names = PROVIDER_ENTRIES.map((entry) => `${PROVIDER_PACKAGE}/${entry}.js`.replace(/[.]/g, "\\."));
  expect(serialized).toMatch(new RegExp(`"(${names.join("|")})"`));
  expect(serialized).toContain("require(specifier)");
  expect(serialized.length).toBeLessThan(MAX_PACKAGED_PROVIDER_CHARS);
}
