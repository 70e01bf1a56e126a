// npm run bench: every bench/*.bench.ts in turn, each printing its own ratios.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const only = process.argv[2];
const benches = readdirSync(__dirname)
  .filter((f) => f.endsWith(".bench.ts") && (!only || f.includes(only)))
  .sort();
for (const bench of benches) {
  process.stdout.write(`\n== ${bench}\n`);
  execFileSync("npx", ["ts-node", "--transpile-only", join(__dirname, bench)], { stdio: "inherit" });
}
