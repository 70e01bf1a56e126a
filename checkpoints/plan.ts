// What a create, revert or delete does to one VM, as a list of operations computed from facts
// read beforehand. Pure: host.ts reads the facts and executes the operations, so the order and
// the refusals here are tested without a hypervisor.
import type { Layout } from "./layout";
import { snapshotTag } from "./layout";
import type { DiskRecord, VmRecord } from "./manifest";

export interface DiskFacts {
  target: string;
  path: string;
  /** The image format libvirt's domain XML names (driver type). */
  format: string;
}

/** What the host knows about one VM's domain right now. */
export interface VmFacts {
  vm: string;
  uuid: string;
  /** virsh domstate, e.g. "running", "shut off". */
  state: string;
  disks: DiskFacts[];
  nvram?: { path: string; exists: boolean };
  tpm?: { dir: string; exists: boolean };
}

export type Op =
  | { kind: "shutdown"; vm: string }
  | { kind: "destroy"; vm: string }
  | { kind: "start"; vm: string }
  | { kind: "snapshot-disk"; vm: string; disk: DiskRecord }
  | { kind: "revert-disk"; vm: string; disk: DiskRecord }
  | { kind: "delete-disk-snapshot"; vm: string; disk: DiskRecord; missingOk: boolean }
  | { kind: "copy-file"; vm: string; from: string; to: string }
  | { kind: "copy-dir"; vm: string; from: string; to: string }
  /** Replace `to` with a copy of `from` (a file or a folder) so that it is either the old or the new whole, never a mix. */
  | { kind: "restore"; vm: string; from: string | null; to: string; dir: boolean }
  | { kind: "write-record"; vm: string; record: VmRecord }
  | { kind: "mark-reverting"; vm: string }
  | { kind: "unmark-reverting"; vm: string }
  | { kind: "remove-vm-part"; vm: string };

export class PlanError extends Error {
  override name = "PlanError";
}

export const isRunning = (state: string): boolean => state !== "shut off" && state !== "crashed";

export interface CreateOptions {
  /** Power the VM off (virsh destroy) when it is running, instead of a clean ACPI shutdown. */
  force?: boolean;
  now: string;
}

/** Operations that take checkpoint `name` of one VM: stop it, snapshot every disk, copy NVRAM and TPM state, record, start it again. */
export function planCreate(name: string, facts: VmFacts, lay: Layout, opts: CreateOptions): Op[] {
  const { vm } = facts;
  if (facts.disks.length === 0) throw new PlanError(`${vm} has no disk to checkpoint`);
  for (const d of facts.disks) {
    if (d.format !== "qcow2") {
      throw new PlanError(
        `${vm}: disk ${d.target} (${d.path}) is ${d.format}; checkpoints are qcow2 internal snapshots: convert it with qemu-img convert -O qcow2`,
      );
    }
  }
  const running = isRunning(facts.state);
  const ops: Op[] = [];
  // qemu-img needs the image closed, and NVRAM and TPM state are only consistent with the disk
  // once the guest has stopped writing all three.
  if (running) ops.push({ kind: opts.force ? "destroy" : "shutdown", vm });
  const disks = facts.disks.map((d) => ({ target: d.target, path: d.path, tag: snapshotTag(name) }));
  for (const disk of disks) ops.push({ kind: "snapshot-disk", vm, disk });
  const nvram = facts.nvram ? { source: facts.nvram.path, copy: facts.nvram.exists ? lay.nvramCopy(name, vm) : null } : null;
  if (nvram?.copy) ops.push({ kind: "copy-file", vm, from: nvram.source, to: nvram.copy });
  const tpm = facts.tpm ? { source: facts.tpm.dir, copy: facts.tpm.exists ? lay.tpmCopy(name, vm) : null } : null;
  if (tpm?.copy) ops.push({ kind: "copy-dir", vm, from: tpm.source, to: tpm.copy });
  ops.push({ kind: "write-record", vm, record: { vm, uuid: facts.uuid, wasRunning: running, disks, nvram, tpm, completedAt: opts.now } });
  if (running) ops.push({ kind: "start", vm });
  return ops;
}

