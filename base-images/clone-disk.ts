// The CloneDisk provider's behaviour: a Windows VM's disk made from its edition's base image, linked (a
// qcow2 overlay) or full (an independent copy), as plain async functions (tested under a private libvirtd).
//   check:  a base image other than the one the disk was made from gets a note that preview shows: the
//           disk keeps the old base (homelab:replaceClonesOnBaseChange false) or is rebuilt (true).
//   diff:   pool, name, mode or URI: a replacement; a new base image: a replacement only with the switch.
//   create: adopt a disk already made from this base; rebuild one made from another base only with the
//           switch; never overwrite a disk of another kind.
//   remove: keeps the disk unless deleteOnDestroy, and never deletes one another volume reads from.
import { basename } from "node:path";
import { truncate } from "node:fs/promises";
import type { DiskMode, VolumeSpec } from "../lab";
import { Virsh } from "../libvirt/virsh";
import { createCloneDisk } from "./clones";
import { linkOf, volumesBackedBy } from "./safety";

export interface Log {
  info(message: string): void;
  warn(message: string): void;
}

const pulumiLog: Log = {
  info: (m) => (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.info(m),
  warn: (m) => (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.warn(m),
};

export interface CloneDiskInputs {
  uri: string;
  pool: string;
  /** The VM's volume, e.g. DC01.qcow2. */
  name: string;
  vm: string;
  capacityBytes: number;
  mode: DiskMode;
  /** The base image this disk is to be made from (base-<edition>-<hash>.qcow2), its pool, path and size. */
  base: string;
  basePool: string;
  basePath: string;
  baseCapacityBytes: number;
  /** homelab:replaceClonesOnBaseChange. */
  replaceOnBaseChange: boolean;
  deleteOnDestroy: boolean;
  /** The VM's serial log: emptied with a new disk, so the clone's install wait waits for the marker of its own first boot. */
  serialLog: string;
  /** Set by check when the base image changed: what happens to this disk (preview shows it). */
  note?: string;
  /**
   * Set by check: the base image the existing disk was made from, carried from the last state (a
   * full copy does not record its source, so create learns it here). Undefined for a new disk.
   */
  madeFrom?: string;
}

export interface CloneDiskOutputs extends CloneDiskInputs {
  path: string;
  /** The base image the disk was made from, which a linked disk still reads from. */
  madeFrom: string;
}

export class CloneDiskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CloneDiskError";
  }
}

const SWITCH = "homelab:replaceClonesOnBaseChange";

/** What a new base image means for this disk, in words for preview; undefined while the base is the one the disk was made from. Pure. */
export function baseChangeNote(
  madeFrom: string | undefined,
  news: Pick<CloneDiskInputs, "pool" | "name" | "vm" | "base" | "replaceOnBaseChange" | "mode">,
): string | undefined {
  if (madeFrom === undefined || madeFrom === news.base) return undefined;
  const disk = `${news.pool}/${news.name}`;
  if (news.replaceOnBaseChange) {
    return (
      `the base image changed from ${madeFrom} to ${news.base} and ${SWITCH} is true: VM ${news.vm} is replaced ` +
      `(its disk ${disk} is deleted and made again from ${news.base}, then it specializes again); the data on the old disk is lost`
    );
  }
  return (
    `the base image changed from ${madeFrom} to ${news.base}, but ${SWITCH} is false: VM ${news.vm} keeps its disk ${disk}, which ` +
    (news.mode === "linked" ? `still reads from the old base image ${madeFrom} (kept while it does)` : `was copied from the old base image ${madeFrom}`) +
    `. To rebuild the VM from ${news.base} (the data on its disk is lost): pulumi config set ${SWITCH} true, then pulumi up`
  );
}

const REPLACING = ["uri", "pool", "name", "mode"] as const;

