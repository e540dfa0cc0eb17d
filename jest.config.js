/** Type errors are caught by `tsc --noEmit` in `npm test`; ts-jest only transpiles (isolatedModules) to keep runs fast. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  testTimeout: 30000,
};
