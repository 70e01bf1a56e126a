// Checks before base images or clones are built, each failing with what to do about it.
import { execFile } from "node:child_process";
import type { Virsh } from "../libvirt/virsh";

export class BaseImagePreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BaseImagePreflightError";
  }
}

interface Run {
  stdout: string;
  stderr: string;
  missing: boolean;
  code: number;
}
function run(binary: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(binary, args, { encoding: "utf8", env: { ...process.env, LC_ALL: "C" }, maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
      resolve({ stdout, stderr, missing: e?.code === "ENOENT", code: e ? (typeof e.code === "number" ? e.code : 1) : 0 });
    });
  });
}

const NO_QEMU_IMG = (binary: string) =>
  `${binary} is not installed or not on PATH: base images and linked clones need it to read and check backing chains. ` +
  "Install it (Debian/Ubuntu: apt-get install qemu-utils; Fedora: dnf install qemu-img; NixOS: add qemu to the system packages) and run again";

/** The qemu-img version line; throws when qemu-img cannot be run. */
export async function requireQemuImg(binary = "qemu-img"): Promise<string> {
  const r = await run(binary, ["--version"]);
  if (r.missing) throw new BaseImagePreflightError(NO_QEMU_IMG(binary));
  if (r.code !== 0) throw new BaseImagePreflightError(`${binary} --version failed (${r.stderr.trim()}): reinstall qemu-utils`);
  return r.stdout.split("\n")[0].trim();
}

export interface ChainLink {
  filename: string;
  format: string;
  backingFilename?: string;
}

/** The image's backing chain, top first, read by qemu-img; throws naming the clone and the missing link when it is broken. */
export async function checkBackingChain(path: string, binary = "qemu-img"): Promise<ChainLink[]> {
  // -U: a running guest holds a write lock on its disk; reading the headers is safe anyway.
  const r = await run(binary, ["info", "--backing-chain", "--output=json", "-U", path]);
  if (r.missing) throw new BaseImagePreflightError(NO_QEMU_IMG(binary));
  if (r.code !== 0) {
    const detail = r.stderr.trim().replace(/^qemu-img: /, "");
    const missing = /Could not open '([^']+)'/.exec(detail)?.[1];
    if (missing && missing !== path) {
      throw new BaseImagePreflightError(
        `the backing chain of ${path} is broken: it reads from ${missing}, which cannot be opened (${detail}). ` +
          "Its base image was deleted or moved: put the base image back at that path, or delete this clone and apply again to rebuild it from the current base image",
      );
    }
    throw new BaseImagePreflightError(`qemu-img cannot read ${path} (${detail}): the disk image itself is missing or damaged`);
  }
  const entries = JSON.parse(r.stdout) as Array<{ filename: string; format: string; "backing-filename"?: string }>;
  return entries.map((e) => ({ filename: e.filename, format: e.format, ...(e["backing-filename"] ? { backingFilename: e["backing-filename"] } : {}) }));
}

const GiB = 2 ** 30;
/**
 * Bytes a generalized base image takes in the pool, estimated from its install ISO: the installed
 * system is the ISO's compressed install.wim expanded (about 2 to 2.5 times; our estimate, not a
 * Microsoft figure) plus the VirtIO drivers and guest agent; 3x the ISO leaves room for the pagefile
 * and component store growth during setup. Pure.
 */
export function estimateBaseImageBytes(installIsoBytes: number): number {
  return Math.ceil((3 * installIsoBytes) / GiB) * GiB;
}

/** The refusal when `availableBytes` cannot hold `neededBytes`, or undefined. Pure. */
export function poolRoomProblem(pool: string, availableBytes: number, neededBytes: number, what: string): string | undefined {
  if (availableBytes >= neededBytes) return undefined;
  const gib = (n: number) => `${(n / GiB).toFixed(1)} GiB`;
  return (
    `pool ${pool} has ${gib(availableBytes)} free but ${what} needs about ${gib(neededBytes)}: ` +
    `free ${gib(neededBytes - availableBytes)} in the pool's filesystem (old base images: virsh vol-list ${pool}), or move homelab:pool.path to a larger disk`
  );
}

/** Throws when the pool (as libvirt reports it) lacks room for `neededBytes`. */
export async function requirePoolRoom(virsh: Virsh, pool: string, neededBytes: number, what: string): Promise<void> {
  const info = await virsh.poolInfo(pool);
  if (!info || info.state !== "running" || info.availableBytes === undefined) {
    throw new BaseImagePreflightError(
      `pool ${pool} is not running on ${virsh.uri}, so its free space is unknown: start it (virsh pool-start ${pool}) and apply again`,
    );
  }
  const problem = poolRoomProblem(pool, info.availableBytes, neededBytes, what);
  if (problem) throw new BaseImagePreflightError(problem);
}
