/**
 * What runs inside the double's shells: a cmd.exe stand-in and a PowerShell stand-in, each for
 * the small set of statements the tests, pywinrm's run_cmd/run_ps and the client's bootstrap use.
 * The PowerShell stand-in executes the bootstrap statement by statement (reading $input, the JSON
 * parameter line, ScriptBlock::Create, the splatted call, its try/catch and its exit), so a
 * bootstrap that drops its exit trailer or its error wrapper changes the exit code here as it
 * would on Windows. Whole phase scripts are accepted: help block, [CmdletBinding()], a multi-line
 * param() block whose names and [Parameter(Mandatory)] are enforced, and then either a scripted
 * outcome or the statements below. Anything else fails loudly (exit 1, "stand-in: unsupported").
 */
import { createHash } from "crypto";

export type StreamName = "stdout" | "stderr";

export interface ProcessIo {
  /** Resolves with all of stdin once the client sent End. */
  stdin(): Promise<Buffer>;
  write(stream: StreamName, text: string): void;
  sleep(ms: number): Promise<void>;
  /** False once the command was terminated or the machine went down. */
  alive(): boolean;
  bootTime(): string;
  /** Windows drops every connection while the command still "runs". */
  reboot(): void;
}

/** A scripted result for a whole script (a phase) the stand-in cannot execute line by line. */
export interface Outcome {
  exitCode: number;
  stdout?: string;
  stderr?: string;
  delayMs?: number;
}

export interface OutcomeRule {
  /** A string matches a script containing it; a RegExp is tested on the script text; a function sees the whole run. */
  match: string | RegExp | ((run: ScriptRun) => boolean);
  /**
   * One outcome for every matching run, or a sequence: the n-th matching run plays the n-th
   * outcome and the last one repeats (e.g. 3010 then 0: a phase that reboots once, then is done).
   */
  outcome: Outcome | readonly Outcome[];
}

/** What one PowerShell ScriptBlock invocation received. */
export interface ScriptRun {
  script: string;
  params: Record<string, unknown>;
  /** The .SYNOPSIS first line of the help block, if any (handy to name a phase). */
  synopsis?: string;
}

export interface ProcessRecord {
  commandLine: string;
  /** The Command's w:OptionSet (WINRS_CONSOLEMODE_STDIN, WINRS_SKIP_CMD_SHELL). */
  options: Record<string, string>;
  /** Every text PowerShell would compile as a script block (what script block logging could record). */
  scriptBlocks: string[];
  runs: ScriptRun[];
  exitCode?: number;
}

export interface StandInConfig {
  outcomes: OutcomeRule[];
  defaultOutcome?: Outcome;
  /** Runs each rule matched so far; kept by the machine, so a sequence carries on across reboots. */
  matchCounts: Map<OutcomeRule, number>;
}

/** The outcome a rule gives its next matching run, counting the run. */
function playRule(rule: OutcomeRule, counts: Map<OutcomeRule, number>): Outcome {
  const n = counts.get(rule) ?? 0;
  counts.set(rule, n + 1);
  if (!Array.isArray(rule.outcome)) return rule.outcome as Outcome;
  const seq = rule.outcome as readonly Outcome[];
  if (seq.length === 0) throw new Error("an outcome sequence needs at least one outcome");
  return seq[Math.min(n, seq.length - 1)];
}

class Terminating extends Error {}
class ExitRequest {
  constructor(readonly code: number) {}
}

// -----------------------------------------------------------------------------------------------
// cmd.exe

/** Runs a command line as `cmd /c` would (WINRS_SKIP_CMD_SHELL=FALSE runs every command through cmd.exe). */
export async function runCommandLine(line: string, io: ProcessIo, cfg: StandInConfig, rec: ProcessRecord): Promise<number> {
  let code = 0;
  const inner = /^cmd(?:\.exe)?\s+\/c\s+(.*)$/is.exec(line.trim());
  const text = inner ? inner[1] : line.trim();
  for (const part of text.split(/\s+&&?\s+/)) {
    code = await runOne(part.trim(), io, cfg, rec);
    if (!io.alive()) return code;
  }
  return code;
}

