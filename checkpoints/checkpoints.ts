// create, list, revert and delete of a lab's checkpoints: manifest and records in the layout's
// folder, locks per VM, the per-VM plans carried out by the host. VMs of one command run in
// parallel (a Windows shutdown takes a while); each reports its own progress.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Host } from "./host";
import { checkCheckpointName, Layout, snapshotTag } from "./layout";
import { lockVms } from "./lock";
import { CheckpointSummary, Manifest, ManifestError, MANIFEST_FORMAT, parseManifest, parseVmRecord, VmRecord, vmPartState } from "./manifest";
import { describeOp, isRunning, Op, planCreate, planDelete, planRevert } from "./plan";

export interface CheckpointContext {
  layout: Layout;
  host: Host;
  stack?: string;
  /** One line per step of one VM. */
  onProgress?: (vm: string, message: string) => void;
  /** How long to wait for another operation's lock on a VM (default 0: refuse at once). */
  lockWaitMs?: number;
  /** The caller already holds the locks of these VMs (the phase wrapper does, for the whole phase). */
  heldLocks?: readonly string[];
}

export class CheckpointError extends Error {
  override name = "CheckpointError";
}

const progress = (ctx: CheckpointContext, vm: string, message: string) => ctx.onProgress?.(vm, message);

async function withLocks<T>(ctx: CheckpointContext, vms: string[], operation: string, body: () => Promise<T>): Promise<T> {
  const need = vms.filter((vm) => !ctx.heldLocks?.includes(vm));
  const held = await lockVms(ctx.layout, need, {
    operation,
    waitMs: ctx.lockWaitMs,
    onWait: (vm, owner) => progress(ctx, vm, `waiting for the lock held by ${owner?.operation ?? "another process"}`),
  });
  try {
    return await body();
  } finally {
    held.release();
  }
}

async function runOps(ctx: CheckpointContext, name: string, ops: Op[]): Promise<void> {
  for (const op of ops) {
    progress(ctx, op.vm, describeOp(op));
    await ctx.host.execute(op, ctx.layout, name);
  }
}

/** Runs `each` for every VM in parallel and throws one error naming every VM that failed. */
async function perVm(vms: string[], what: string, each: (vm: string) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(vms.map(each));
  const failed = results.flatMap((r, i) => (r.status === "rejected" ? [`  ${vms[i]}: ${(r.reason as Error).message ?? String(r.reason)}`] : []));
  if (failed.length) throw new CheckpointError(`${what} failed for ${failed.length} of ${vms.length} VM(s):\n${failed.join("\n")}`);
}

export function readManifest(lay: Layout, name: string): Manifest {
  const file = lay.manifest(name);
  if (!existsSync(file)) throw new CheckpointError(`no checkpoint named ${name} under ${lay.root} (see \`checkpoint list\`)`);
  return parseManifest(readFileSync(file, "utf8"), file);
}

function readRecord(lay: Layout, name: string, vm: string): VmRecord | undefined {
  const file = lay.vmRecord(name, vm);
  return existsSync(file) ? parseVmRecord(readFileSync(file, "utf8"), file) : undefined;
}

function chooseVms(manifest: Manifest, wanted: string[] | undefined): string[] {
  if (!wanted?.length) return manifest.vms;
  const unknown = wanted.filter((vm) => !manifest.vms.includes(vm));
  if (unknown.length) throw new CheckpointError(`checkpoint ${manifest.name} does not cover ${unknown.join(", ")} (it covers ${manifest.vms.join(", ")})`);
  return wanted;
}

export interface CreateRequest {
  name: string;
  vms: string[];
  /** Power running VMs off instead of a clean shutdown. */
  force?: boolean;
  note?: string;
}

