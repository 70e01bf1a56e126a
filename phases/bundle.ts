// Turns a phase into what homelab-winrm sends: one self-contained script text and its
// parameters as strings. Over WinRM the script runs as a ScriptBlock with no file behind it,
// so $PSScriptRoot is empty and the modules are not on the guest: their Import-Module lines
// are replaced by the module text, loaded with New-Module. The file on disk stays the one a
// person runs by hand.
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import type { Phase } from "./types";

const IMPORT_LINE = /^Import-Module \(Join-Path \$PSScriptRoot '([^']+\.psm1)'\) -Force[ \t]*$/gm;

export class BundleError extends Error {
  override name = "BundleError";
}

export function bundleScript(projectDir: string, scriptPath: string): string {
  const text = readFileSync(join(projectDir, scriptPath), "utf8");
  const bundled = text.replace(IMPORT_LINE, (_line, relative: string) => {
    const modulePath = posix.normalize(posix.join(posix.dirname(scriptPath), relative.split("\\").join("/")));
    const name = posix.basename(modulePath, ".psm1");
    const body = Buffer.from(readFileSync(join(projectDir, modulePath), "utf8"), "utf8").toString("base64");
    return `New-Module -Name ${name} -ScriptBlock ([ScriptBlock]::Create([System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${body}')))) | Import-Module -Force`;
  });
  if (/\$PSScriptRoot/.test(bundled)) {
    throw new BundleError(`${scriptPath} still uses $PSScriptRoot after bundling: import modules with the line Import-Module (Join-Path $PSScriptRoot '..\\modules\\X.psm1') -Force`);
  }
  return bundled;
}

/** The phase's parameters as homelab-winrm `--param` strings: lists one item per line, files verbatim. */
export function phaseParamStrings(phase: Phase): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(phase.params)) {
    out[name] = Array.isArray(value) ? value.join("\n") : String(value);
  }
  for (const [name, content] of Object.entries(phase.files ?? {})) {
    if (name in out) throw new BundleError(`phase ${phase.id}: ${name} is both a parameter and a file`);
    out[name] = content;
  }
  return out;
}

/** The host environment variable that holds a secret config key, e.g. dsrmPassword -> HOMELAB_DSRM_PASSWORD. */
export function secretEnvVar(key: string): string {
  return `HOMELAB_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

/** homelab-winrm arguments for one phase (the password of the WinRM user comes from WINRM_PASSWORD). */
export function winrmArgs(phase: Phase, opts: { scriptFile: string; user: string; transport: string; port: number }): string[] {
  const args = ["run", "--host", phase.host, "--port", String(opts.port), "--transport", opts.transport, "--user", opts.user,
    "--name", phase.vm, "--script", opts.scriptFile];
  for (const [k, v] of Object.entries(phaseParamStrings(phase))) args.push("--param", `${k}=${v}`);
  for (const [k, key] of Object.entries(phase.secretParams)) args.push("--secret-param", `${k}=${secretEnvVar(key)}`);
  return args;
}