async function runOne(cmd: string, io: ProcessIo, cfg: StandInConfig, rec: ProcessRecord): Promise<number> {
  let m: RegExpExecArray | null;
  if (/^powershell(?:\.exe)?(\s|$)/i.test(cmd)) return runPowerShellProcess(cmd, io, cfg, rec);
  if ((m = /^echo\s(.*)$/is.exec(cmd))) {
    io.write("stdout", `${m[1]}\r\n`);
    return 0;
  }
  if ((m = /^exit\s+\/b\s+(-?\d+)$/i.exec(cmd))) return Number(m[1]);
  if (/^more$/i.test(cmd)) {
    // more copies stdin to stdout (with CRLF line ends).
    const data = (await io.stdin()).toString("utf8");
    io.write("stdout", data.replace(/\r?\n/g, "\r\n"));
    return 0;
  }
  if ((m = /^echo\.?$/i.exec(cmd))) {
    io.write("stdout", "\r\n");
    return 0;
  }
  // cmd.exe's own message and ERRORLEVEL 9009 for an unknown command.
  const name = cmd.split(/\s+/)[0];
  io.write("stderr", `'${name}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n`);
  return 9009;
}

// -----------------------------------------------------------------------------------------------
// powershell.exe

/** Splits a command line into arguments the way the MS C runtime does for simple quoting. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(s); m; m = re.exec(s)) out.push(m[1] ?? m[2]);
  return out;
}

async function runPowerShellProcess(cmd: string, io: ProcessIo, cfg: StandInConfig, rec: ProcessRecord): Promise<number> {
  const args = splitArgs(cmd).slice(1);
  let text: string | undefined;
  let outputFormatGiven = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (["-noprofile", "-noninteractive", "-nologo"].includes(a)) continue;
    if (["-executionpolicy", "-inputformat"].includes(a)) {
      i++;
      continue;
    }
    if (a === "-outputformat") {
      outputFormatGiven = true;
      i++;
      continue;
    }
    if (a === "-encodedcommand" || a === "-enc" || a === "-e") {
      text = Buffer.from(args[++i] ?? "", "base64").toString("utf16le");
      continue;
    }
    if (a === "-command" || a === "-c") {
      const rest = args.slice(i + 1).join(" ");
      text = rest === "-" ? (await io.stdin()).toString("utf8") : rest;
      break;
    }
    io.write("stderr", `stand-in: unsupported powershell.exe argument ${args[i]}\r\n`);
    return 1;
  }
  if (text === undefined) {
    io.write("stderr", "stand-in: powershell.exe without -EncodedCommand or -Command\r\n");
    return 1;
  }
  rec.scriptBlocks.push(text);
  // Windows PowerShell writes error records as CLIXML when the command was encoded, the host is
  // non-interactive, stderr is redirected and -OutputFormat was not given (ConsoleHost.ErrorFormat).
  const ps = new PowerShell(io, cfg, rec, !!/-encodedcommand|-enc\b|-e\b/i.exec(cmd) && !outputFormatGiven);
  return ps.runTopLevel(text);
}

type Value = unknown;

class PowerShell {
  private readonly vars = new Map<string, Value>();
  private lastExitCode = 0;

  constructor(
    private readonly io: ProcessIo,
    private readonly cfg: StandInConfig,
    private readonly rec: ProcessRecord,
    private readonly clixmlErrors: boolean,
  ) {}

  private error(text: string): void {
    if (this.clixmlErrors) {
      const body = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      this.io.write(
        "stderr",
        `#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">${body}_x000D__x000A_</S></Objs>`,
      );
    } else {
      this.io.write("stderr", `${text}\r\n`);
    }
  }

  /** -Command/-EncodedCommand text: exit N ends the process; otherwise 0 if the last statement succeeded, else 1. */
  async runTopLevel(text: string): Promise<number> {
    let lastOk = true;
    try {
      for (const stmt of statements(text)) {
        if (!this.io.alive()) return 1;
        lastOk = await this.topStatement(stmt);
      }
    } catch (e) {
      if (e instanceof ExitRequest) return e.code;
      if (e instanceof Terminating) {
        this.error(e.message);
        return 1;
      }
      throw e;
    }
    return lastOk ? 0 : 1;
  }

  /** The bootstrap's statements, written from what each does in PowerShell, then the script statements. */
  private async topStatement(s: string): Promise<boolean> {
    let m: RegExpExecArray | null;
    if (/^\$ProgressPreference\s*=\s*'\w+'$/i.test(s)) return true;
    if (/^try \{ \[Console\]::OutputEncoding = New-Object System\.Text\.UTF8Encoding \$false \} catch \{\}$/.test(s)) return true;
    if ((m = /^\$(\w+) = @\(\$input\)$/.exec(s))) {
      // $input enumerates stdin lines (CRLF or LF) once the host reads redirected input.
      const data = (await this.io.stdin()).toString("utf8");
      const lines = data.split(/\r?\n/);
      if (lines[lines.length - 1] === "") lines.pop();
      this.vars.set(m[1], lines);
      return true;
    }
    if ((m = /^\$(\w+) = @\{\}$/.exec(s))) {
      this.vars.set(m[1], new Map<string, Value>());
      return true;
    }
    if ((m = /^\$(\w+) = \$(\w+)\[0\] \| ConvertFrom-Json$/.exec(s))) {
      const src = this.vars.get(m[2]);
      const first = Array.isArray(src) ? (src[0] as string | undefined) : undefined;
      if (first === undefined) {
        this.vars.set(m[1], null);
        return true;
      }
      try {
        this.vars.set(m[1], JSON.parse(first));
      } catch {
        throw new Terminating("ConvertFrom-Json : Invalid JSON primitive.");
      }
      return true;
    }
    if ((m = /^if \(\$null -ne \$(\w+)\) \{ foreach \(\$(\w+) in \$\1\.PSObject\.Properties\) \{ \$(\w+)\[\$\2\.Name\] = \$\2\.Value \} \}$/.exec(s))) {
      const obj = this.vars.get(m[1]);
      const table = this.vars.get(m[3]);
      if (obj !== null && obj !== undefined && table instanceof Map) for (const [k, v] of Object.entries(obj as object)) table.set(k, v);
      return true;
    }
    if ((m = /^\$(\w+) = \[ScriptBlock\]::Create\(\(@\(\$(\w+) \| Select-Object -Skip 1\) -join "`n"\)\)$/.exec(s))) {
      const lines = this.vars.get(m[2]);
      const text = Array.isArray(lines) ? lines.slice(1).join("\n") : "";
      this.rec.scriptBlocks.push(text);
      this.vars.set(m[1], { scriptBlock: text });
      return true;
    }
    if ((m = /^Remove-Variable -Name ([\w, ]+) -ErrorAction SilentlyContinue$/.exec(s))) {
      for (const n of m[1].split(/,\s*/)) this.vars.delete(n);
      return true;
    }
    if (/^\$global:LASTEXITCODE = 0$/.test(s)) {
      this.lastExitCode = 0;
      return true;
    }
    if ((m = /^try \{ & \$(\w+) @(\w+) \} catch \{ \[Console\]::Error\.WriteLine\(\$_\.ToString\(\)\); exit 1 \}$/.exec(s))) {
      try {
        await this.invoke(m[1], m[2]);
      } catch (e) {
        if (!(e instanceof Terminating)) throw e;
        this.io.write("stderr", `${e.message}\r\n`);
        throw new ExitRequest(1);
      }
      return true;
    }
    if (/^exit \$global:LASTEXITCODE$/.test(s)) throw new ExitRequest(this.lastExitCode);
    // Not a bootstrap statement: a script run directly (pywinrm's run_ps).
    const r = await scriptStatement(s, this.io, {}, s, (t) => this.error(t));
    if (r === "unsupported") throw new Terminating(`stand-in: unsupported line: ${s.slice(0, 120)}`);
    if (typeof r === "number") throw new ExitRequest(r);
    return r;
  }

  /** `& $block @params`: binds like PowerShell (unknown or missing mandatory parameters are terminating errors). */
  private async invoke(blockVar: string, paramsVar: string): Promise<void> {
    const block = this.vars.get(blockVar) as { scriptBlock: string } | undefined;
    const table = this.vars.get(paramsVar);
    if (!block || !(table instanceof Map)) throw new Terminating(`The expression after '&' in a pipeline element produced an object that was not valid.`);
    const params = Object.fromEntries(table as Map<string, unknown>);
    const parsed = parseScript(block.scriptBlock);
    for (const name of Object.keys(params)) {
      if (parsed.declared && !parsed.declared.some((d) => d.name.toLowerCase() === name.toLowerCase())) {
        throw new Terminating(`A parameter cannot be found that matches parameter name '${name}'.`);
      }
    }
    const missing = (parsed.declared ?? []).filter((d) => d.mandatory && !Object.keys(params).some((k) => k.toLowerCase() === d.name.toLowerCase()));
    if (missing.length > 0) {
      throw new Terminating(`Cannot process command because of one or more missing mandatory parameters: ${missing.map((d) => d.name).join(" ")}.`);
    }
    const run: ScriptRun = { script: block.scriptBlock, params, ...(parsed.synopsis ? { synopsis: parsed.synopsis } : {}) };
    this.rec.runs.push(run);
    const rule = this.cfg.outcomes.find((r) =>
      typeof r.match === "string" ? run.script.includes(r.match) : r.match instanceof RegExp ? r.match.test(run.script) : r.match(run),
    );
    const outcome = rule ? playRule(rule, this.cfg.matchCounts) : parsed.body.every((l) => scriptStatementKnown(l)) ? undefined : this.cfg.defaultOutcome;
    if (outcome) {
      if (outcome.stdout) this.io.write("stdout", outcome.stdout);
      if (outcome.delayMs) await this.io.sleep(outcome.delayMs);
      if (outcome.stderr) this.io.write("stderr", outcome.stderr);
      this.lastExitCode = outcome.exitCode;
      return;
    }
    for (const line of parsed.body) {
      if (!this.io.alive()) return;
      const r = await scriptStatement(line, this.io, params, block.scriptBlock, (t) => this.io.write("stderr", `${t}\r\n`));
      if (r === "unsupported") throw new Terminating(`stand-in: unsupported line: ${line.slice(0, 120)}`);
      if (typeof r === "number") {
        // `exit N` inside the block ends it and sets $LASTEXITCODE; the bootstrap's trailer exits with it.
        this.lastExitCode = r;
        return;
      }
    }
  }
}

