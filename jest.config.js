/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: false }] },
  testTimeout: 60000,
  // The bins run compiled JavaScript: rebuild dist/ first when a source is newer (test/cli/built.ts).
  globalSetup: "<rootDir>/test/cli/global-build.ts",
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
