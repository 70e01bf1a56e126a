/**
 * What we write to `powershell.exe -Command -`. PowerShell reads -Command - line by line like an
 * interactive prompt (multi-line statements need blank-line terminators, param() blocks do not
 * bind, and the console code page mangles non-ASCII). So the script and every parameter value
 * travel base64-encoded inside one bootstrap line that rebuilds the script as a ScriptBlock and
 * invokes it with the parameters splatted: params bind as real PowerShell parameters and no
 * value can inject code, whatever quotes or newlines it holds.
 */
import { ConfigurationError } from "./errors";

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a script parameter can hold: strings, numbers, switches/booleans and string arrays. */
export type ParamValue = string | number | boolean | string[];

export function decodeExpr(value: string): string {
  return `[System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${Buffer.from(value, "utf8").toString("base64")}'))`;
}

function valueExpr(name: string, v: ParamValue): string {
  if (typeof v === "string") return decodeExpr(v);
  if (typeof v === "boolean") return v ? "$true" : "$false";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new ConfigurationError(`parameter ${name} is not a finite number`);
    return String(v);
  }
  if (Array.isArray(v) && v.every((item) => typeof item === "string")) return `@(${v.map(decodeExpr).join(", ")})`;
  throw new ConfigurationError(`parameter ${name} must be a string, number, boolean or list of strings`);
}

export function buildStdinScript(script: string, params: Record<string, ParamValue> = {}): string {
  const entries = Object.entries(params).map(([k, v]) => {
    if (!PARAM_NAME.test(k)) throw new ConfigurationError(`parameter name ${JSON.stringify(k)} is not a PowerShell identifier`);
    return `'${k}' = ${valueExpr(k, v)}`;
  });
  return (
    "$ProgressPreference = 'SilentlyContinue'; " +
    "try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch {}; " +
    `$__hl_script = ${decodeExpr(script)}; ` +
    `$__hl_params = @{ ${entries.join("; ")} }; ` +
    // -Command - derives the process exit code from the last statement's success, not from a
    // script's `exit N`: carry $LASTEXITCODE out explicitly, and make a terminating error exit 1.
    "$global:LASTEXITCODE = 0; " +
    "try { & ([ScriptBlock]::Create($__hl_script)) @__hl_params } catch { [Console]::Error.WriteLine($_.ToString()); exit 1 }; " +
    "exit $global:LASTEXITCODE\r\n"
  );
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
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ConfigurationError(`${source} must hold a JSON object of parameter names to values`);
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!PARAM_NAME.test(k)) throw new ConfigurationError(`parameter name ${JSON.stringify(k)} in ${source} is not a PowerShell identifier`);
    valueExpr(k, v as ParamValue);
    out[k] = v as ParamValue;
  }
  return out;
}
