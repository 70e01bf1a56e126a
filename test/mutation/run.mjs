// npm run mutation [-- module ...]: one Stryker run per module (smallest first), then one table of
// the scores measured, read back from each module's JSON report (reports/mutation/<module>.json).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { MODULES } from "./modules.mjs";

const GOAL = 85;
const wanted = process.argv.slice(2);
for (const name of wanted) if (!MODULES[name]) throw new Error(`unknown module ${name}: one of ${Object.keys(MODULES).join(", ")}`);
const names = wanted.length > 0 ? wanted : Object.keys(MODULES);

for (const name of names) {
  console.log(`\n=== mutation testing ${name} ===`);
  const run = spawnSync("npx", ["stryker", "run", "stryker.config.mjs"], { stdio: "inherit", env: { ...process.env, MUTATION_MODULE: name } });
  if (run.status !== 0) console.error(`stryker failed for ${name} (exit ${run.status})`);
}

/** Counts per status from a mutation-testing-report-schema JSON report. */
function tally(file) {
  const counts = {};
  const survivors = [];
  const report = JSON.parse(readFileSync(file, "utf8"));
  for (const [path, f] of Object.entries(report.files)) {
    for (const m of f.mutants) {
      counts[m.status] = (counts[m.status] ?? 0) + 1;
      if (m.status === "Survived" || m.status === "NoCoverage")
        survivors.push(`${path}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} ${m.replacement ?? ""}`.trim());
    }
  }
  return { counts, survivors };
}

let failed = false;
console.log("\nmodule                   killed  timeout  survived  no-cov  errors  ignored  score");
for (const name of Object.keys(MODULES)) {
  const file = `reports/mutation/${name}.json`;
  if (!existsSync(file)) {
    console.log(`${name.padEnd(24)} not run`);
    continue;
  }
  const { counts, survivors } = tally(file);
  const killed = counts.Killed ?? 0,
    timeout = counts.Timeout ?? 0,
    survived = counts.Survived ?? 0,
    noCov = counts.NoCoverage ?? 0;
  const errors = (counts.CompileError ?? 0) + (counts.RuntimeError ?? 0);
  // Ignored: static mutants of a module run with ignoreStatic (see modules.mjs), not in the score.
  const ignored = counts.Ignored ?? 0;
  const score = (100 * (killed + timeout)) / Math.max(1, killed + timeout + survived + noCov);
  if (names.includes(name) && score < GOAL) failed = true;
  console.log(
    `${name.padEnd(24)} ${String(killed).padStart(6)}  ${String(timeout).padStart(7)}  ${String(survived).padStart(8)}  ${String(noCov).padStart(6)}  ${String(errors).padStart(6)}  ${String(ignored).padStart(7)}  ${score.toFixed(1)}%`,
  );
  for (const s of survivors) console.log(`    survivor ${s}`);
}
console.log(`\ngoal: at least ${GOAL}% killed per module; equivalent survivors are listed in test/mutation/EQUIVALENT.md`);
process.exit(failed ? 1 : 0);