export interface RevertOptions {
  /** Start the VM afterwards when it ran at checkpoint time (default true). */
  start?: boolean;
}

/** Operations that bring one VM back to its record: power off, mark, every disk, NVRAM, TPM, unmark, start. */
export function planRevert(record: VmRecord, facts: VmFacts, opts: RevertOptions = {}): Op[] {
  const { vm } = record;
  if (facts.uuid !== record.uuid) {
    throw new PlanError(`${vm} is a different domain now (UUID ${facts.uuid}, the checkpoint was taken of ${record.uuid}): it cannot be reverted`);
  }
  const now = new Set(facts.disks.map((d) => d.path));
  const gone = record.disks.filter((d) => !now.has(d.path));
  if (gone.length) throw new PlanError(`${vm} no longer uses ${gone.map((d) => d.path).join(", ")}: the checkpoint does not match the domain`);
  const ops: Op[] = [];
  // The state being thrown away needs no clean shutdown.
  if (isRunning(facts.state)) ops.push({ kind: "destroy", vm });
  ops.push({ kind: "mark-reverting", vm });
  for (const disk of record.disks) ops.push({ kind: "revert-disk", vm, disk });
  if (record.nvram) ops.push({ kind: "restore", vm, from: record.nvram.copy, to: record.nvram.source, dir: false });
  if (record.tpm) ops.push({ kind: "restore", vm, from: record.tpm.copy, to: record.tpm.source, dir: true });
  ops.push({ kind: "unmark-reverting", vm });
  if (record.wasRunning && opts.start !== false) ops.push({ kind: "start", vm });
  return ops;
}

/**
 * Operations that remove one VM's part of a checkpoint. A part whose revert was interrupted is
 * the only good copy of that VM's state: refused unless `force`.
 */
export function planDelete(
  name: string,
  vm: string,
  record: VmRecord | undefined,
  reverting: boolean,
  facts: VmFacts | undefined,
  opts: { force?: boolean } = {},
): Op[] {
  if (reverting && !opts.force) {
    throw new PlanError(
      `${vm}: a revert from checkpoint ${name} started and did not finish, so the VM may be half restored; ` +
        `run \`checkpoint revert --name ${name} --vm ${vm}\` first (or delete with --force to give up that state)`,
    );
  }
  // An incomplete part may have snapshotted some disks already: try the tag on every disk the domain has.
  const disks: DiskRecord[] = record?.disks ?? (facts?.disks ?? []).map((d) => ({ target: d.target, path: d.path, tag: snapshotTag(name) }));
  const ops: Op[] = disks.map((disk) => ({ kind: "delete-disk-snapshot", vm, disk, missingOk: record === undefined || opts.force === true }));
  ops.push({ kind: "remove-vm-part", vm });
  return ops;
}

/** One progress line per operation. */
export function describeOp(op: Op): string {
  switch (op.kind) {
    case "shutdown":
      return "shutting down cleanly (the guest OS, then ACPI) so disk, NVRAM and TPM state are consistent";
    case "destroy":
      return "powering off";
    case "start":
      return "starting";
    case "snapshot-disk":
      return `disk ${op.disk.target}: qcow2 snapshot ${op.disk.tag}`;
    case "revert-disk":
      return `disk ${op.disk.target}: back to ${op.disk.tag}`;
    case "delete-disk-snapshot":
      return `disk ${op.disk.target}: deleting ${op.disk.tag}`;
    case "copy-file":
      return `copying NVRAM ${op.from}`;
    case "copy-dir":
      return `copying TPM state ${op.from}`;
    case "restore":
      return op.from === null ? `removing ${op.to} (it did not exist at checkpoint time)` : `restoring ${op.dir ? "TPM state" : "NVRAM"} ${op.to}`;
    case "write-record":
      return "recorded";
    case "mark-reverting":
      return "revert started";
    case "unmark-reverting":
      return "revert complete";
    case "remove-vm-part":
      return "checkpoint files removed";
  }
}
