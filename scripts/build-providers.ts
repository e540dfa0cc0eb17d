// `npm ci` runs this (package.json `prepare`): compiles the dynamic providers into
// node_modules/edge-dynamic-providers, where the state's providers require them from
// (components/dynamicProviders/providerPackage.ts). The program rebuilds it when its sources change.
import { relative } from "node:path";
import { ensureProviderPackage } from "../components/dynamicProviders/providerPackage";

try {
  const result = ensureProviderPackage();
  const where = relative(process.cwd(), result.dir) || result.dir;
  console.log(
    result.built
      ? `build-providers: compiled ${result.files} files into ${where} (sources ${result.sourceHash.slice(0, 12)})`
      : `build-providers: ${where} is up to date (sources ${result.sourceHash.slice(0, 12)})`,
  );
} catch (e) {
  console.error(`build-providers: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
