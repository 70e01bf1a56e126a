// Mutation testing for the pure modules (issue 18). One module per Stryker run, each with only the
// test files that exercise it: on two shared cores a whole-suite run per mutant would take hours.
// Run all:  npm run mutation          one module:  npm run mutation -- lab
// MUTATION_MODULE selects the module; test/mutation/run.mjs sets it and prints the per-module table.
import { MODULES } from "./test/mutation/modules.mjs";

const name = process.env.MUTATION_MODULE ?? "lab";
const module = MODULES[name];
if (!module) throw new Error(`MUTATION_MODULE=${name} is not one of ${Object.keys(MODULES).join(", ")}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "jest",
  coverageAnalysis: "perTest",
  mutate: module.mutate,
  ignoreStatic: module.ignoreStatic ?? false,
  jest: {
    projectType: "custom",
    enableFindRelatedTests: false,
    config: {
      testEnvironment: "node",
      rootDir: ".",
      roots: ["<rootDir>/test"],
      testMatch: module.tests.map((t) => `<rootDir>/${t}`),
      // Transpile only: Stryker marks mutated files @ts-nocheck anyway, and type-checking every
      // sandbox compile is most of the run time. `npm run typecheck` guards the types.
      transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: true, diagnostics: false }] },
      testTimeout: 60000,
    },
  },
  // MUTATION_CONCURRENCY=1 when the two cores are shared with other work.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 30000,
  reporters: ["clear-text", "progress", "json", "html"],
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true, reportMutants: true },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  // A re-run after new tests only re-tests what they could change (mutants and tests compared by content).
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: true,
  ignorePatterns: ["reports", ".stryker-tmp", "dist", "out", ".lab-tmp", "bench"],
  thresholds: { high: 90, low: 85, break: null },
};
