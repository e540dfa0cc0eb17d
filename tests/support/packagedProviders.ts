// What the engine should store as a dynamic resource's provider (components/dynamicProviders/
// packagedResource.ts): a short text that requires, by name, a module of the provider package; never
// the provider's code or a serialized closure. Shared by the tests that look at it from the resource
// classes, the mock engine and the real engine's state.
import { PROVIDER_NAMES, PROVIDER_PACKAGE } from "../../components/dynamicProviders/providerPackage";

/**
 * Serialized by value the three IoT Hub providers took 25.9, 34.1 and 19.5 KB, and the certificate
 * ones 3.2-13.6 KB; serialized as an object that requires the package, ~2 KB; as a require of a
 * class by the module's path, 130-151 characters (2026-11). The text is stored twice per resource
 * (inputs and outputs).
 */
export const MAX_PACKAGED_PROVIDER_CHARS = 72;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** `module.exports=require("edge-dynamic-providers/<name>")`: the name. */
export const PACKAGED_PROVIDER_TEXT = new RegExp(
  `^module\\.exports=require\\("${escape(PROVIDER_PACKAGE)}/(${PROVIDER_NAMES.join("|")})"\\)$`,
);

export function expectPackagedProvider(text: unknown): void {
  expect(text).toMatch(PACKAGED_PROVIDER_TEXT);
  expect((text as string).length).toBeLessThan(MAX_PACKAGED_PROVIDER_CHARS);
}
