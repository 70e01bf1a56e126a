// The evaluation licence of a Windows guest, read and rearmed over WinRM with the project's
// client (winrm/'s public face: runScript only).
import { runScript } from "../winrm";
import type { ClientOptions, RunScriptResult } from "../winrm";

/**
 * Windows' own licence (slmgr.vbs filters on this ApplicationID as its WindowsAppId), its
 * GracePeriodRemaining in minutes ("SoftwareLicensingProduct class", Microsoft Learn, sppwmi)
 * and the rearms left (SoftwareLicensingService.RemainingWindowsRearmCount, same reference),
 * as one line of JSON.
 */
export const LICENCE_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "$product = Get-CimInstance -ClassName SoftwareLicensingProduct -Filter \"ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f' AND PartialProductKey IS NOT NULL\" | Select-Object -First 1",
  "$service = Get-CimInstance -ClassName SoftwareLicensingService",
  "[pscustomobject]@{ name = [string]$product.Name; licenseStatus = [int]$product.LicenseStatus; gracePeriodMinutes = [int]$product.GracePeriodRemaining; rearmsLeft = [int]$service.RemainingWindowsRearmCount } | ConvertTo-Json -Compress",
].join("\n");

/**
 * slmgr.vbs /rearm resets the activation timers and needs a restart to take effect; it does
 * nothing when SkipRearm is 1, and each rearm uses one of the RemainingWindowsRearmCount
 * ("Slmgr.vbs options for obtaining volume activation information", Microsoft Learn). Exit 3010
 * is the installers' "done, restart needed", which the WinRM runner turns into a restart.
 */
export const REARM_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "$left = [int](Get-CimInstance -ClassName SoftwareLicensingService).RemainingWindowsRearmCount",
  "if ($left -lt 1) { [Console]::Error.WriteLine('no rearm left (RemainingWindowsRearmCount is 0): reinstall, or convert the evaluation to a licensed edition with DISM /Set-Edition'); exit 1 }",
  'cscript.exe //nologo "$env:SystemRoot\\System32\\slmgr.vbs" /rearm',
  "if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }",
  "exit 3010",
].join("\n");

/** The licence states SoftwareLicensingProduct.LicenseStatus reports (Microsoft Learn, same class). */
const LICENSE_STATUS = ["unlicensed", "licensed", "out-of-box grace", "out-of-tolerance grace", "non-genuine grace", "notification", "extended grace"];

export interface Licence {
  name: string;
  status: string;
  /** Whole days left of the grace period (minutes / 1440, rounded down). */
  daysLeft: number;
  rearmsLeft: number;
}

export class LicenceError extends Error {
  override name = "LicenceError";
}

/** Reads the script's JSON line. Pure. */
export function parseLicence(output: string): Licence {
  const line = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith("{"))
    .pop();
  if (!line) throw new LicenceError(`no licence JSON in the guest's answer: ${JSON.stringify(output.trim().slice(0, 200))}`);
  const raw = JSON.parse(line) as Record<string, unknown>;
  const num = (k: string): number => {
    if (typeof raw[k] !== "number") throw new LicenceError(`the guest's licence answer has no number ${k}: ${line.slice(0, 200)}`);
    return raw[k] as number;
  };
  return {
    name: String(raw.name ?? ""),
    status: LICENSE_STATUS[num("licenseStatus")] ?? `status ${num("licenseStatus")}`,
    daysLeft: Math.floor(num("gracePeriodMinutes") / 1440),
    rearmsLeft: num("rearmsLeft"),
  };
}

/** Runs a script and returns its stdout; a non-zero exit is an error carrying its stderr. */
export async function captureScript(client: ClientOptions, script: string, timeoutMs: number): Promise<string> {
  let out = "";
  let err = "";
  const result = await runScript({
    ...client,
    script,
    timeoutMs,
    readyTimeoutMs: Math.min(timeoutMs, 30_000),
    onStdout: (t) => (out += t),
    onStderr: (t) => (err += t),
  });
  if (result.exitCode !== 0) throw new Error(`command exited with ${result.exitCode}${err.trim() ? `: ${err.trim().slice(0, 300)}` : ""}`);
  return out;
}

export async function readLicence(client: ClientOptions, opts: { timeoutMs?: number } = {}): Promise<Licence> {
  return parseLicence(await captureScript(client, LICENCE_SCRIPT, opts.timeoutMs ?? 60_000));
}

export async function rearm(
  client: ClientOptions,
  opts: { timeoutMs?: number; onEvent?: (m: string) => void; onOutput?: (t: string) => void; pollIntervalMs?: number } = {},
): Promise<RunScriptResult> {
  return runScript({
    ...client,
    script: REARM_SCRIPT,
    timeoutMs: opts.timeoutMs ?? 1_800_000,
    readyTimeoutMs: 60_000,
    onEvent: opts.onEvent,
    onStdout: opts.onOutput,
    onStderr: opts.onOutput,
    pollIntervalMs: opts.pollIntervalMs,
  });
}