/** Top-level statements: one per line (the bootstrap writes one per line). */
function statements(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

interface Declared {
  name: string;
  mandatory: boolean;
}

/** Help block, [CmdletBinding()], param(...) (multi-line, nested brackets), then the body lines. */
export function parseScript(script: string): { declared?: Declared[]; body: string[]; synopsis?: string } {
  // U+FEFF is not whitespace to PowerShell's tokenizer: a BOM glued to the first token breaks it.
  if (script.startsWith("\uFEFF")) {
    const end = script.search(/[ \t\r\n(]/);
    const first = script.slice(0, end < 0 ? script.length : end);
    throw new Terminating(`The term '${first}' is not recognized as the name of a cmdlet, function, script file, or operable program.`);
  }
  let rest = script;
  let synopsis: string | undefined;
  for (;;) {
    const t = rest.replace(/^\s+/, "");
    if (t.startsWith("<#")) {
      const end = t.indexOf("#>");
      if (end < 0) throw new Terminating("Missing closing '#>' in comment block.");
      const help = t.slice(2, end);
      const syn = /\.SYNOPSIS\s*\r?\n\s*([^\r\n]+)/i.exec(help);
      if (syn && synopsis === undefined) synopsis = syn[1].trim();
      rest = t.slice(end + 2);
    } else if (t.startsWith("#")) {
      rest = t.slice(t.search(/\n|$/));
    } else if (/^\[CmdletBinding\b/i.test(t)) {
      rest = t.slice(closing(t, t.indexOf("[")) + 1);
    } else {
      rest = t;
      break;
    }
  }
  let declared: Declared[] | undefined;
  const pm = /^param\s*\(/i.exec(rest);
  if (pm) {
    const open = pm[0].length - 1;
    const close = closing(rest, open);
    declared = topLevelSplit(rest.slice(open + 1, close))
      .map((piece) => {
        const attrs: string[] = [];
        let p = piece.trim();
        while (p.startsWith("[")) {
          const c = closing(p, 0);
          attrs.push(p.slice(0, c + 1));
          p = p.slice(c + 1).trim();
        }
        const name = /^\$(\w+)/.exec(p)?.[1];
        if (!name) throw new Terminating(`stand-in: cannot read parameter declaration ${piece.trim().slice(0, 80)}`);
        return { name, mandatory: attrs.some((a) => /\bMandatory\b(?!\s*=\s*\$false)/i.test(a)) };
      })
      .filter((d) => d.name !== "");
    rest = rest.slice(close + 1);
  }
  const body = rest
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  return { declared, body, ...(synopsis ? { synopsis } : {}) };
}

/** Index of the bracket closing the one at `open`, skipping quoted strings. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      i = end < 0 ? s.length : end;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Terminating("Missing closing ')' in expression.");
}

function topLevelSplit(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      i = end < 0 ? s.length : end;
      continue;
    }
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (s.slice(start).trim() !== "") out.push(s.slice(start));
  return out.filter((p) => p.trim() !== "");
}

const KNOWN = [
  /^Write-Output\s+.+$/i,
  /^(?:\[Console\]::Error\.WriteLine\(.+\)|Write-Error\s+.+)$/i,
  /^Start-Sleep\s+-(?:Milliseconds|Seconds)\s+\d+$/i,
  /^exit\s+-?\d+$/i,
  /^throw\s+.+$/i,
  /^Set-StrictMode\b.*$/i,
  /^\$ErrorActionPreference\s*=\s*'\w+'$/i,
  /Win32_OperatingSystem.*LastBootUpTime/i,
  /^Restart-Computer\b/i,
];

function scriptStatementKnown(line: string): boolean {
  return KNOWN.some((re) => re.test(line));
}

/** One statement of the script language: true/false = success of the statement, a number = exit N. */
async function scriptStatement(
  line: string,
  io: ProcessIo,
  params: Record<string, unknown>,
  script: string,
  writeError: (text: string) => void,
): Promise<boolean | number | "unsupported"> {
  let m: RegExpExecArray | null;
  if ((m = /^Write-Output\s+(.+)$/i.exec(line))) {
    const v = evalExpr(m[1], params, script);
    if (v === undefined) return "unsupported";
    io.write("stdout", `${v}\r\n`);
    return true;
  }
  if ((m = /^\[Console\]::Error\.WriteLine\((.+)\)$/i.exec(line))) {
    const v = evalExpr(m[1], params, script);
    if (v === undefined) return "unsupported";
    io.write("stderr", `${v}\r\n`);
    return true;
  }
  if ((m = /^Write-Error\s+(.+)$/i.exec(line))) {
    const v = evalExpr(m[1], params, script);
    if (v === undefined) return "unsupported";
    writeError(v);
    return false;
  }
  if ((m = /^throw\s+(.+)$/i.exec(line))) {
    const v = evalExpr(m[1], params, script);
    if (v === undefined) return "unsupported";
    throw new Terminating(v);
  }
  if ((m = /^Start-Sleep\s+-(Milliseconds|Seconds)\s+(\d+)$/i.exec(line))) {
    await io.sleep(Number(m[2]) * (m[1].toLowerCase() === "seconds" ? 1000 : 1));
    return true;
  }
  if ((m = /^exit\s+(-?\d+)$/i.exec(line))) return Number(m[1]);
  if (/^Set-StrictMode\b/i.test(line) || /^\$ErrorActionPreference\s*=/i.test(line)) return true;
  if (/Win32_OperatingSystem/i.test(line) && /LastBootUpTime/i.test(line)) {
    // .NET's round-trip "o" format has seven fractional digits.
    io.write("stdout", `${io.bootTime().replace(/\.(\d{3})Z$/, ".$10000Z")}\r\n`);
    return true;
  }
  if (/^Restart-Computer\b/i.test(line)) {
    io.reboot();
    await io.sleep(60_000);
    return true;
  }
  return "unsupported";
}

/** How PowerShell renders a value inside "..." or by Write-Output of a scalar. */
function render(v: unknown): string {
  if (v === true) return "True";
  if (v === false) return "False";
  if (Array.isArray(v)) return v.map(render).join(" ");
  if (v === undefined || v === null) return "";
  return String(v);
}

function evalExpr(expr: string, params: Record<string, unknown>, script: string): string | undefined {
  const e = expr.trim();
  const lookup = (n: string): unknown => params[Object.keys(params).find((k) => k.toLowerCase() === n.toLowerCase()) ?? n];
  let m: RegExpExecArray | null;
  if ((m = /^'((?:[^']|'')*)'$/.exec(e))) return m[1].replace(/''/g, "'");
  if ((m = /^"((?:[^"`]|`.)*)"$/.exec(e))) return m[1].replace(/\$(\w+)/g, (_, n: string) => render(lookup(n))).replace(/`(.)/g, "$1");
  if ((m = /^\$(\w+)$/.exec(e))) {
    const v = lookup(m[1]);
    // Write-Output of an array writes one element per line.
    return Array.isArray(v) ? v.map(render).join("\r\n") : render(v);
  }
  if ((m = /^\('(.)'\s*\*\s*(\d+)\)$/.exec(e))) return m[1].repeat(Number(m[2]));
  if (/^\(Get-StandInScriptSha256\)$/i.test(e)) return createHash("sha256").update(script, "utf8").digest("hex");
  return undefined;
}
