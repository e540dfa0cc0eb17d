// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules over the whole tree,
// with the few exceptions below, each for a reason.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "packages/*/dist/", ".lab/", "bin/", "dist/", "coverage/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // Errors thrown from a catch quote the service's words on purpose and leave the SDK's error
      // behind: its `request` (a Key Vault import's PEM, a connection string's signature) would
      // otherwise reach the provider host's error output as the `cause`.
      "preserve-caught-error": "off",
    },
  },
  {
    // Jest: a test requires the program after resetting the module registry or installing mocks,
    // so that each case gets a fresh module; mocks receive the engine's untyped inputs.
    files: ["tests/**/*.ts", "lab/mocks/**/*.ts", "lab/bench/**/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off", "@typescript-eslint/no-explicit-any": "off" },
  },
  { files: ["jest.config.js"], languageOptions: { sourceType: "commonjs" } },
  {
    // The Node scripts the lab's devices run (commands on the device's PATH, no extension) and the simulator's module.
    files: ["lab/edge-runtime-simulator/iotedge", "lab/edge-runtime-simulator/*.js", "lab/hosts/fake-runtime/*-standin"],
    ignores: ["lab/hosts/fake-runtime/cloud-init-standin"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
    // CommonJS scripts: require is how they load modules.
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
