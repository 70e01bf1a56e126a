// The tests that spawn the commands run the compiled bins, as users do. The build must be fresh:
// when a TypeScript source is newer than dist/, it is rebuilt first (tsc, incremental), so a
// spawned command never runs yesterday's code.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
export const HOMELAB_BIN = join(ROOT, "bin", "homelab.js");
const SOURCE_DIRS = ["cli", "winrm", "lab", "libvirt", "phases", "media", "diagram", "nixvirt-export", "preflight", "unattend", "checkpoints", "base-images"];
const STAMP = join(ROOT, "dist", ".tsbuildinfo");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Source files newer than the build, or "" when the build is fresh. */
export function staleness(): string {
  if (!existsSync(STAMP)) return "dist/ has not been built";
  const built = statSync(STAMP).mtimeMs;
  const newest = Math.max(...SOURCE_DIRS.map((d) => newestSource(join(ROOT, d))), statSync(join(ROOT, "tsconfig.json")).mtimeMs);
  return newest > built ? "a TypeScript source is newer than dist/" : "";
}

/**
 * Rebuilds dist/ when a source is newer. A type error still emits JavaScript (tsc's default):
 * `strict` fails the build, the lenient global setup only warns, so one helper's half-typed
 * edit does not stop every other test.
 */
export function ensureFreshBuild(mode: "strict" | "lenient" = "strict"): void {
  const why = staleness();
  if (!why) return;
  const r = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) {
    const message = `${why}, and \`npm run build\` failed:\n${r.stdout}${r.stderr}`;
    if (mode === "strict" || !existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error(message);
    process.stderr.write(`warning: ${message}\n`);
  }
  // tsc leaves the stamp alone when nothing changed in its output; touch it so the check settles.
  execFileSync("touch", [STAMP]);
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `homelab <args>` from the build. */
export function homelab(args: string[], cwd = ROOT): Ran {
  const r = spawnSync(process.execPath, [HOMELAB_BIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
