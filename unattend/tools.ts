// The host tools the install media need, run without a shell; a missing tool names its Debian package.
import { spawnSync } from "node:child_process";

export class ToolError extends Error {
  override name = "ToolError";
}

const PACKAGES: Record<string, string> = { xorriso: "xorriso", "7z": "7zip (or p7zip-full)", "wimlib-imagex": "wimtools" };

/** 7-Zip's command: `7z` (Debian p7zip-full) or `7zz` (Debian 7zip), whichever is installed. */
export function sevenZip(): string {
  for (const name of ["7z", "7zz"]) {
    if (spawnSync(name, ["i"], { stdio: "ignore" }).error === undefined) return name;
  }
  return "7z";
}

/** Runs a tool to completion; stdout on success, a ToolError with its stderr otherwise. */
export function runTool(tool: string, args: string[], options: { cwd?: string } = {}): string {
  const r = spawnSync(tool, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, cwd: options.cwd, env: { ...process.env, LC_ALL: "C" } });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new ToolError(`${tool} is not installed: apt-get install ${PACKAGES[tool] ?? tool}`);
  }
  if (r.status !== 0) throw new ToolError(`${tool} ${args.join(" ")} failed with exit code ${r.status}:\n${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}
