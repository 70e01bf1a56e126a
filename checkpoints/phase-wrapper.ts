// The host-side wrapper around one phase's `homelab-winrm run` inside `pulumi up`: holds the
// locks of the VMs the phase changes, takes a checkpoint of them first (risky phases, with
// homelab:checkpoints auto), runs the phase, and when it fails reverts those VMs and runs it
// again (once by default). Every step is a log line; the phase's last result is recorded for
// `lab status`. Usable as `homelab-phase [options] -- <command...>`.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { Command } from "commander";
import { formatProblems, loadLabSpec, readStackConfig } from "../lab";
import type { LabSpec } from "../lab";
import type { Phase } from "../phases/types";
import { CheckpointContext, createCheckpoint, deleteCheckpoint, listCheckpoints, revertCheckpoint } from "./checkpoints";
import { DEFAULT_SWTPM_DIR, Host, HostOptions, requireLocalUri } from "./host";
import { guestShutdownFor } from "./guest-shutdown";
import { checkpointRoot, layout, Layout } from "./layout";
import { lockVms } from "./lock";
import { autoCheckpointName, isRiskyPhase, phaseVms } from "./risky-phases";

export interface PhaseResult {
  phase: string;
  vms: string[];
  result: "succeeded" | "failed";
  exitCode: number;
  attempts: number;
  checkpoint?: string;
  finishedAt: string;
}

export interface WrapperOptions {
  phase: string;
  /** Only for the advice in the log lines. */
  stack?: string;
  vms: string[];
  uri: string;
  poolPath: string;
  swtpmDir?: string;
  /** Take a checkpoint first and revert on failure. */
  checkpoint: boolean;
  /** Runs after the first failure (each after a revert); default 1. */
  retries?: number;
  /** Keep the checkpoint after the phase succeeded (default: delete it). */
  keepCheckpoint?: boolean;
  /** Asks a guest OS to shut down before ACPI (see guest-shutdown.ts). */
  guestShutdown?: HostOptions["guestShutdown"];
  /** How long to wait for a lock held by a checkpoint command (default 10 minutes). */
  lockWaitMs?: number;
  command: string[];
  log?: (line: string) => void;
  /** Runs the phase's command; the default spawns it with this process's stdio and environment. */
  runCommand?: (command: string[]) => Promise<number>;
}

