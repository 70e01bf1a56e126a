// Where a lab's checkpoints live on the hypervisor host, as pure path arithmetic. Everything sits
// in one folder beside the storage pool (not inside it: a dir pool lists every file it holds as a
// volume), so a checkpoint travels with the disks it belongs to.
import { join } from "node:path";

export const CHECKPOINT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const NAME_HINT = "use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit";

export class CheckpointNameError extends Error {
  override name = "CheckpointNameError";
}

/** Throws with the quoted value and the rule when `name` cannot be a folder and a qcow2 snapshot tag. */
export function checkCheckpointName(name: string, where = "--name"): string {
  if (!CHECKPOINT_NAME_PATTERN.test(name)) throw new CheckpointNameError(`${where} ${JSON.stringify(name)} is not a checkpoint name: ${NAME_HINT}`);
  return name;
}

/** The checkpoint folder of a lab whose pool is at `poolPath`, e.g. /var/lib/libvirt/images/homelab.checkpoints. */
export const checkpointRoot = (poolPath: string): string => `${poolPath.replace(/\/+$/, "")}.checkpoints`;

/** The qcow2 internal snapshot tag a checkpoint uses on every disk it covers. */
export const snapshotTag = (checkpoint: string): string => `homelab-${checkpoint}`;

export interface Layout {
  root: string;
  locks: string;
  phaseResults: string;
  checkpoint(name: string): string;
  manifest(name: string): string;
  vmDir(name: string, vm: string): string;
  /** Written last when a VM's part of a checkpoint is complete: its presence is what "complete" means. */
  vmRecord(name: string, vm: string): string;
  /** Present while a revert of that VM from that checkpoint has started and not finished. */
  revertMarker(name: string, vm: string): string;
  nvramCopy(name: string, vm: string): string;
  tpmCopy(name: string, vm: string): string;
  lock(vm: string): string;
  phaseResult(phaseId: string): string;
}

export function layout(root: string): Layout {
  return {
    root,
    locks: join(root, "locks"),
    phaseResults: join(root, "phase-results"),
    checkpoint: (name) => join(root, "by-name", name),
    manifest: (name) => join(root, "by-name", name, "manifest.json"),
    vmDir: (name, vm) => join(root, "by-name", name, vm),
    vmRecord: (name, vm) => join(root, "by-name", name, vm, "record.json"),
    revertMarker: (name, vm) => join(root, "by-name", name, vm, "REVERTING"),
    nvramCopy: (name, vm) => join(root, "by-name", name, vm, "nvram.fd"),
    tpmCopy: (name, vm) => join(root, "by-name", name, vm, "tpm"),
    lock: (vm) => join(root, "locks", `${vm}.lock`),
    phaseResult: (id) => join(root, "phase-results", `${id}.json`),
  };
}
