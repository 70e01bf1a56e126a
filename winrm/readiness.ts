/**
 * Waiting for a Windows guest: TCP port, then unauthenticated Identify, then a real command.
 * Reboots are detected by a changed LastBootUpTime, never by sleeping "long enough". Every wait
 * has a deadline and its timeout message says what was awaited and the last error seen.
 */
import * as net from "net";
import { ClientOptions, WsmanClient } from "./client";
import { AuthenticationError, ConfigurationError, TimeoutError, TransportError, errorMessage } from "./errors";
import { buildStdin } from "./powershell-stdin";
import { runPowerShell } from "./shell";
import { EndpointOptions, defaultPort, identify } from "./transport";

export const BOOT_TIME_SCRIPT = "(Get-CimInstance Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o')";

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between attempts (grows to 4x this). */
  pollIntervalMs?: number;
  /** Cap for one attempt, so one hung attempt cannot eat the whole budget. */
  attemptTimeoutMs?: number;
  /** Progress notes for a log: the first failure at once, then a "still waiting" line every progressIntervalMs. */
  onProgress?: (message: string) => void;
  /** Default 30 s: a phase log silent for longer looks like a hang. */
  progressIntervalMs?: number;
  /**
   * How long a run of 401s is ridden through before it counts as a wrong password. Right after a
   * DC promotion or a domain join, domain logons fail until AD DS and the secure channel are up
   * (dcpromo/Install-ADDSForest reboots; the Netlogon service starts after WinRM), then succeed.
   * 0 (the default) makes the first 401 final.
   */
  authGraceMs?: number;
}

/** Default for the "a real command" step of waitForReady. */
export const DEFAULT_AUTH_GRACE_MS = 300_000;
export const PROGRESS_INTERVAL_MS = 30_000;

/** Errors that waiting longer will not fix; a certificate that is not the pinned one may be an attacker's. */
function isFatal(err: unknown): boolean {
  return err instanceof ConfigurationError || err instanceof AuthenticationError || (err instanceof TransportError && err.code === "CERT_PIN_MISMATCH");
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(0)} s`;
}

/**
 * Retries `attempt` until it succeeds or the deadline passes. `retryFatal` makes authentication
 * errors retryable for the whole wait (during a reboot, a domain logon can fail until the DC is
 * reachable); `authGraceMs` does so for a bounded streak of them.
 */
export async function waitFor<T>(what: string, attempt: (attemptTimeoutMs: number) => Promise<T>, opts: WaitOptions & { retryFatal?: boolean }): Promise<T> {
  const start = Date.now();
  const deadline = start + opts.timeoutMs;
  const base = opts.pollIntervalMs ?? 500;
  let pause = base;
  let lastError = "none (no attempt finished)";
  let lastErrorObj: unknown;
  let authSince: number | undefined;
  const heartbeat = opts.onProgress
    ? setInterval(
        () => opts.onProgress?.(`still waiting for ${what}: ${seconds(Date.now() - start)} of ${seconds(opts.timeoutMs)}; last error: ${lastError}`),
        opts.progressIntervalMs ?? PROGRESS_INTERVAL_MS,
      )
    : undefined;
  heartbeat?.unref();
  try {
    for (let n = 1; ; n++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        return await attempt(Math.max(1, Math.min(remaining, opts.attemptTimeoutMs ?? remaining)));
      } catch (e) {
        if (e instanceof AuthenticationError && !opts.retryFatal) {
          authSince ??= Date.now();
          if (Date.now() - authSince >= (opts.authGraceMs ?? 0)) throw e;
        } else if (isFatal(e) && !opts.retryFatal) {
          throw e;
        } else {
          authSince = undefined;
        }
        lastError = errorMessage(e);
        lastErrorObj = e;
        if (n === 1) opts.onProgress?.(`waiting for ${what}: ${lastError}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise((r) => setTimeout(r, Math.min(pause, left)));
      pause = Math.min(pause * 2, base * 4);
    }
  } finally {
    if (heartbeat) clearInterval(heartbeat);
  }
  // Still refused when time ran out: report it as what it is (exit code 3, not 4).
  if (lastErrorObj instanceof AuthenticationError) throw new AuthenticationError(`${lastError} (still refused after ${seconds(Date.now() - start)})`);
  throw new TimeoutError(`timed out after ${((Date.now() - start) / 1000).toFixed(1)} s waiting for ${what}; last error: ${lastError}`);
}

