/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: false }] },
  testTimeout: 60000,
  // Prints the Node.js in use, and stops at once with the install line when a tool is missing.
  globalSetup: "<rootDir>/test/support/required-tools.js",
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
