// A media folder with every non-optional entry of the project's manifest as a small stand-in file,
// so the media ISO resource and the preflight find what they look for (no real installer here).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadMediaManifest } from "../../media";

export function stageMediaFolder(dir: string): string {
  for (const entry of loadMediaManifest().entries.filter((e) => !e.optional)) {
    const files = entry.kind === "dir" ? entry.requires.map((f) => join(entry.path, f)) : [entry.path];
    if (entry.kind === "dir") mkdirSync(join(dir, entry.path), { recursive: true });
    for (const f of files) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), `stand-in for ${f}\n`);
    }
  }
  return dir;
}
