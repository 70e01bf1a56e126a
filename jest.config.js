/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: false }] },
  testTimeout: 60000,
  // One test file at a time, as before, but each in a fresh worker process: in one process the
  // suite's ~120 files grew to 24 GiB and met the OOM killer, mostly outside the JS heap (jest-worker
  // measures heapUsed only, so a limit this low means a restart after every file). With a limit set,
  // jest uses a worker even at --maxWorkers=1 (@jest/core shouldRunInBand).
  workerIdleMemoryLimit: "1MB",
  // Prints the Node.js in use, and stops at once with the install line when a tool is missing
  // (test/support/required-tools.js); then rebuilds dist/ when a source is newer, since the bins
  // run compiled JavaScript (test/cli/built.ts).
  globalSetup: "<rootDir>/test/cli/global-build.ts",
  reporters: ["default", "<rootDir>/test/support/summary-reporter.js"],
};
