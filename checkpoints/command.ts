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
import { guestShutdownFor } from "./guest-shutdown";
import { readLicence, rearm } from "./licence";
import { formatStatus, gatherStatus } from "./status";
import { Virsh } from "../libvirt/virsh";
import type { ClientOptions } from "../winrm/client";

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
    host: new Host({
      uri: spec.libvirt.uri, swtpmDir: opts.swtpmDir,
      guestShutdown: guestShutdownFor(spec), onNote: (vm, note) => io.out(`[${vm}] ${note}\n`),
    }),
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

interface WinrmOptions {
  winrmVia?: string[];
  ca?: string;
  pin?: string;
}

function winrmOptions(cmd: Command): Command {
  return cmd
    .option("--winrm-via <vm=host:port>", "reach that VM's WinRM at host:port instead of its management address, e.g. through an SSH tunnel (repeat)", collect)
    .option("--ca <file>", "CA certificate for homelab:winrmTransport basic-https")
    .option("--pin <sha256>", "certificate SHA-256 pin for homelab:winrmTransport basic-https");
}

/** The WinRM connection to one VM as homelab-winrm would open it, or why there is none. */
export function winrmClientFor(spec: Pick<LabSpec, "guest">, opts: WinrmOptions, env: NodeJS.ProcessEnv = process.env): (vm: LabSpec["vms"][number]) => ClientOptions | string {
  const via = new Map<string, { host: string; port: number }>();
  for (const entry of opts.winrmVia ?? []) {
    const m = /^([^=]+)=([^:]+):(\d+)$/.exec(entry);
    if (!m) throw new Error(`--winrm-via ${JSON.stringify(entry)} is not VM=host:port: write e.g. --winrm-via SCCM01=127.0.0.1:15985`);
    via.set(m[1], { host: m[2], port: Number(m[3]) });
  }
  return (vm) => {
    const password = env.WINRM_PASSWORD;
    if (!password) return "set WINRM_PASSWORD to the guests' Administrator password (homelab:adminPassword) to read it";
    const endpoint = via.get(vm.name) ?? (vm.managementIp ? { host: vm.managementIp, port: spec.guest.port } : undefined);
    if (!endpoint) return "the VM has no management address (a static IP or a libvirt DHCP reservation)";
    return {
      ...endpoint, user: spec.guest.user, password, kind: spec.guest.transport,
      // homelab:winrmTransport basic is the stack's explicit choice of plain HTTP.
      allowUnencrypted: spec.guest.transport === "basic",
      ...(opts.ca ? { caFile: opts.ca } : {}), ...(opts.pin ? { pinSha256: opts.pin } : {}),
    };
  };
}

export function statusCommand(io: Io = processIo): Command {
  return winrmOptions(common(new Command("status").description("per VM: libvirt state, addresses, install, phases, checkpoints, evaluation days left"), { vms: false }))
    .option("--json", "print JSON for scripts")
    .action(guarded("status", io, async (opts: CommonOptions & WinrmOptions & { json?: boolean }) => {
      const spec = loadStackOrExit(opts.stack, opts.project);
      requireLocalUri(spec.libvirt.uri);
      const rows = await gatherStatus(spec, {
        layout: layout(checkpointRoot(spec.pool.path)), virsh: new Virsh({ uri: spec.libvirt.uri }), winrm: winrmClientFor(spec, opts),
      });
      io.out(opts.json ? `${JSON.stringify({ stack: spec.stack, vms: rows }, null, 2)}\n` : `${formatStatus(rows)}\n`);
    }));
}

export function rearmCommand(io: Io = processIo): Command {
  return winrmOptions(new Command("rearm").description("reset a Windows evaluation's grace period with slmgr /rearm, then restart the guest"))
    .requiredOption("--stack <name>", "stack name (Pulumi.<name>.yaml)")
    .requiredOption("--vm <name>", "the Windows VM")
    .option("--project <dir>", "folder holding Pulumi.yaml and the stack files", PROJECT_DIR)
    .action(guarded("rearm", io, async (opts: WinrmOptions & { stack: string; vm: string; project: string }) => {
      const spec = loadStackOrExit(opts.stack, opts.project);
      const [name] = selectVms(spec, [opts.vm]);
      const vm = spec.vms.find((v) => v.name === name)!;
      if (vm.template !== "windows") throw new Error(`--vm ${name} is a ${vm.os} guest: only Windows has an evaluation licence to rearm`);
      const client = winrmClientFor(spec, opts)(vm);
      if (typeof client === "string") throw new Error(`cannot reach ${name}: ${client}`);
      const before = await readLicence(client).catch(() => undefined);
      if (before) io.out(`[${name}] ${before.daysLeft} days left, ${before.rearmsLeft} rearms left (${before.name}, ${before.status})\n`);
      const result = await rearm(client, { onEvent: (m) => io.out(`[${name}] ${m}\n`), onOutput: (t) => io.out(t.replace(/^/gm, `[${name}] `)) });
      if (result.exitCode !== 0) throw new Error(`slmgr /rearm on ${name} exited ${result.exitCode}`);
      io.out(`[${name}] rearmed and restarted; \`npm run lab -- status --stack ${opts.stack}\` shows the new days left\n`);
    }));
}

/** Every day-2 command, for the one CLI entry. */
export function labCommands(io: Io = processIo): Command[] {
  return [checkpointCommand(io), statusCommand(io), rearmCommand(io)];
}
