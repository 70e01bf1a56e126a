// The media ISO's dynamic provider, as plain async functions (tested directly; Pulumi's mocks do
// not run dynamic providers).
//   check:  at preview and up, before anything is created: the folder holds every installer of the
//           manifest (no hashing), and the cheap fingerprint of its listing joins the inputs.
//   diff:   a changed fingerprint, folder, ISO path or lock, or an ISO gone from disk, rebuilds.
//   create/update: the full check (SHA-256 against the manifest and the lock, recording first-use
//           hashes in the lock), then xorriso builds the ISO.
import { existsSync, readFileSync } from "node:fs";
import { checkMedia, DEFAULT_LOCK, formatMediaCheck, mediaPresence, readLock, writeLock } from "../check";
import { folderFingerprint, listFolder } from "../fingerprint";
import { buildIso } from "../iso";
import { DEFAULT_MANIFEST, parseMediaManifest } from "../manifest-schema";
import type { MediaManifest } from "../manifest-schema";

export interface Log {
  info(message: string): void;
}

const pulumiLog: Log = { info: (m) => (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.info(m) };

export interface MediaIsoInputs {
  /** homelab:media.dir */
  dir: string;
  /** homelab:media.iso */
  iso: string;
  /** homelab:media.lock, when the stack names its own lock file ("" for the project's media/media.lock.json). */
  lock: string;
  /** Set by check: folderFingerprint of the folder's listing and the manifest. */
  fingerprint?: string;
}

export interface MediaIsoOutputs extends Required<MediaIsoInputs> {
  volumeId: string;
}

/** The manifest the provider host's checkout holds (its media/manifest.json), with its text for the fingerprint. */
function manifestHere(): { manifest: MediaManifest; text: string } {
  const text = readFileSync(DEFAULT_MANIFEST, "utf8");
  return { manifest: parseMediaManifest(JSON.parse(text), DEFAULT_MANIFEST), text };
}

const lockFile = (i: MediaIsoInputs) => i.lock || DEFAULT_LOCK;

async function build(i: MediaIsoInputs, log: Log): Promise<MediaIsoOutputs> {
  const { manifest, text } = manifestHere();
  const lock = lockFile(i);
  const checked = checkMedia(i.dir, manifest, readLock(lock));
  if (checked.statuses.some((s) => s.status === "recorded")) writeLock(lock, checked.lock);
  const report = formatMediaCheck(checked, lock);
  if (!checked.ok) throw new Error(`not building ${i.iso}: ${report}`);
  log.info(report.trimEnd());
  buildIso(i.dir, i.iso, manifest.volumeId);
  log.info(`built ${i.iso} (volume id ${manifest.volumeId}) from ${i.dir}`);
  // The fingerprint after the build: the hash check reads the files but changes none of them.
  return { dir: i.dir, iso: i.iso, lock: i.lock, fingerprint: folderFingerprint(listFolder(i.dir), text), volumeId: manifest.volumeId };
}

export const mediaIso = {
  async check(_olds: object, news: MediaIsoInputs) {
    const failures = (["dir", "iso"] as const)
      .filter((k) => typeof news[k] !== "string" || news[k] === "")
      .map((property) => ({ property, reason: `${property} must be a non-empty path` }));
    if (failures.length > 0) return { inputs: news, failures };
    const { manifest, text } = manifestHere();
    const present = mediaPresence(news.dir, manifest);
    if (!present.ok) {
      return {
        inputs: news,
        failures: [
          {
            property: "dir",
            reason: `homelab:media.dir ${news.dir} lacks installers the lab needs (media/manifest.json):\n${formatMediaCheck(present, lockFile(news))}`,
          },
        ],
      };
    }
    return { inputs: { ...news, lock: news.lock ?? "", fingerprint: folderFingerprint(listFolder(news.dir), text) }, failures: [] };
  },
  async diff(_id: string, olds: MediaIsoOutputs, news: MediaIsoInputs) {
    const changed = (["fingerprint", "dir", "iso", "lock"] as const).filter((k) => olds[k] !== news[k]);
    // An ISO deleted by hand is built again, though nothing in the folder changed.
    const gone = existsSync(news.iso) ? [] : ["iso"];
    const diffs = [...new Set([...changed, ...gone])];
    return { changes: diffs.length > 0, replaces: [], diffs, deleteBeforeReplace: false };
  },
  async create(inputs: MediaIsoInputs, log: Log = pulumiLog) {
    return { id: `media-iso-${inputs.iso}`, outs: await build(inputs, log) };
  },
  async read(id: string, props: MediaIsoOutputs) {
    return { id, props };
  },
  async update(_id: string, _olds: MediaIsoOutputs, news: MediaIsoInputs, log: Log = pulumiLog) {
    return { outs: await build(news, log) };
  },
  async remove() {
    // The ISO stays: stacks may share one media ISO (dev and split-sql name the same path), and it is
    // rebuilt from the folder on demand.
  },
};