/** Names of the running domains that have `path` (or pool/name, or name: `domblklist` spells a volume disk so) as a disk. */
async function runningUsers(virsh: Virsh, pool: string, name: string, path: string): Promise<string[]> {
  const users: string[] = [];
  for (const [domain, uuid] of await virsh.domainUuids()) {
    if ((await virsh.domainState(uuid, domain)) !== "running") continue;
    if ((await virsh.domainDisks(uuid, domain)).some((d) => [path, `${pool}/${name}`, name].includes(d.source))) users.push(domain);
  }
  return users;
}

async function removeVolume(virsh: Virsh, pool: string, name: string): Promise<void> {
  const path = await virsh.volumePath(pool, name);
  // Pulumi deletes the VM's domain first (replaceWith, deleteBeforeReplace); a running guest here means it did not.
  const users = await runningUsers(virsh, pool, name, path);
  if (users.length > 0) {
    throw new CloneDiskError(
      `volume ${pool}/${name} is the disk of the running domain ${users.join(", ")}: homelab does not delete a disk under a running guest. ` +
        `Shut it down (virsh shutdown ${users[0]}) and apply again`,
    );
  }
  const readers = await volumesBackedBy(virsh, path);
  if (readers.length > 0) {
    throw new CloneDiskError(
      `volume ${pool}/${name} is the backing store of ${readers.join(", ")}: deleting it would destroy their disks. Delete those first, then apply again`,
    );
  }
  await virsh.deleteVolume(pool, name);
}

/** The base image an existing disk reads from (linked), or undefined (a full copy, or a blank disk). */
async function backingOf(virsh: Virsh, pool: string, name: string): Promise<string | undefined> {
  return linkOf(`${pool}/${name}`, await virsh.volumeXml(pool, name)).backing;
}

/**
 * How long one full copy may take: libvirt copies the whole base image (about 10 GiB for Server 2022, README),
 * minutes on a slow disk, far past virsh's usual 60 s per command.
 */
export const FULL_COPY_TIMEOUT_MS = 60 * 60_000;

async function make(virsh: Virsh, i: CloneDiskInputs, log: Log): Promise<void> {
  const vol: VolumeSpec = { name: i.name, pool: i.pool, vm: i.vm, capacityBytes: i.capacityBytes, format: "qcow2", deleteOnDestroy: i.deleteOnDestroy };
  const copier = i.mode === "full" ? new Virsh({ uri: i.uri, timeoutMs: FULL_COPY_TIMEOUT_MS }) : virsh;
  await createCloneDisk(copier, vol, { pool: i.basePool, name: i.base, path: i.basePath, capacityBytes: i.baseCapacityBytes }, i.mode);
  // A marker in the log from an earlier disk would end the new clone's install wait at once.
  await truncate(i.serialLog, 0).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== "ENOENT") throw e;
  });
  log.info(`${i.pool}/${i.name}: made from ${i.base} (${i.mode === "linked" ? "a linked clone" : "a full copy"})`);
}

async function apply(i: CloneDiskInputs, log: Log): Promise<CloneDiskOutputs> {
  const virsh = new Virsh({ uri: i.uri });
  const label = `volume ${i.pool}/${i.name} (VM ${i.vm})`;
  let madeFrom = i.base;
  if (await virsh.volumeInfo(i.pool, i.name)) {
    const backing = await backingOf(virsh, i.pool, i.name);
    if (i.mode === "linked" && backing === undefined) {
      throw new CloneDiskError(
        `${label} exists but is not a linked clone (no backing store), and homelab:disks is linked: homelab does not overwrite a disk. ` +
          `Delete it if its data is not needed (virsh vol-delete --pool ${i.pool} ${i.name}) and apply again, or set homelab:disks to full`,
      );
    }
    if (i.mode === "full" && backing !== undefined) {
      throw new CloneDiskError(
        `${label} exists as a linked clone of ${backing}, and homelab:disks is full: homelab does not convert a disk. ` +
          `Delete it if its data is not needed (virsh vol-delete --pool ${i.pool} ${i.name}) and apply again, or set homelab:disks to linked`,
      );
    }
    // A linked disk names its base; a full copy's source is known from the last state only (none: a disk kept from an earlier lab).
    const old = backing === undefined ? (i.madeFrom ?? i.base) : basename(backing);
    if (old === i.base) {
      log.info(`${label} exists: adopting it with its data`);
      return { ...i, path: await virsh.volumePath(i.pool, i.name), madeFrom };
    }
    if (!i.replaceOnBaseChange) {
      madeFrom = old;
      log.warn(`${label}: ${baseChangeNote(madeFrom, i)}`);
      return { ...i, path: await virsh.volumePath(i.pool, i.name), madeFrom };
    }
    log.info(`${label} was made from ${old}, and ${SWITCH} is true: making it again from ${i.base}`);
    await removeVolume(virsh, i.pool, i.name);
  }
  await make(virsh, i, log);
  return { ...i, path: await virsh.volumePath(i.pool, i.name), madeFrom };
}

