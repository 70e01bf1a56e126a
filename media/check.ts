// Checks a media folder against the manifest and the lock file. Reading files is the only side
// effect; recording first-use hashes returns a new lock that the caller writes.
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { MediaEntry, MediaManifest } from "./manifest-schema";
import { PROJECT_DIR } from "../lab/project-dir";

/** In the repo, next to the manifest: committed, so every machine and stack pins the same installer builds. */
export const DEFAULT_LOCK = join(PROJECT_DIR, "media", "media.lock.json");

const lockSchema = z.strictObject({
  version: z.literal(1),
  entries: z.record(
    z.string(),
    z.strictObject({
      path: z.string(),
      kind: z.enum(["file", "dir"]),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      recordedAt: z.string(),
    }),
  ),
});
export type MediaLock = z.output<typeof lockSchema>;
export type LockEntry = MediaLock["entries"][string];

export function emptyLock(): MediaLock {
  return { version: 1, entries: {} };
}

export function readLock(file: string): MediaLock {
  if (!existsSync(file)) return emptyLock();
  const result = lockSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!result.success)
    throw new Error(`${file} is not a media lock file: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}; fix or delete it`);
  return result.data;
}

export function writeLock(file: string, lock: MediaLock): void {
  const sorted: MediaLock = { version: 1, entries: Object.fromEntries(Object.entries(lock.entries).sort(([a], [b]) => a.localeCompare(b))) };
  writeFileSync(file, JSON.stringify(sorted, null, 2) + "\n");
}

export function sha256File(path: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1 << 20);
  const fd = openSync(path, "r");
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) return listFiles(join(dir, d.name), rel);
    return d.isFile() ? [rel] : [];
  });
}

/**
 * A folder's hash: SHA-256 of its `sha256sum`-style listing ("<hex>  <path>\n" per file, sorted
 * by path, / separators), so `(cd dir && find . -type f | sort | xargs sha256sum)` explains it.
 */
export function sha256Tree(dir: string): string {
  const lines = listFiles(dir)
    .sort()
    .map((rel) => `${sha256File(join(dir, rel))}  ${rel}\n`);
  return createHash("sha256").update(lines.join("")).digest("hex");
}

export type EntryStatus =
  | { entry: MediaEntry; status: "ok"; sha256: string; pinnedBy: "manifest" | "lock" }
  | { entry: MediaEntry; status: "recorded"; sha256: string }
  | { entry: MediaEntry; status: "missing" }
  | { entry: MediaEntry; status: "incomplete"; missingFiles: string[] }
  | { entry: MediaEntry; status: "mismatch"; expected: string; actual: string; pinnedBy: "manifest" | "lock" }
  | { entry: MediaEntry; status: "unpinned"; sha256: string }
  /** Found by mediaPresence, which does not hash: the hashes are checked when the ISO is built. */
  | { entry: MediaEntry; status: "present" };

export interface MediaCheck {
  dir: string;
  statuses: EntryStatus[];
  /** The lock with first-use hashes added (equal to the input when nothing was recorded). */
  lock: MediaLock;
  ok: boolean;
}

export interface CheckOptions {
  /** Refuse to record new hashes (CI): an entry without a pinned hash is an error. */
  frozen?: boolean;
  now?: () => Date;
}

function present(dir: string, entry: MediaEntry): boolean {
  const path = join(dir, entry.path);
  if (!existsSync(path)) return false;
  return entry.kind === "dir" ? statSync(path).isDirectory() : statSync(path).isFile();
}