export function tcpConnectOnce(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new TimeoutError(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once("connect", () => {
      clearTimeout(t);
      s.destroy();
      resolve();
    });
    s.once("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

function portOf(o: EndpointOptions): number {
  return o.port ?? defaultPort(o.kind ?? "ntlm");
}

export function waitForTcp(o: EndpointOptions, opts: WaitOptions): Promise<void> {
  const port = portOf(o);
  return waitFor(`TCP port ${o.host}:${port}`, (t) => tcpConnectOnce(o.host, port, t), { attemptTimeoutMs: 5000, ...opts });
}

export function waitForIdentify(o: EndpointOptions, opts: WaitOptions): Promise<void> {
  return waitFor(`WinRM Identify on ${o.host}:${portOf(o)}`, async (t) => void (await identify(o, t)), { attemptTimeoutMs: 10000, ...opts });
}

/** Runs a script and collects its stdout; a non-zero exit is an error carrying stderr. */
export async function runAndCapture(o: ClientOptions, script: string, timeoutMs: number): Promise<string> {
  const client = new WsmanClient({ ...o, operationTimeoutSec: Math.min(o.operationTimeoutSec ?? 20, Math.max(1, Math.floor(timeoutMs / 2000))) });
  let out = "";
  let err = "";
  try {
    const code = await runPowerShell(client, buildStdin(script), { onStdout: (t) => (out += t), onStderr: (t) => (err += t) }, Date.now() + timeoutMs);
    if (code !== 0) throw new Error(`command exited with ${code}${err.trim() ? `: ${err.trim().slice(0, 300)}` : ""}`);
    return out;
  } finally {
    client.close();
  }
}

/** LastBootUpTime of the guest as an ISO 8601 UTC string. */
export async function readBootTime(o: ClientOptions, timeoutMs: number): Promise<string> {
  const out = await runAndCapture(o, BOOT_TIME_SCRIPT, timeoutMs);
  const line = out
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  if (!line || Number.isNaN(Date.parse(line))) throw new Error(`boot time query returned ${JSON.stringify(out.slice(0, 100))}`);
  return new Date(Date.parse(line)).toISOString();
}

/**
 * LastBootUpTime can move by a second or so between queries (clock corrections), so "changed"
 * means moved by more than a tolerance; a real reboot moves it by at least the old uptime.
 */
export function bootTimeChanged(before: string, now: string, toleranceMs = 2000): boolean {
  return Math.abs(Date.parse(now) - Date.parse(before)) > toleranceMs;
}

/** TCP, then Identify, then a real command (which also yields the boot time). */
export async function waitForReady(o: ClientOptions, opts: WaitOptions): Promise<{ bootTime: string }> {
  const deadline = Date.now() + opts.timeoutMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  await waitForTcp(o, { ...opts, timeoutMs: left() });
  await waitForIdentify(o, { ...opts, timeoutMs: left() });
  const bootTime = await waitFor(`a PowerShell command as ${o.user} on ${o.host}:${portOf(o)}`, (t) => readBootTime(o, t), {
    attemptTimeoutMs: 60000,
    authGraceMs: DEFAULT_AUTH_GRACE_MS,
    ...opts,
    timeoutMs: left(),
  });
  return { bootTime };
}

/** Waits until the guest reports a boot time different from `before`; returns the new one. */
export async function waitForBootTimeChange(o: ClientOptions, before: string, opts: WaitOptions & { toleranceMs?: number }): Promise<string> {
  return waitFor(
    `${o.host}:${portOf(o)} to come back with a boot time other than ${before}`,
    async (t) => {
      const now = await readBootTime(o, t);
      if (!bootTimeChanged(before, now, opts.toleranceMs)) throw new Error(`boot time is still ${now}`);
      return now;
    },
    { attemptTimeoutMs: 30000, ...opts, retryFatal: true },
  );
}
