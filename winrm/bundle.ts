/**
 * A script sent over WinRM runs from stdin, where $PSScriptRoot is empty, so
 * `Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1')` cannot find its module.
 * This inlines each such module as a dynamic module, so the same file runs unchanged by hand
 * (from disk) and over WinRM.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ConfigurationError } from "./errors";
import { stripBom } from "./powershell-stdin";

/** A module's text as an expression; module bodies are code, never secrets, so base64 is harmless here. */
export function decodeExpr(value: string): string {
  return `[System.Text.Encoding]::UTF8.GetString([System.Convert]::FromBase64String('${Buffer.from(value, "utf8").toString("base64")}'))`;
}

const SCRIPT_RELATIVE_IMPORT = /^([ \t]*)Import-Module\s+\(\s*Join-Path\s+\$PSScriptRoot\s+'([^']+\.psm1)'\s*\)(?:\s+-Force)?[ \t]*$/gim;

export function inlineScriptModules(script: string, scriptPath: string, seen: ReadonlySet<string> = new Set()): string {
  return script.replace(SCRIPT_RELATIVE_IMPORT, (_line, indent: string, relative: string) => {
    const path = join(dirname(scriptPath), ...relative.split(/[\\/]/));
    if (seen.has(path)) throw new ConfigurationError(`module ${path} imports itself through ${scriptPath}`);
    let text: string;
    try {
      text = stripBom(readFileSync(path, "utf8"));
    } catch {
      throw new ConfigurationError(`${scriptPath} imports ${relative}, which is not at ${path}`);
    }
    const body = inlineScriptModules(text, path, new Set([...seen, path]));
    const name = basename(path, ".psm1");
    return `${indent}New-Module -Name '${name}' -ScriptBlock ([ScriptBlock]::Create(${decodeExpr(body)})) | Import-Module -Force`;
  });
}
