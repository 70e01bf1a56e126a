/**
 * How a script and its parameters reach PowerShell on the guest.
 *
 * The command line is a fixed bootstrap passed as `-EncodedCommand`; the script and the
 * parameter values travel through stdin as DATA, never as script text:
 *   line 1: the parameters as a JSON object (ASCII only: every other character is \u-escaped);
 *   line 2 on: the script, raw (its only encoding is the base64 of the WS-Man Send envelope).
 * The bootstrap reads stdin through `$input`, rebuilds the script as a ScriptBlock and invokes it
 * with the parameters splatted, so params bind as real PowerShell parameters.
 *
 * Why not values inside the script text: PowerShell logs a script block's text (event 4104,
 * Microsoft-Windows-PowerShell/Operational) whenever it holds a word from its suspicious-content
 * list, `FromBase64String` among them, whatever the logging policy (PowerShell source,
 * CompiledScriptBlock.cs, ScriptBlockLogging "suspicious" check; about_Logging_Windows). A value
 * bound from a variable is never script text, so no secret reaches that log.
 * The same layout (bootstrap as -EncodedCommand, payload on stdin via $input) is what Ansible's
 * WinRM connection plugin does (ansible/plugins/shell/powershell.py, bootstrap_wrapper.ps1).
 */
import { ConfigurationError } from "./errors";

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a script parameter can hold: strings, numbers, switches/booleans and string arrays. */
export type ParamValue = string | number | boolean | string[];

/** A script as read from disk may start with a UTF-8 BOM; U+FEFF is not whitespace to PowerShell's tokenizer. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The PowerShell the command line carries. `exit $global:LASTEXITCODE` is needed because a
 * ScriptBlock's `exit N` may only set $LASTEXITCODE; a terminating error becomes exit 1 with its
 * message on stderr. Names are prefixed so they cannot collide with the script's own variables.
 */
export const BOOTSTRAP = [
  "$ProgressPreference = 'SilentlyContinue'",
  "try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch {}",
  "$__hl_in = @($input)",
  "$__hl_params = @{}",
  "$__hl_json = $__hl_in[0] | ConvertFrom-Json",
  "if ($null -ne $__hl_json) { foreach ($__hl_p in $__hl_json.PSObject.Properties) { $__hl_params[$__hl_p.Name] = $__hl_p.Value } }",
  '$__hl_block = [ScriptBlock]::Create((@($__hl_in | Select-Object -Skip 1) -join "`n"))',
  "Remove-Variable -Name __hl_in, __hl_json, __hl_p -ErrorAction SilentlyContinue",
  "$global:LASTEXITCODE = 0",
  "try { & $__hl_block @__hl_params } catch { [Console]::Error.WriteLine($_.ToString()); exit 1 }",
  "exit $global:LASTEXITCODE",
].join("\r\n");

/** -EncodedCommand takes base64 of UTF-16LE (about_PowerShell_exe, -EncodedCommand). */
export function encodeCommand(ps: string): string {
  return Buffer.from(ps, "utf16le").toString("base64");
}

export const POWERSHELL_COMMAND = "powershell.exe";
/**
 * -OutputFormat Text is explicit because with -EncodedCommand, no console and stderr redirected,
 * Windows PowerShell otherwise writes error records to stderr as CLIXML (PowerShell source,
 * ConsoleHost.ErrorFormat: XML "assuming PowerShell->PowerShell usage" unless OutputFormat was given).
 */
export const POWERSHELL_ARGS: readonly string[] = [
  "-NoProfile",
  "-NonInteractive",
  "-ExecutionPolicy",
  "Bypass",
  "-OutputFormat",
  "Text",
  "-EncodedCommand",
  encodeCommand(BOOTSTRAP),
];

function checkValue(name: string, v: unknown): ParamValue {
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new ConfigurationError(`parameter ${name} is not a finite number`);
    return v;
  }
  if (Array.isArray(v) && v.every((item) => typeof item === "string")) return v as string[];
  throw new ConfigurationError(`parameter ${name} must be a string, number, boolean or list of strings`);
}

/** JSON with every non-ASCII character \u-escaped, so line 1 is the same bytes in any code page. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The bytes fed to the bootstrap's stdin. */
export function buildStdin(script: string, params: Record<string, ParamValue> = {}): Buffer {
  for (const [k, v] of Object.entries(params)) {
    if (!PARAM_NAME.test(k)) throw new ConfigurationError(`parameter name ${JSON.stringify(k)} is not a PowerShell identifier`);
    checkValue(k, v);
  }
  return Buffer.from(`${asciiJson(params)}\n${stripBom(script)}`, "utf8");
}

/** Parses `--param k=v` values (the first `=` splits; values may contain more). */
export function parseParamAssignments(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf("=");
    if (i <= 0) throw new ConfigurationError(`--param expects NAME=VALUE, got ${JSON.stringify(item)}`);
    const k = item.slice(0, i);
    if (!PARAM_NAME.test(k)) throw new ConfigurationError(`parameter name ${JSON.stringify(k)} is not a PowerShell identifier`);
    out[k] = item.slice(i + 1);
  }
  return out;
}

/** Parameters given as a JSON object in an environment variable (how the Pulumi phases pass them). */
export function parseParamsJson(text: string, source: string): Record<string, ParamValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${source} is not JSON: it must hold an object of parameter names to values`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new ConfigurationError(`${source} must hold a JSON object of parameter names to values`);
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!PARAM_NAME.test(k)) throw new ConfigurationError(`parameter name ${JSON.stringify(k)} in ${source} is not a PowerShell identifier`);
    out[k] = checkValue(k, v);
  }
  return out;
}
