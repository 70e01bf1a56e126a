export { loadMediaManifest, parseMediaManifest, guestMediaPath, mediaEntry, DEFAULT_MANIFEST } from "./manifest-schema";
export type { MediaEntry, MediaManifest } from "./manifest-schema";
export { checkMedia, mediaPresence, formatMediaCheck, readLock, writeLock, emptyLock, sha256File, sha256Tree, DEFAULT_LOCK } from "./check";
export type { MediaCheck, MediaLock, EntryStatus, CheckOptions } from "./check";
export { buildIso, isoVolumeId, xorrisoArgs, IsoError } from "./iso";
