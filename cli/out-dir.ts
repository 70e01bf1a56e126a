// Writes a set of files into a folder all at once: into a fresh sibling folder first, then moved
// into place, so a failure part-way leaves the previous output (or nothing), never half of it.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export interface OutFile {
  path: string;
  content: string;
}

export function replaceFolder(out: string, files: ReadonlyArray<OutFile>): void {
  const target = resolve(out);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.new-`));
  try {
    for (const f of files) {
      mkdirSync(dirname(join(staging, f.path)), { recursive: true });
      writeFileSync(join(staging, f.path), f.content);
    }
    if (existsSync(target)) {
      const old = mkdtempSync(join(dirname(target), `.${basename(target)}.old-`));
      renameSync(target, join(old, "previous"));
      renameSync(staging, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(staging, target);
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Writes each file through a temporary name in the same folder and a rename. */
export function writeFilesAtomically(dir: string, files: ReadonlyArray<OutFile>): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const tmp = join(dir, `.${f.path}.tmp-${process.pid}`);
    writeFileSync(tmp, f.content);
    renameSync(tmp, join(dir, f.path));
  }
}