export async function createCheckpoint(ctx: CheckpointContext, req: CreateRequest): Promise<Manifest> {
  checkCheckpointName(req.name);
  if (req.vms.length === 0) throw new CheckpointError("no VM to checkpoint");
  const lay = ctx.layout;
  return withLocks(ctx, req.vms, `checkpoint create ${req.name}`, async () => {
    mkdirSync(`${lay.root}/by-name`, { recursive: true });
    try {
      // Not recursive: an existing folder is an existing checkpoint, refused atomically.
      mkdirSync(lay.checkpoint(req.name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST")
        throw new CheckpointError(`a checkpoint named ${req.name} exists already: delete it first or choose another --name`);
      throw e;
    }
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      name: req.name,
      uri: ctx.host.opts.uri,
      createdAt: new Date().toISOString(),
      vms: req.vms,
      ...(ctx.stack ? { stack: ctx.stack } : {}),
      ...(req.note ? { note: req.note } : {}),
    };
    writeFileSync(lay.manifest(req.name), `${JSON.stringify(manifest, null, 2)}\n`);
    await perVm(req.vms, `checkpoint ${req.name}`, async (vm) => {
      const facts = await ctx.host.facts(vm);
      mkdirSync(lay.vmDir(req.name, vm), { recursive: true });
      const ops = planCreate(req.name, facts, lay, { force: req.force, now: new Date().toISOString() });
      try {
        await runOps(ctx, req.name, ops);
      } catch (e) {
        // Leave the VM as it was found: running if it ran.
        if (isRunning(facts.state) && !isRunning(await ctx.host.virsh.domainState(vm).catch(() => "running"))) {
          progress(ctx, vm, "starting it again after the failure");
          await ctx.host.virsh.startDomain(vm).catch(() => undefined);
        }
        throw e;
      }
    });
    return manifest;
  });
}

export function listCheckpoints(lay: Layout): CheckpointSummary[] {
  const dir = `${lay.root}/by-name`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      if (!existsSync(lay.manifest(name))) return [{ name, createdAt: "?", vms: [] }];
      const m = readManifest(lay, name);
      return [
        {
          name,
          createdAt: m.createdAt,
          vms: m.vms.map((vm) => ({ vm, state: vmPartState(existsSync(lay.vmRecord(name, vm)), existsSync(lay.revertMarker(name, vm))) })),
        },
      ];
    })
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export interface RevertRequest {
  name: string;
  vms?: string[];
  /** Start VMs that ran at checkpoint time (default true). */
  start?: boolean;
}

export async function revertCheckpoint(ctx: CheckpointContext, req: RevertRequest): Promise<string[]> {
  const lay = ctx.layout;
  const manifest = readManifest(lay, req.name);
  const vms = chooseVms(manifest, req.vms);
  return withLocks(ctx, vms, `checkpoint revert ${req.name}`, async () => {
    const records = new Map(vms.map((vm) => [vm, readRecord(lay, req.name, vm)]));
    const incomplete = vms.filter((vm) => !records.get(vm));
    if (incomplete.length) {
      throw new CheckpointError(
        `checkpoint ${req.name} is incomplete for ${incomplete.join(", ")} (its create did not finish): nothing was reverted; delete it`,
      );
    }
    // Every plan first: a domain that no longer matches stops the revert before any VM changes.
    const plans = new Map<string, Op[]>();
    for (const vm of vms) plans.set(vm, planRevert(records.get(vm)!, await ctx.host.facts(vm), { start: req.start }));
    await perVm(vms, `revert to ${req.name}`, (vm) => runOps(ctx, req.name, plans.get(vm)!));
    return vms;
  });
}

export interface DeleteRequest {
  name: string;
  vms?: string[];
  force?: boolean;
}

export async function deleteCheckpoint(ctx: CheckpointContext, req: DeleteRequest): Promise<void> {
  const lay = ctx.layout;
  let manifest: Manifest;
  try {
    manifest = readManifest(lay, req.name);
  } catch (e) {
    if (!(e instanceof ManifestError && req.force)) throw e;
    // Nothing says which disks it covered: the folder goes, the qcow2 tags stay for the user.
    rmSync(lay.checkpoint(req.name), { recursive: true, force: true });
    progress(
      ctx,
      "-",
      `removed the damaged checkpoint folder; qcow2 snapshots tagged ${snapshotTag(req.name)} may remain on the lab's disks (qemu-img snapshot -l / -d)`,
    );
    return;
  }
  const vms = chooseVms(manifest, req.vms);
  await withLocks(ctx, vms, `checkpoint delete ${req.name}`, async () => {
    const plans = new Map<string, Op[]>();
    for (const vm of vms) {
      const facts = await ctx.host.facts(vm).catch(() => undefined);
      plans.set(vm, planDelete(req.name, vm, readRecord(lay, req.name, vm), existsSync(lay.revertMarker(req.name, vm)), facts, { force: req.force }));
    }
    await perVm(vms, `delete ${req.name}`, (vm) => runOps(ctx, req.name, plans.get(vm)!));
    const left = manifest.vms.filter((vm) => !vms.includes(vm));
    if (left.length === 0) rmSync(lay.checkpoint(req.name), { recursive: true, force: true });
    else writeFileSync(lay.manifest(req.name), `${JSON.stringify({ ...manifest, vms: left }, null, 2)}\n`);
  });
}
