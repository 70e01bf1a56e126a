// Start-up of the commands, as ratios to a bare `node -e 0` measured in the same run: the goal is
// `homelab-winrm --help` within 6 times it (each phase starts homelab-winrm once).
// Run: npm run bench -- startup   (needs the build: npm ci or npm run build)
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const ROOT = join(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const GOAL = 6;

/** Median wall-clock milliseconds of running node with these arguments. */
function medianMs(args: string[], command = process.execPath): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const start = performance.now();
    execFileSync(command, args, { cwd: ROOT, stdio: "ignore" });
    if (i >= 2) samples.push(performance.now() - start); // two warm-ups: the file cache
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function main(): void {
  if (!existsSync(join(ROOT, "dist", "winrm", "cli.js"))) throw new Error("dist/ is missing: run npm run build (npm ci runs it) first");
  const cases: Array<[string, string[], string?]> = [
    ["homelab-winrm --help", [join(ROOT, "bin", "homelab-winrm.js"), "--help"]],
    ["homelab --help", [join(ROOT, "bin", "homelab.js"), "--help"]],
    ["homelab phases waves --stack dev", [join(ROOT, "bin", "homelab.js"), "phases", "waves", "--stack", "dev"]],
    // How components/phase-command.ts starts each phase today: npm's own start-up comes on top.
    ["npx --no-install homelab-winrm --help", ["--no-install", "homelab-winrm", "--help"], "npx"],
    ["ts-node winrm/cli (before: the TypeScript bin)", [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "-e", 'require("./winrm/cli")']],
  ];
  const bare = medianMs(["-e", "0"]);
  console.log(`node -e 0 (baseline): ${bare.toFixed(1)} ms, median of ${RUNS}`);
  let winrmRatio = Infinity;
  for (const [name, args, command] of cases) {
    const ms = medianMs(args, command);
    const ratio = ms / bare;
    if (name.startsWith("homelab-winrm")) winrmRatio = ratio;
    console.log(`${name.padEnd(48)} ${ms.toFixed(1).padStart(8)} ms  ${ratio.toFixed(2)} x baseline`);
  }
  console.log(`homelab-winrm --help: ${winrmRatio.toFixed(2)} x node -e 0 (goal: at most ${GOAL}) ${winrmRatio <= GOAL ? "met" : "NOT MET"}`);
}

main();
