// ESLint (flat config): JavaScript's and typescript-eslint's recommended rules over the whole tree.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "packages/*/dist/", ".lab/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
);
