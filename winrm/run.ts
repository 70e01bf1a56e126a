/**
 * "Run this script with these parameters on that host": the operation phases use. Handles the
 * installer convention that 3010/1641 mean "succeeded, reboot needed": it reboots the guest,
 * waits for a new boot time, and reports success. `runScriptUntilDone` adds the phases' rerun
 * contract: after such a reboot the same script runs again, up to maxRuns times, until a run
 * exits 0 without asking for a reboot.
 */
import { ClientOptions, WsmanClient } from "./client";
import { TimeoutError, TransportError, errorMessage } from "./errors";
import { buildStdin, ParamValue } from "./powershell-stdin";
import { waitForBootTimeChange, waitForReady } from "./readiness";
import { OutputHandlers, runPowerShell } from "./shell";

/** ERROR_SUCCESS_REBOOT_REQUIRED and ERROR_SUCCESS_REBOOT_INITIATED. */
export const REBOOT_EXIT_CODES: readonly number[] = [3010, 1641];

export const RESTART_SCRIPT = "Restart-Computer -Force";

export interface RunScriptOptions extends ClientOptions {
  /** PowerShell source text. */
  script: string;
  /** Bound as PowerShell parameters of the script (values are strings). */
  params?: Record<string, ParamValue>;
  /** Budget for one run: the ready wait, the script and its reboot. Default one hour. */
  timeoutMs?: number;
  onStdout?: (text: string) => void;
  onStderr?: (text: string) => void;
  /** Notes about what the runner itself does (reboots, waits); never contains secrets. */
  onEvent?: (message: string) => void;
  /** Pause between reboot polls; tests shorten it. */
  pollIntervalMs?: number;
  /** How long to wait for the guest to be ready before the script (port, Identify, a command); default 10 min. */
  readyTimeoutMs?: number;
  /** How long 401s are ridden through while waiting for the guest (see WaitOptions.authGraceMs). */
  authGraceMs?: number;
  /** How often a wait prints that it is still waiting; default 30 s. */
  progressIntervalMs?: number;
}

export interface RunScriptResult {
  /** 0 when the script asked for a reboot and it happened; otherwise the script's exit code. */
  exitCode: number;
  scriptExitCode: number;
  rebooted: boolean;
  /** Boot time after the run (the new one when rebooted). */
  bootTime: string;
  /** How many Receive requests were answered w:TimedOut. */
  timedOutReceives: number;
}

export async function runScript(o: RunScriptOptions): Promise<RunScriptResult> {
  const deadline = Date.now() + (o.timeoutMs ?? 3600_000);
  const left = (): number => Math.max(1, deadline - Date.now());
  const where = `${o.host}${o.port ? `:${o.port}` : ""}`;

  // A phase may start while its guest still boots (after the previous phase's reboot): wait for
  // the port, Identify and a real command. The boot time is read before the script, since after
  // a 1641 the guest may already be going down.
  const { bootTime: bootBefore } = await waitForReady(o, {
    timeoutMs: Math.min(left(), o.readyTimeoutMs ?? 600_000),
    pollIntervalMs: o.pollIntervalMs ?? 2000,
    onProgress: o.onEvent,
    progressIntervalMs: o.progressIntervalMs,
    ...(o.authGraceMs !== undefined ? { authGraceMs: o.authGraceMs } : {}),
  });

  let timedOutReceives = 0;
  const handlers: OutputHandlers = { onStdout: o.onStdout, onStderr: o.onStderr, onTimedOut: () => timedOutReceives++ };
  const client = new WsmanClient(o);
  let scriptExitCode: number;
  try {
    scriptExitCode = await runPowerShell(client, buildStdin(o.script, o.params), handlers, deadline);
  } finally {
    client.close();
  }
  if (!REBOOT_EXIT_CODES.includes(scriptExitCode)) {
    return { exitCode: scriptExitCode, scriptExitCode, rebooted: false, bootTime: bootBefore, timedOutReceives };
  }

  o.onEvent?.(`script exited ${scriptExitCode} (success, reboot required): restarting ${where}`);
  await restart(o, Math.min(left(), 60_000));
  o.onEvent?.(`waiting for ${where} to come back with a boot time other than ${bootBefore}`);
  const bootTime = await waitForBootTimeChange(o, bootBefore, {
    timeoutMs: left(),
    pollIntervalMs: o.pollIntervalMs ?? 2000,
    onProgress: o.onEvent,
    progressIntervalMs: o.progressIntervalMs,
  });
  o.onEvent?.(`${where} rebooted (boot time ${bootTime})`);
  return { exitCode: 0, scriptExitCode, rebooted: true, bootTime, timedOutReceives };
}

