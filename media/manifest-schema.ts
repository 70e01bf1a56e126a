// The media manifest: what the media folder must hold, where each installer comes from.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { PROJECT_DIR } from "../lab/project-dir";

const relativePath = z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, {
  error: "must be a relative path of letters, digits, '.', '_' or '-' segments separated by /",
});

export const mediaEntrySchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string().min(1),
  kind: z.enum(["file", "dir"]),
  path: relativePath,
  /** Files that must exist inside a dir entry. */
  requires: z.array(relativePath).default([]),
  /** Official download page (never a direct link: those drift). */
  page: z.string().regex(/^https:\/\//),
  /** How to turn the download into this entry. */
  prepare: z.string().min(1),
  /** A version prefix that the guest checks (e.g. ODBC 18.5.). */
  version: z.string().optional(),
  /** A hash pinned for everyone; otherwise pinned on first use in the lock file. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  optional: z.boolean().default(false),
});

export const mediaManifestSchema = z.strictObject({
  $comment: z.string().optional(),
  volumeId: z.string().regex(/^[A-Z0-9_]{1,32}$/, { error: "must be 1 to 32 characters A-Z, 0-9 or _ (an ISO 9660 volume id)" }),
  entries: z.array(mediaEntrySchema).min(1),
});

export type MediaEntry = z.output<typeof mediaEntrySchema>;
export type MediaManifest = z.output<typeof mediaManifestSchema>;

export const DEFAULT_MANIFEST = join(PROJECT_DIR, "media", "manifest.json");

export function parseMediaManifest(json: unknown, source = "media manifest"): MediaManifest {
  const result = mediaManifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`${source} is not valid:\n${problems}`);
  }
  const ids = new Set<string>();
  for (const e of result.data.entries) {
    if (ids.has(e.id)) throw new Error(`${source}: entry id ${e.id} appears twice`);
    ids.add(e.id);
  }
  return result.data;
}

export function loadMediaManifest(file = DEFAULT_MANIFEST): MediaManifest {
  return parseMediaManifest(JSON.parse(readFileSync(file, "utf8")), file);
}

export function mediaEntry(manifest: MediaManifest, id: string): MediaEntry {
  const entry = manifest.entries.find((e) => e.id === id);
  if (!entry) throw new Error(`the media manifest has no entry ${id}`);
  return entry;
}

/** Windows path of an entry (or a file inside a dir entry) relative to the media drive root. */
export function guestMediaPath(manifest: MediaManifest, id: string, inside?: string): string {
  const entry = mediaEntry(manifest, id);
  return [entry.path, inside]
    .filter((p): p is string => !!p)
    .join("/")
    .split("/")
    .join("\\");
}
