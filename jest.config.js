/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: false }] },
  testTimeout: 60000,
  // One test file at a time, as before, but in a worker process that is replaced once it holds more
  // than this after a file: in one process the suite's ~120 files reached 24 GiB and the OOM killer.
  // (With this set, jest uses a worker even at --maxWorkers=1: @jest/core shouldRunInBand.)
  workerIdleMemoryLimit: "1536MB",
  // Prints the Node.js in use, and stops at once with the install line when a tool is missing
  // (test/support/required-tools.js); then rebuilds dist/ when a source is newer, since the bins
  // run compiled JavaScript (test/cli/built.ts).
  globalSetup: "<rootDir>/test/cli/global-build.ts",
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
