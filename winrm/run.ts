/**
 * "Run this script with these parameters on that host": the operation phases use. Handles the
 * installer convention that 3010/1641 mean "succeeded, reboot needed": it reboots the guest,
 * waits for a new boot time, and reports success.
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
  /** Budget for the whole run, reboot included. Default one hour. */
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
