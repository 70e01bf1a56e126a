// Builds the media ISO with xorriso (Debian package xorriso): Joliet with long names and Rock
// Ridge, ISO level 3 (files over 4 GiB), and the volume id the guest scripts look for.
import { spawnSync } from "node:child_process";
import { renameSync, rmSync } from "node:fs";

export class IsoError extends Error {
  override name = "IsoError";
}

export function xorrisoArgs(dir: string, iso: string, volumeId: string): string[] {
  return ["-as", "mkisofs", "-iso-level", "3", "-J", "-joliet-long", "-r", "-V", volumeId, "-o", iso, dir];
}

function runXorriso(args: string[]): string {
  const r = spawnSync("xorriso", args, { encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw new IsoError("xorriso is not installed: apt-get install xorriso");
  if (r.status !== 0) throw new IsoError(`xorriso ${args.join(" ")} failed with ${r.status}:\n${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** Writes to <iso>.partial and renames, so a failed build never leaves a half ISO at the attached path. */
export function buildIso(dir: string, iso: string, volumeId: string): void {
  const partial = `${iso}.partial`;
  rmSync(partial, { force: true });
  try {
    runXorriso(xorrisoArgs(dir, partial, volumeId));
    renameSync(partial, iso);
  } finally {
    rmSync(partial, { force: true });
  }
}

/** The volume id of an ISO, read back with xorriso -pvd_info. */
export function isoVolumeId(iso: string): string {
  const out = runXorriso(["-indev", iso, "-pvd_info"]);
  const m = /^Volume Id\s*:\s*(.*)$/m.exec(out);
  if (!m) throw new IsoError(`xorriso -pvd_info printed no Volume Id for ${iso}`);
  return m[1].trim();
}
