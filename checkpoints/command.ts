// The day-2 commands as commander builders: `checkpoint create|list|revert|delete`, `status` and
// `rearm`. Self-contained, so the one CLI entry registers them with one addCommand line each
// (labCommands() returns all three). No Pulumi CLI is needed: the stack's config is read as
// the program reads it.
import { Command, Option } from "commander";
import { loadStackOrExit, PROJECT_DIR } from "../cli/stack";
import type { LabSpec } from "../lab";
import { CheckpointContext, createCheckpoint, deleteCheckpoint, listCheckpoints, revertCheckpoint } from "./checkpoints";
import { DEFAULT_SWTPM_DIR, Host, requireLocalUri } from "./host";
import { checkpointRoot, layout } from "./layout";
import { formatCheckpointList } from "./manifest";

interface CommonOptions {
  stack: string;
  project: string;
  swtpmDir: string;
  vm?: string[];
  wait: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function common(cmd: Command, { vms = true }: { vms?: boolean } = {}): Command {
  cmd.requiredOption("--stack <name>", "stack name (Pulumi.<name>.yaml)")
    .option("--project <dir>", "folder holding Pulumi.yaml and the stack files", PROJECT_DIR)
    .option("--swtpm-dir <dir>", "where libvirt keeps swtpm state, one folder per domain UUID", DEFAULT_SWTPM_DIR)
    .option("--wait <seconds>", "wait this long for another operation's lock on a VM, instead of refusing at once", "0");
  if (vms) cmd.option("--vm <name>", "only this VM (repeat for several); default: every VM", collect);
  return cmd;
}

/** The stack's VMs named by --vm, each checked against the spec. */
export function selectVms(spec: Pick<LabSpec, "vms">, wanted: string[] | undefined): string[] {
  const all = spec.vms.map((vm) => vm.name);
  if (!wanted?.length) return all;
  for (const name of wanted) {
    if (!all.includes(name)) throw new Error(`--vm ${JSON.stringify(name)} is not a VM of this stack (homelab:vms has ${all.join(", ")})`);
  }
  return [...new Set(wanted)];
}

function parseWait(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--wait ${JSON.stringify(value)} is not a number of seconds: write e.g. --wait 600`);
  return seconds * 1000;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}
const processIo: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function context(opts: CommonOptions, io: Io): { spec: LabSpec; ctx: CheckpointContext } {
  const spec = loadStackOrExit(opts.stack, opts.project);
  requireLocalUri(spec.libvirt.uri);
  const ctx: CheckpointContext = {
    layout: layout(checkpointRoot(spec.pool.path)),
    host: new Host({ uri: spec.libvirt.uri, swtpmDir: opts.swtpmDir }),
    stack: spec.stack,
    lockWaitMs: parseWait(opts.wait),
    onProgress: (vm, message) => io.out(`[${vm}] ${message}\n`),
  };
  return { spec, ctx };
}

/** Turns an action's error into one message on stderr and exit code 1. */
function guarded<A extends unknown[]>(name: string, io: Io, action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (e) {
      io.err(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  };
}

export function checkpointCommand(io: Io = processIo): Command {
  const cmd = new Command("checkpoint").description("checkpoints of a lab's VMs: disk, UEFI variables and TPM state, taken with the VMs shut down");

  common(cmd.command("create").description("shut the VMs down cleanly, checkpoint them, start again the ones that ran"))
    .requiredOption("--name <name>", "checkpoint name, e.g. before-sccm")
    .option("--force", "power running VMs off instead of waiting for a clean shutdown")
    .option("--note <text>", "a note kept in the manifest")
    .action(guarded("checkpoint create", io, async (opts: CommonOptions & { name: string; force?: boolean; note?: string }) => {
      const { spec, ctx } = context(opts, io);
      const vms = selectVms(spec, opts.vm);
      await createCheckpoint(ctx, { name: opts.name, vms, force: opts.force, note: opts.note });
      io.out(`checkpoint ${opts.name} of ${vms.join(", ")} created under ${ctx.layout.root}\n`);
    }));

  common(cmd.command("list").description("the checkpoints of the stack, oldest first"), { vms: false })
    .option("--json", "print JSON for scripts")
    .action(guarded("checkpoint list", io, async (opts: CommonOptions & { json?: boolean }) => {
      const { ctx } = context(opts, io);
      const list = listCheckpoints(ctx.layout);
      io.out(opts.json ? `${JSON.stringify(list, null, 2)}\n` : `${formatCheckpointList(list)}\n`);
    }));

  common(cmd.command("revert").description("power the VMs off and bring disk, UEFI variables and TPM state back to the checkpoint"))
    .requiredOption("--name <name>", "checkpoint name")
    .addOption(new Option("--no-start", "leave the VMs off afterwards (default: start those that ran at checkpoint time)"))
    .action(guarded("checkpoint revert", io, async (opts: CommonOptions & { name: string; start: boolean }) => {
      const { ctx } = context(opts, io);
      const vms = await revertCheckpoint(ctx, { name: opts.name, vms: opts.vm, start: opts.start });
      io.out(`reverted ${vms.join(", ")} to ${opts.name}\n`);
    }));

  common(cmd.command("delete").description("delete a checkpoint (its qcow2 snapshots and copies)"))
    .requiredOption("--name <name>", "checkpoint name")
    .option("--force", "also delete a checkpoint whose revert was interrupted, or whose snapshots are gone")
    .action(guarded("checkpoint delete", io, async (opts: CommonOptions & { name: string; force?: boolean }) => {
      const { ctx } = context(opts, io);
      await deleteCheckpoint(ctx, { name: opts.name, vms: opts.vm, force: opts.force });
      io.out(`deleted checkpoint ${opts.name}${opts.vm?.length ? ` of ${opts.vm.join(", ")}` : ""}\n`);
    }));
  return cmd;
}

/** Every day-2 command, for the one CLI entry. */
export function labCommands(io: Io = processIo): Command[] {
  return [checkpointCommand(io)];
}