export const cloneDiskOps = {
  async check(olds: Partial<CloneDiskOutputs>, news: CloneDiskInputs) {
    const failures: Array<{ property: string; reason: string }> = (["uri", "pool", "name", "vm", "base", "basePool", "basePath", "serialLog"] as const)
      .filter((k) => typeof news[k] !== "string" || news[k] === "")
      .map((property) => ({ property, reason: `clone disk ${news.pool}/${news.name}: ${property} must be a non-empty string` }));
    if (news.mode !== "linked" && news.mode !== "full") failures.push({ property: "mode", reason: `mode ${JSON.stringify(news.mode)} is not linked or full` });
    const { note: _note, madeFrom: _madeFrom, ...rest } = news;
    const same = olds.pool === news.pool && olds.name === news.name && olds.uri === news.uri && olds.mode === news.mode;
    // With the switch on at the last apply, the disk was made (again, if need be) from that apply's base.
    const madeFrom = same ? (olds.replaceOnBaseChange ? olds.base : (olds.madeFrom ?? olds.base)) : undefined;
    const note = baseChangeNote(madeFrom, news);
    return { inputs: { ...rest, ...(madeFrom ? { madeFrom } : {}), ...(note ? { note } : {}) }, failures };
  },
  async diff(_id: string, olds: CloneDiskOutputs, news: CloneDiskInputs) {
    const replaces: string[] = REPLACING.filter((k) => olds[k] !== news[k]);
    if (news.replaceOnBaseChange && olds.madeFrom !== news.base) replaces.push("base");
    const updates = (["base", "basePath", "capacityBytes", "replaceOnBaseChange", "deleteOnDestroy", "serialLog"] as const).filter((k) => olds[k] !== news[k]);
    // libvirt names are unique in a pool: the old disk goes before the new one is made.
    return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: true };
  },
  async create(inputs: CloneDiskInputs, log: Log = pulumiLog) {
    const outs = await apply(inputs, log);
    return { id: outs.path, outs };
  },
  async read(id: string, props: CloneDiskOutputs) {
    return (await new Virsh({ uri: props.uri }).volumeInfo(props.pool, props.name)) ? { id, props } : {};
  },
  async update(_id: string, olds: CloneDiskOutputs, news: CloneDiskInputs, log: Log = pulumiLog) {
    // Not a replacement (diff): the disk stays as made; it may only grow.
    const virsh = new Virsh({ uri: news.uri });
    if (news.capacityBytes > olds.capacityBytes) await virsh.growVolume(news.pool, news.name, news.capacityBytes);
    if (olds.madeFrom !== news.base) log.warn(`volume ${news.pool}/${news.name} (VM ${news.vm}): ${baseChangeNote(olds.madeFrom, news)}`);
    return { outs: { ...news, path: olds.path, madeFrom: olds.madeFrom } };
  },
  async remove(_id: string, props: CloneDiskOutputs, log: Log = pulumiLog) {
    if (!props.deleteOnDestroy) {
      log.info(
        `volume ${props.pool}/${props.name}: kept with its data (deleteOnDestroy is off); delete it by hand with virsh vol-delete --pool ${props.pool} ${props.name}`,
      );
      return;
    }
    const virsh = new Virsh({ uri: props.uri });
    if (await virsh.volumeInfo(props.pool, props.name)) await removeVolume(virsh, props.pool, props.name);
  },
};