export function spawnCommand(command: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    // The environment passes through unchanged: WINRM_PASSWORD and the phase's secrets travel there, never in argv.
    const child = spawn(command[0], command.slice(1), { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function recordResult(lay: Layout, result: PhaseResult): void {
  mkdirSync(lay.phaseResults, { recursive: true });
  const file = lay.phaseResult(result.phase);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Runs the phase with checkpoint, revert and retry; resolves with the exit code to report. */
export async function runWrappedPhase(o: WrapperOptions): Promise<number> {
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const say = (m: string) => log(`[phase ${o.phase}] ${m}`);
  const lay = layout(checkpointRoot(o.poolPath));
  const runCommand = o.runCommand ?? spawnCommand;
  const name = autoCheckpointName(o.phase);
  const retries = o.checkpoint ? (o.retries ?? 1) : 0;
  if (o.checkpoint) requireLocalUri(o.uri);

  const held = await lockVms(lay, o.vms, {
    operation: `phase ${o.phase} (pulumi up)`,
    waitMs: o.lockWaitMs ?? 600_000,
    onWait: (vm, owner) => say(`waiting for ${vm}, locked by ${owner?.operation ?? "another process"}`),
  });
  const ctx: CheckpointContext = {
    layout: lay,
    heldLocks: o.vms,
    host: new Host({ uri: o.uri, swtpmDir: o.swtpmDir, guestShutdown: o.guestShutdown, onNote: (vm, note) => say(`${vm}: ${note}`) }),
    onProgress: (vm, m) => say(`${vm}: ${m}`),
  };
  let attempts = 0;
  let exitCode = 1;
  let usable = false;
  try {
    if (o.checkpoint) {
      const kept = listCheckpoints(lay).find((c) => c.name === name);
      const reusable = kept !== undefined && o.vms.every((vm) => kept.vms.some((v) => v.vm === vm && v.state !== "incomplete"));
      if (reusable) {
        // Kept by an earlier run that failed: it is the state before that run's first attempt.
        say(`reusing checkpoint ${name} kept by an earlier run (${kept.createdAt})`);
      } else {
        if (kept) {
          say(`deleting the unusable checkpoint ${name} left by an earlier run (its create did not finish, or it lacks a VM)`);
          await deleteCheckpoint(ctx, { name, force: true });
        }
        say(`taking checkpoint ${name} of ${o.vms.join(", ")}`);
        try {
          await createCheckpoint(ctx, { name, vms: o.vms, note: `automatic, before phase ${o.phase}` });
        } catch (e) {
          say(
            `could not take checkpoint ${name}, so the phase did not run: ${(e as Error).message} ` +
              "(fix that, or set homelab:checkpoints off to run the phase without a checkpoint)",
          );
          throw e;
        }
        say(`checkpoint ${name} taken`);
      }
      usable = true;
    }
    for (;;) {
      attempts++;
      say(`attempt ${attempts} of ${retries + 1}: ${o.command[0]} ${o.command.slice(1, 3).join(" ")} ...`);
      exitCode = await runCommand(o.command);
      if (exitCode === 0) {
        say(`succeeded on attempt ${attempts}`);
        break;
      }
      if (attempts > retries) {
        say(`failed (exit ${exitCode}) on attempt ${attempts}, no retry left`);
        break;
      }
      say(`failed (exit ${exitCode}): reverting ${o.vms.join(", ")} to checkpoint ${name}`);
      try {
        await revertCheckpoint(ctx, { name, vms: o.vms });
      } catch (e) {
        usable = false;
        say(`the revert failed, so no retry: ${(e as Error).message}`);
        break;
      }
      say(`reverted ${o.vms.join(", ")}; retrying`);
    }
    if (o.checkpoint) {
      if (exitCode === 0 && !o.keepCheckpoint) {
        await deleteCheckpoint(ctx, { name });
        say(`checkpoint ${name} deleted (the phase succeeded)`);
      } else if (exitCode === 0) {
        say(`checkpoint ${name} kept (keep-checkpoint)`);
      } else {
        say(
          `checkpoint ${name} kept: go back with \`npm run lab -- checkpoint revert --stack ${o.stack ?? "<stack>"} --name ${name}\`${usable ? "" : " (run it again: the last revert did not finish)"}`,
        );
      }
    }
  } finally {
    held.release();
    recordResult(lay, {
      phase: o.phase,
      vms: o.vms,
      result: exitCode === 0 ? "succeeded" : "failed",
      exitCode,
      attempts,
      ...(o.checkpoint ? { checkpoint: name } : {}),
      finishedAt: new Date().toISOString(),
    });
  }
  return exitCode;
}

export interface PhaseWrapSettings {
  uri: string;
  poolPath: string;
  checkpoints: "auto" | "off";
  swtpmDir?: string;
  retries?: number;
  keepCheckpoint?: boolean;
}

/** The settings for every phase of a lab, from homelab:uri, homelab:pool and homelab:checkpoints. */
export function phaseWrapSettings(spec: Pick<LabSpec, "libvirt" | "pool" | "guest">): PhaseWrapSettings {
  return { uri: spec.libvirt.uri, poolPath: spec.pool.path, checkpoints: spec.guest.checkpoints };
}

/**
 * A phase's command wrapped by the phase wrapper: `command` is the full homelab-winrm argv
 * (e.g. ["npx", "--no-install", "homelab-winrm", "run", ...]). Every phase goes through it, so
 * each phase's last result is recorded; only risky phases with checkpoints auto get a checkpoint.
 */
export function wrapPhaseCommand(command: string[], phase: Phase, spec: Pick<LabSpec, "sccm">, s: PhaseWrapSettings): string[] {
  const checkpoint = s.checkpoints === "auto" && isRiskyPhase(phase);
  const args = ["--phase", phase.id, "--uri", s.uri, "--pool-path", s.poolPath];
  for (const vm of checkpoint ? phaseVms(phase, spec) : [phase.vm]) args.push("--vm", vm);
  if (checkpoint) args.push("--checkpoint", "--retries", String(s.retries ?? 1));
  if (checkpoint && s.keepCheckpoint) args.push("--keep-checkpoint");
  if (s.swtpmDir) args.push("--swtpm-dir", s.swtpmDir);
  return [...PHASE_WRAPPER, ...args, "--", ...command];
}

/**
 * The wrapper as a Command starts it, from the project folder (where pulumi-command runs): the
 * compiled bin directly, since npx alone costs many times node's own start-up.
 */
export const PHASE_WRAPPER: readonly string[] = ["node", "bin/homelab-phase.js"];

/** Where the wrapper finds the lab at run time: the stack file Pulumi reads too. */
export interface StackTarget {
  stack: string;
  projectDir: string;
  /** homelab:checkpoints of that stack (GuestSpec.checkpoints). */
  checkpoints: "auto" | "off";
  /** Only where libvirt keeps swtpm state somewhere else than /var/lib/libvirt/swtpm. */
  swtpmDir?: string;
}

/**
 * The same wrapping for a caller that knows only the stack (the Pulumi program's phase
 * commands): the wrapper reads homelab:uri, homelab:pool and homelab:sccm from the stack file
 * when it runs, so one line wires it:
 *   create: wrapPhaseCommandForStack(["npx", "--no-install", "homelab-winrm", ...inv.args], phase,
 *     { stack, projectDir, checkpoints: guest.checkpoints }).map(shellQuote).join(" ")
 */
export function wrapPhaseCommandForStack(command: string[], phase: Phase, t: StackTarget): string[] {
  const args = ["--phase", phase.id, "--stack", t.stack, "--project", t.projectDir, "--vm", phase.vm];
  if (t.checkpoints === "auto" && isRiskyPhase(phase)) args.push("--checkpoint");
  if (t.swtpmDir) args.push("--swtpm-dir", t.swtpmDir);
  return [...PHASE_WRAPPER, ...args, "--", ...command];
}

interface MainOptions {
  phase: string;
  uri?: string;
  poolPath?: string;
  stack?: string;
  project?: string;
  vm: string[];
  checkpoint?: boolean;
  retries: string;
  keepCheckpoint?: boolean;
  swtpmDir: string;
  lockWait: string;
}

/** uri, pool path and the VMs from the options, or from the stack file (the VMs a risky phase changes added). */
function resolveTarget(o: MainOptions): { uri: string; poolPath: string; vms: string[]; guestShutdown?: HostOptions["guestShutdown"] } {
  if (o.stack) {
    if (o.uri || o.poolPath) throw new Error("give either --stack (and --project) or --uri and --pool-path, not both");
    const result = loadLabSpec(readStackConfig(o.project ?? process.cwd(), o.stack));
    if (!result.ok) throw new Error(`the lab config of stack ${o.stack} has ${result.errors.length} problem(s):\n${formatProblems(result.errors)}`);
    const spec = result.spec;
    const vms = o.checkpoint ? [...new Set(o.vm.flatMap((vm) => phaseVms({ id: o.phase, vm } as Phase, spec)))] : o.vm;
    // The phase's own environment carries WINRM_PASSWORD: Windows is asked to shut down itself before ACPI.
    return { uri: spec.libvirt.uri, poolPath: spec.pool.path, vms, guestShutdown: guestShutdownFor(spec) };
  }
  if (!o.uri || !o.poolPath) throw new Error("give --stack (and --project), or --uri and --pool-path");
  return { uri: o.uri, poolPath: o.poolPath, vms: o.vm };
}

/** `homelab-phase` command line: options, then `--` and the phase's command. */
export async function main(argv: string[]): Promise<number> {
  const cmd = new Command("homelab-phase")
    .description("run one guest phase with an automatic checkpoint, revert and retry")
    .requiredOption("--phase <id>", "phase id, e.g. sccm01-sccm-site-install")
    .option("--stack <name>", "read homelab:uri, homelab:pool and homelab:sccm from Pulumi.<name>.yaml")
    .option("--project <dir>", "folder holding Pulumi.yaml and the stack files (with --stack)")
    .option("--uri <uri>", "libvirt connection URI (local), instead of --stack")
    .option("--pool-path <dir>", "the lab's storage pool folder (checkpoints live beside it), instead of --stack")
    .requiredOption("--vm <name>", "a VM the phase changes (repeat)", (v: string, p: string[] = []) => [...p, v])
    .option("--checkpoint", "take a checkpoint first, revert and retry on failure")
    .option("--retries <n>", "runs after the first failure", "1")
    .option("--keep-checkpoint", "keep the checkpoint after success")
    .option("--swtpm-dir <dir>", "libvirt's swtpm state folder", DEFAULT_SWTPM_DIR)
    .option("--lock-wait <seconds>", "wait this long for a VM locked by a checkpoint command", "600")
    .argument("<command...>", "the phase's command, after --")
    .exitOverride();
  cmd.parse(argv, { from: "user" });
  const o = cmd.opts<MainOptions>();
  const retries = Number(o.retries);
  if (!Number.isInteger(retries) || retries < 0 || retries > 5) throw new Error(`--retries ${JSON.stringify(o.retries)} must be a whole number from 0 to 5`);
  const target = resolveTarget(o);
  return runWrappedPhase({
    phase: o.phase,
    stack: o.stack,
    ...target,
    swtpmDir: o.swtpmDir,
    checkpoint: o.checkpoint === true,
    retries,
    keepCheckpoint: o.keepCheckpoint,
    lockWaitMs: Number(o.lockWait) * 1000,
    command: cmd.args,
  });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`homelab-phase: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