export function checkMedia(dir: string, manifest: MediaManifest, lock: MediaLock, options: CheckOptions = {}): MediaCheck {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`the media folder ${dir} does not exist: create it (homelab:media.dir) and put the installers listed in media/manifest.json there`);
  }
  const now = options.now ?? (() => new Date());
  const next: MediaLock = { version: 1, entries: { ...lock.entries } };
  const statuses: EntryStatus[] = manifest.entries.map((entry): EntryStatus => {
    if (!present(dir, entry)) return { entry, status: "missing" };
    const path = join(dir, entry.path);
    if (entry.kind === "dir") {
      const missingFiles = entry.requires.filter((f) => !existsSync(join(path, f)));
      if (missingFiles.length > 0) return { entry, status: "incomplete", missingFiles };
    }
    const actual = entry.kind === "dir" ? sha256Tree(path) : sha256File(path);
    const locked = lock.entries[entry.id];
    const [expected, pinnedBy] = entry.sha256 ? [entry.sha256, "manifest" as const] : locked ? [locked.sha256, "lock" as const] : [undefined, undefined];
    if (expected && pinnedBy) {
      return expected === actual ? { entry, status: "ok", sha256: actual, pinnedBy } : { entry, status: "mismatch", expected, actual, pinnedBy };
    }
    if (options.frozen) return { entry, status: "unpinned", sha256: actual };
    next.entries[entry.id] = { path: entry.path, kind: entry.kind, sha256: actual, recordedAt: now().toISOString() };
    return { entry, status: "recorded", sha256: actual };
  });
  const bad = statuses.some(
    (s) => s.status === "mismatch" || s.status === "incomplete" || s.status === "unpinned" || (s.status === "missing" && !s.entry.optional),
  );
  return { dir, statuses, lock: next, ok: !bad };
}

/**
 * What the folder lacks, without reading any file: the cheap check that runs before anything is
 * created (preflight, and the media ISO resource's check at preview). checkMedia hashes at build time.
 */
export function mediaPresence(dir: string, manifest: MediaManifest, exists: (path: string) => boolean = existsSync): MediaCheck {
  const statuses = manifest.entries.map((entry): EntryStatus => {
    const path = join(dir, entry.path);
    if (!exists(path)) return { entry, status: "missing" };
    const missingFiles = entry.kind === "dir" ? entry.requires.filter((f) => !exists(join(path, f))) : [];
    return missingFiles.length > 0 ? { entry, status: "incomplete", missingFiles } : { entry, status: "present" };
  });
  const ok = !statuses.some((s) => s.status === "incomplete" || (s.status === "missing" && !s.entry.optional));
  return { dir, statuses, lock: emptyLock(), ok };
}

export function formatMediaCheck(check: MediaCheck, lockFile: string): string {
  const lines: string[] = [];
  for (const s of check.statuses) {
    const { entry } = s;
    const where = join(check.dir, entry.path);
    switch (s.status) {
      case "present":
        lines.push(`present   ${entry.path} (its hash is checked when the ISO is built)`);
        break;
      case "ok":
        lines.push(`ok        ${entry.path} (sha256 ${s.sha256.slice(0, 16)}..., pinned by the ${s.pinnedBy})`);
        break;
      case "recorded":
        lines.push(`recorded  ${entry.path}: first use, sha256 ${s.sha256} pinned in ${lockFile} (commit it)`);
        break;
      case "missing":
        lines.push(`${entry.optional ? "optional" : "MISSING "}  ${entry.path}: ${entry.title}`);
        lines.push(`          get it from ${entry.page}`);
        lines.push(`          ${entry.prepare}`);
        lines.push(`          put it at ${where}`);
        break;
      case "incomplete":
        lines.push(`INCOMPLETE ${entry.path}: lacks ${s.missingFiles.join(", ")} (${entry.prepare})`);
        break;
      case "mismatch":
        lines.push(`MISMATCH  ${entry.path}: sha256 ${s.actual}, but the ${s.pinnedBy} pins ${s.expected}.`);
        lines.push(`          The file changed (a re-download from a drifting link, or corruption). Restore the pinned build,`);
        lines.push(
          `          or, to adopt this one on purpose, delete its entry "${entry.id}" from ${s.pinnedBy === "lock" ? lockFile : "media/manifest.json"} and check again.`,
        );
        break;
      case "unpinned":
        lines.push(`UNPINNED  ${entry.path}: sha256 ${s.sha256} is not pinned and --frozen forbids recording it`);
        break;
    }
  }
  lines.push(check.ok ? `media folder ${check.dir} matches the manifest` : `media folder ${check.dir} does NOT match the manifest`);
  return lines.join("\n") + "\n";
}