/**
 * Asks for a restart. The connection dropping mid-command is the expected outcome, so transport
 * errors and timeouts count as "restart under way"; only a clean non-zero exit is a failure.
 */
async function restart(o: ClientOptions, timeoutMs: number): Promise<void> {
  const client = new WsmanClient({ ...o, operationTimeoutSec: Math.min(o.operationTimeoutSec ?? 20, 10) });
  let stderr = "";
  try {
    const code = await runPowerShell(client, buildStdin(RESTART_SCRIPT), { onStderr: (t) => (stderr += t) }, Date.now() + timeoutMs);
    if (code !== 0) throw new Error(`${RESTART_SCRIPT} on ${o.host} exited ${code}: ${stderr.trim().slice(0, 300)}`);
  } catch (e) {
    if (e instanceof TransportError || e instanceof TimeoutError) return;
    throw new Error(`restart of ${o.host} failed: ${errorMessage(e)}`);
  } finally {
    client.close();
  }
}

export interface RunUntilDoneOptions extends RunScriptOptions {
  /** How many runs the script gets; 1 (the default) keeps "3010/1641 and a reboot" a success. */
  maxRuns?: number;
}

export interface RunUntilDoneResult extends RunScriptResult {
  /** How many times the script ran. */
  runs: number;
  /** Every one of maxRuns (> 1) runs asked for a reboot; the last reboot was done too. */
  stillAsksForReboot: boolean;
}

export type NextStep = "done" | "failed" | "run-again" | "still-asks-for-reboot";

/**
 * What follows run `run` of at most `maxRuns`. With maxRuns 1 a completed reboot ends in success,
 * as before the rerun contract existed; above 1, 3010/1641 means "reboot, then run me again".
 */
export function nextStep(result: Pick<RunScriptResult, "exitCode" | "rebooted">, run: number, maxRuns: number): NextStep {
  if (!result.rebooted) return result.exitCode === 0 ? "done" : "failed";
  if (maxRuns <= 1) return "done";
  return run < maxRuns ? "run-again" : "still-asks-for-reboot";
}

/**
 * Runs the script, and after each 3010/1641 and its proven reboot runs it again with the same
 * parameters (still only on stdin), until a run needs no reboot, one fails, or maxRuns ran.
 * Each run has its own timeoutMs; errors (timeout, auth, protocol) end the loop at once.
 */
export async function runScriptUntilDone(o: RunUntilDoneOptions): Promise<RunUntilDoneResult> {
  const maxRuns = o.maxRuns ?? 1;
  if (!Number.isInteger(maxRuns) || maxRuns < 1) throw new RangeError(`maxRuns must be a whole number of at least 1, got ${maxRuns}`);
  if (maxRuns > 1) o.onEvent?.(`run 1 of ${maxRuns}`);
  for (let run = 1; ; run++) {
    const result = await runScript(o);
    const step = nextStep(result, run, maxRuns);
    if (step !== "run-again") return { ...result, runs: run, stillAsksForReboot: step === "still-asks-for-reboot" };
    o.onEvent?.(`run ${run + 1} of ${maxRuns} after reboot (run ${run} exited ${result.scriptExitCode}; boot time ${result.bootTime})`);
  }
}
