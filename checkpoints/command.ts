// The day-2 commands as commander builders: `checkpoint create|list|revert|delete`, `status` and
// `rearm`, registered in the one entry (cli/main.ts: `homelab checkpoint ...`, `npm run lab -- ...`).
// Actions throw on failure; the entry's exitCodeOf() maps UsageError, LabConfigError and HostError
// to its table. No Pulumi CLI is needed: the stack is read as the program reads it.
import { Command, Option } from "commander";
import { join } from "node:path";
import { formatProblems, readStackConfig, requireLabSpec } from "../lab";
import type { LabSpec } from "../lab";
import { Virsh } from "../libvirt/virsh";
import type { ClientOptions } from "../winrm";
import { CheckpointContext, createCheckpoint, deleteCheckpoint, listCheckpoints, revertCheckpoint } from "./checkpoints";
import { guestLogon, guestShutdownFor } from "./guest-shutdown";
import { DEFAULT_SWTPM_DIR, Host, requireLocalUri } from "./host";
import { checkpointRoot, layout } from "./layout";
import { readLicence, rearm } from "./licence";
import { formatCheckpointList } from "./manifest";
import { formatStatus, gatherStatus } from "./status";

/** Where a command writes and where the stack files are (the one CLI entry's CliIo has this shape). */
export interface LabIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  projectDir: string;
}

export interface LabSubcommand {
  command(io: LabIo, result: { code: number }): Command;
}

export const DEFAULT_PROJECT_DIR = join(__dirname, "..");

/** A wrong option value: exit code 2 like any other usage error. */
export class UsageError extends Error {
  override name = "UsageError";
}

interface CommonOptions {
  stack: string;
  project?: string;
  swtpmDir: string;
  vm?: string[];
  wait: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function common(cmd: Command, { vms = true }: { vms?: boolean } = {}): Command {
  cmd
    .requiredOption("--stack <name>", "stack name (Pulumi.<name>.yaml)")
    .option("--project <dir>", "folder holding Pulumi.yaml and the stack files (default: this checkout)")
    .option("--swtpm-dir <dir>", "where libvirt keeps swtpm state, one folder per domain UUID", DEFAULT_SWTPM_DIR)
    .option("--wait <seconds>", "wait this long for another operation's lock on a VM, instead of refusing at once", "0");
  if (vms) cmd.option("--vm <name>", "only this VM (repeat for several); default: every VM", collect);
  return cmd;
}

/** The stack's LabSpec exactly as the Pulumi program gets it; a bad config throws LabConfigError with every problem. */
function loadSpec(stack: string, project: string, io: LabIo): LabSpec {
  const { spec, warnings } = requireLabSpec(readStackConfig(project, stack));
  if (warnings.length) io.stderr(`warning:\n${formatProblems(warnings).replace(/^/gm, "  ")}\n`);
  return spec;
}

/** The stack's VMs named by --vm, each checked against the spec. */
export function selectVms(spec: Pick<LabSpec, "vms">, wanted: string[] | undefined): string[] {
  const all = spec.vms.map((vm) => vm.name);
  if (!wanted?.length) return all;
  for (const name of wanted) {
    if (!all.includes(name)) throw new UsageError(`--vm ${JSON.stringify(name)} is not a VM of this stack (homelab:vms has ${all.join(", ")})`);
  }
  return [...new Set(wanted)];
}

function parseWait(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`--wait ${JSON.stringify(value)} is not a number of seconds: write e.g. --wait 600`);
  return seconds * 1000;
}

function context(opts: CommonOptions, io: LabIo): { spec: LabSpec; ctx: CheckpointContext } {
  const lockWaitMs = parseWait(opts.wait);
  const spec = loadSpec(opts.stack, opts.project ?? io.projectDir, io);
  requireLocalUri(spec.libvirt.uri);
  const ctx: CheckpointContext = {
    layout: layout(checkpointRoot(spec.pool.path)),
    host: new Host({
      uri: spec.libvirt.uri,
      swtpmDir: opts.swtpmDir,
      guestShutdown: guestShutdownFor(spec),
      onNote: (vm, note) => io.stdout(`[${vm}] ${note}\n`),
    }),
    stack: spec.stack,
    lockWaitMs,
    onProgress: (vm, message) => io.stdout(`[${vm}] ${message}\n`),
  };
  return { spec, ctx };
}

