// One lock file per VM beside the checkpoints: whoever changes a VM's disk, NVRAM or TPM state
// (a checkpoint create, revert or delete, or a phase wrapper inside `pulumi up`) holds it, so two
// of them never interleave on one VM. Created with O_EXCL, which is atomic on a local file system.
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import type { Layout } from "./layout";

export interface LockOwner {
  pid: number;
  host: string;
  /** What holds it, e.g. "checkpoint revert before-sccm" or "phase sccm01-sccm-site-install (pulumi up)". */
  operation: string;
  since: string;
}

export class LockedError extends Error {
  override name = "LockedError";
  constructor(
    readonly vm: string,
    readonly owner: LockOwner | undefined,
    readonly file: string,
  ) {
    super(
      `${vm} is locked by ${owner ? `${owner.operation} (pid ${owner.pid} on ${owner.host}, since ${owner.since})` : "an unreadable lock"}: ` +
        `wait for it to finish${owner ? "" : `, or remove ${file} if nothing runs`}; nothing was changed on ${vm}`,
    );
  }
}

export function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as LockOwner;
  } catch {
    return undefined;
  }
}

/** A lock whose process on this host has ended: left by a crash, safe to take over. */
function stale(owner: LockOwner | undefined): boolean {
  if (!owner || owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

const sameOwner = (a: LockOwner, b: LockOwner): boolean => a.pid === b.pid && a.host === b.host && a.since === b.since;

/**
 * Removes a stale lock without ever removing a fresh one: two processes may both find the same
 * stale lock, and the slower one must not delete the lock the faster one has just taken. The
 * file is moved aside first (atomic); if what moved is not the stale owner, it goes back with
 * link(), which fails rather than overwrite a lock taken meanwhile.
 */
function takeOverStale(file: string, staleOwner: LockOwner): void {
  const aside = `${file}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // someone else moved or released it: just try again
  }
  const moved = readOwner(aside);
  if (moved && !sameOwner(moved, staleOwner)) {
    try {
      linkSync(aside, file);
    } catch {
      /* a third process holds it now; the moved owner sees its lock gone only in that rare race */
    }
  }
  rmSync(aside, { force: true });
}

function tryTake(file: string, owner: LockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

export interface LockOptions {
  operation: string;
  /** How long to wait for a held lock (default 0: fail at once). */
  waitMs?: number;
  pollMs?: number;
  onWait?: (vm: string, owner: LockOwner | undefined) => void;
}

export interface HeldLocks {
  vms: string[];
  release(): void;
}

/** Takes the locks of `vms` (in name order, so two callers never wait on each other crosswise) or none of them. */
export async function lockVms(lay: Layout, vms: string[], opts: LockOptions): Promise<HeldLocks> {
  mkdirSync(lay.locks, { recursive: true });
  const owner: LockOwner = { pid: process.pid, host: hostname(), operation: opts.operation, since: new Date().toISOString() };
  const taken: string[] = [];
  const release = () => {
    for (const vm of taken.splice(0)) {
      const file = lay.lock(vm);
      const now = readOwner(file);
      // Only our own lock: never remove one a later owner took after a stale takeover.
      if (now && sameOwner(now, owner)) rmSync(file, { force: true });
    }
  };
  const deadline = Date.now() + (opts.waitMs ?? 0);
  try {
    for (const vm of [...new Set(vms)].sort()) {
      const file = lay.lock(vm);
      let waited = false;
      while (!tryTake(file, owner)) {
        const current = readOwner(file);
        if (stale(current)) {
          takeOverStale(file, current!);
          continue;
        }
        if (Date.now() >= deadline) throw new LockedError(vm, current, file);
        if (!waited) opts.onWait?.(vm, current);
        waited = true;
        await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
      }
      taken.push(vm);
    }
  } catch (e) {
    release();
    throw e;
  }
  return { vms: [...taken], release };
}
