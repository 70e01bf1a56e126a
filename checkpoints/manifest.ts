// The checkpoint records as plain data: a manifest per checkpoint (which VMs it covers) and a
// record per VM (what was captured), parsed strictly so a hand-edited or truncated file is named
// rather than half-trusted. Pure: reading and writing the files is store.ts's.
import { z } from "zod";

export const MANIFEST_FORMAT = "homelab-checkpoint/1";

const disk = z.strictObject({
  /** The guest's device name, e.g. sda. */
  target: z.string().min(1),
  path: z.string().regex(/^\//),
  /** The qcow2 internal snapshot tag that holds this disk's state. */
  tag: z.string().min(1),
});

/** A copied file or folder; `copy: null` records that the source did not exist then (a revert removes it again). */
const copied = z.strictObject({ source: z.string().regex(/^\//), copy: z.string().regex(/^\//).nullable() });

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  name: z.string().min(1),
  stack: z.string().optional(),
  uri: z.string().min(1),
  createdAt: z.string(),
  vms: z.array(z.string().min(1)).min(1),
  note: z.string().optional(),
});

export const vmRecordSchema = z.strictObject({
  vm: z.string().min(1),
  uuid: z.string().min(1),
  /** The domain ran when the checkpoint was taken: a revert starts it again. */
  wasRunning: z.boolean(),
  disks: z.array(disk),
  nvram: copied.nullable(),
  tpm: copied.nullable(),
  completedAt: z.string(),
});

export type Manifest = z.output<typeof manifestSchema>;
export type VmRecord = z.output<typeof vmRecordSchema>;
export type DiskRecord = z.output<typeof disk>;
export type CopiedRecord = z.output<typeof copied>;

export class ManifestError extends Error {
  override name = "ManifestError";
}

function parseJson<T>(schema: z.ZodType<T>, text: string, file: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`${file} is not JSON (${(e as Error).message}): the checkpoint is damaged; delete it with --force`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ManifestError(`${file}: ${issue.path.join(".") || "(top level)"} ${issue.message}: the checkpoint is damaged; delete it with --force`);
  }
  return result.data;
}

export const parseManifest = (text: string, file: string): Manifest => parseJson(manifestSchema, text, file);
export const parseVmRecord = (text: string, file: string): VmRecord => parseJson(vmRecordSchema, text, file);

/** How one VM's part of a checkpoint stands. */
export type VmPartState =
  /** Captured completely: it can be reverted to. */
  | "complete"
  /** The create stopped before the record was written: not usable, delete it. */
  | "incomplete"
  /** A revert from it started and did not finish: revert again before anything else. */
  | "revert-interrupted";

export function vmPartState(hasRecord: boolean, hasRevertMarker: boolean): VmPartState {
  if (!hasRecord) return "incomplete";
  return hasRevertMarker ? "revert-interrupted" : "complete";
}

export interface CheckpointSummary {
  name: string;
  createdAt: string;
  vms: { vm: string; state: VmPartState }[];
}

/** One line per checkpoint for people: name, time, and each VM with anything unusual said. */
export function formatCheckpointList(list: CheckpointSummary[]): string {
  if (list.length === 0) return "no checkpoints";
  const rows = list.map((c) => [c.name, c.createdAt, c.vms.map((v) => (v.state === "complete" ? v.vm : `${v.vm} (${v.state})`)).join(", ")]);
  return formatTable(["CHECKPOINT", "CREATED", "VMS"], rows);
}

/** A plain left-aligned text table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