export const checkpointSubcommand: LabSubcommand = {
  command: (io, result) => {
    const cmd = new Command("checkpoint").description("checkpoints of a lab's VMs: disk, UEFI variables and TPM state, taken with the VMs shut down");

    common(cmd.command("create").description("shut the VMs down cleanly, checkpoint them, start again the ones that ran"))
      .requiredOption("--name <name>", "checkpoint name, e.g. before-sccm")
      .option("--force", "power running VMs off instead of waiting for a clean shutdown")
      .option("--note <text>", "a note kept in the manifest")
      .action(async (opts: CommonOptions & { name: string; force?: boolean; note?: string }) => {
        const { spec, ctx } = context(opts, io);
        const vms = selectVms(spec, opts.vm);
        await createCheckpoint(ctx, { name: opts.name, vms, force: opts.force, note: opts.note });
        io.stdout(`checkpoint ${opts.name} of ${vms.join(", ")} created under ${ctx.layout.root}\n`);
        result.code = 0;
      });

    common(cmd.command("list").description("the checkpoints of the stack, oldest first"), { vms: false })
      .option("--json", "print JSON for scripts")
      .action(async (opts: CommonOptions & { json?: boolean }) => {
        const { ctx } = context(opts, io);
        const list = listCheckpoints(ctx.layout);
        io.stdout(opts.json ? `${JSON.stringify(list, null, 2)}\n` : `${formatCheckpointList(list)}\n`);
        result.code = 0;
      });

    common(cmd.command("revert").description("power the VMs off and bring disk, UEFI variables and TPM state back to the checkpoint"))
      .requiredOption("--name <name>", "checkpoint name")
      .addOption(new Option("--no-start", "leave the VMs off afterwards (default: start those that ran at checkpoint time)"))
      .action(async (opts: CommonOptions & { name: string; start: boolean }) => {
        const { ctx } = context(opts, io);
        const vms = await revertCheckpoint(ctx, { name: opts.name, vms: opts.vm, start: opts.start });
        io.stdout(`reverted ${vms.join(", ")} to ${opts.name}\n`);
        result.code = 0;
      });

    common(cmd.command("delete").description("delete a checkpoint (its qcow2 snapshots and copies)"))
      .requiredOption("--name <name>", "checkpoint name")
      .option("--force", "also delete a checkpoint whose revert was interrupted, or whose snapshots are gone")
      .action(async (opts: CommonOptions & { name: string; force?: boolean }) => {
        const { ctx } = context(opts, io);
        await deleteCheckpoint(ctx, { name: opts.name, vms: opts.vm, force: opts.force });
        io.stdout(`deleted checkpoint ${opts.name}${opts.vm?.length ? ` of ${opts.vm.join(", ")}` : ""}\n`);
        result.code = 0;
      });
    return cmd;
  },
};

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
export function winrmClientFor(
  spec: Pick<LabSpec, "guest">,
  opts: WinrmOptions,
  env: NodeJS.ProcessEnv = process.env,
): (vm: LabSpec["vms"][number]) => ClientOptions | string {
  const via = new Map<string, { host: string; port: number }>();
  for (const entry of opts.winrmVia ?? []) {
    const m = /^([^=]+)=([^:]+):(\d+)$/.exec(entry);
    if (!m) throw new UsageError(`--winrm-via ${JSON.stringify(entry)} is not VM=host:port: write e.g. --winrm-via SCCM01=127.0.0.1:15985`);
    via.set(m[1], { host: m[2], port: Number(m[3]) });
  }
  return (vm) => {
    const password = env.WINRM_PASSWORD;
    if (!password) return "set WINRM_PASSWORD to the guests' Administrator password (homelab:adminPassword) to read it";
    const endpoint = via.get(vm.name) ?? (vm.managementIp ? { host: vm.managementIp, port: spec.guest.port } : undefined);
    if (!endpoint) return "the VM has no management address (a static IP or a libvirt DHCP reservation)";
    return {
      ...endpoint,
      ...guestLogon(spec.guest, vm, password),
      ...(opts.ca ? { caFile: opts.ca } : {}),
      ...(opts.pin ? { pinSha256: opts.pin } : {}),
    };
  };
}

export const statusSubcommand: LabSubcommand = {
  command: (io, result) =>
    winrmOptions(
      common(new Command("status").description("per VM: libvirt state, addresses, install, phases, checkpoints, evaluation days left"), { vms: false }),
    )
      .option("--json", "print JSON for scripts")
      .action(async (opts: CommonOptions & WinrmOptions & { json?: boolean }) => {
        const spec = loadSpec(opts.stack, opts.project ?? io.projectDir, io);
        requireLocalUri(spec.libvirt.uri);
        const rows = await gatherStatus(spec, {
          layout: layout(checkpointRoot(spec.pool.path)),
          virsh: new Virsh({ uri: spec.libvirt.uri }),
          winrm: winrmClientFor(spec, opts),
        });
        io.stdout(opts.json ? `${JSON.stringify({ stack: spec.stack, vms: rows }, null, 2)}\n` : `${formatStatus(rows)}\n`);
        result.code = 0;
      }),
};

export const rearmSubcommand: LabSubcommand = {
  command: (io, result) =>
    winrmOptions(new Command("rearm").description("reset a Windows evaluation's grace period with slmgr /rearm, then restart the guest"))
      .requiredOption("--stack <name>", "stack name (Pulumi.<name>.yaml)")
      .requiredOption("--vm <name>", "the Windows VM")
      .option("--project <dir>", "folder holding Pulumi.yaml and the stack files (default: this checkout)")
      .action(async (opts: WinrmOptions & { stack: string; vm: string; project?: string }) => {
        const spec = loadSpec(opts.stack, opts.project ?? io.projectDir, io);
        const [name] = selectVms(spec, [opts.vm]);
        const vm = spec.vms.find((v) => v.name === name)!;
        if (vm.template !== "windows") throw new UsageError(`--vm ${name} is a ${vm.os} guest: only Windows has an evaluation licence to rearm`);
        const client = winrmClientFor(spec, opts)(vm);
        if (typeof client === "string") throw new UsageError(`cannot reach ${name}: ${client}`);
        const before = await readLicence(client).catch(() => undefined);
        if (before) io.stdout(`[${name}] ${before.daysLeft} days left, ${before.rearmsLeft} rearms left (${before.name}, ${before.status})\n`);
        const run = await rearm(client, { onEvent: (m) => io.stdout(`[${name}] ${m}\n`), onOutput: (t) => io.stdout(t.replace(/^/gm, `[${name}] `)) });
        if (run.exitCode !== 0) throw new Error(`slmgr /rearm on ${name} exited ${run.exitCode}`);
        io.stdout(`[${name}] rearmed and restarted; \`npm run lab -- status --stack ${opts.stack}\` shows the new days left\n`);
        result.code = 0;
      }),
};
