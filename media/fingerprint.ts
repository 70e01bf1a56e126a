// A cheap stand-in for the media folder's content, for preview: hashing the installers (several
// GiB) on every preview is what the manifest check does at build time, not what a diff should do.
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export interface ListedFile {
  /** Relative to the folder, / separated. */
  path: string;
  size: number;
  mtimeMs: number;
}

/** Every regular file under `dir`, with its size and modification time. */
export function listFolder(dir: string, prefix = ""): ListedFile[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) => {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) return listFolder(dir, rel);
    if (!d.isFile()) return [];
    const st = statSync(join(dir, rel));
    return [{ path: rel, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) }];
  });
}

/** SHA-256 of the sorted listing "path\tsize\tmtime\n" and of the manifest text: unchanged while neither changes. */
export function folderFingerprint(files: ListedFile[], manifestText: string): string {
  const listing = [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.path}\t${f.size}\t${f.mtimeMs}\n`)
    .join("");
  return createHash("sha256").update(manifestText).update("\0").update(listing).digest("hex");
}
