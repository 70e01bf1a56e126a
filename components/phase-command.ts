// The shell command and environment of one guest phase's local.Command. The homelab-winrm call
// itself (arguments, parameters JSON, secret variables) is phases/invocation.ts's, the same one
// the by-hand wrapper uses; here it only becomes a shell line and Pulumi triggers.
//
// Nothing machine-specific goes into these inputs: pulumi-command runs a Command in the provider's
// working directory when `dir` is unset, and Pulumi starts its plugins in the project folder, so
// the script path is project-relative and a copy of the project at another path changes nothing.
import { createHash, scryptSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GuestSpec } from "../lab";
import { PHASE_PARAMS_ENV, winrmInvocation } from "../phases/invocation";
import type { Phase } from "../phases/types";
import { inlineScriptModules } from "../winrm";
import { wrapPhaseCommandForStack } from "../checkpoints/phase-wrapper";

export const PASSWORD_ENV = "WINRM_PASSWORD";

/** Project-relative folder that keeps each phase's whole output, one file per phase (the Pulumi log gets a short extract). */
export const PHASE_LOG_DIR = ".homelab/phase-logs";
/** Lines of a phase's output the Pulumi log (and the Command's stdout in the state) keeps from its start and from its end. */
export const PHASE_LOG_HEAD_LINES = 20;
export const PHASE_LOG_TAIL_LINES = 20;
/** Longest line the Pulumi log gets; the file keeps the whole line. */
export const PHASE_LOG_LINE_CHARS = 240;

/** POSIX single-quoting: the only character that needs care inside '...' is ' itself. */
export const shellQuote = (s: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export interface PhaseCommand {
  /** The command line `local.Command` runs through /bin/sh, from the project folder. */
  create: string;
  /** Non-secret environment (the parameters as JSON). */
  environment: Record<string, string>;
  /** Environment variable -> secret config key whose value it carries. */
  secretEnvironment: Record<string, string>;
  /** What re-runs the phase when it changes (the secret fingerprints are added by the caller). */
  triggers: string[];
  /** Secret config keys the phase's result depends on (its secret parameters; not the logon password). */
  resultSecrets: string[];
  /** Where the whole output of the phase is kept, relative to the project folder. */
  logFile: string;
}

export interface PhaseCommandOptions {
  /** Folder the scripts are read from, to hash them (never part of the command). */
  projectDir: string;
  vmUuid: string;
  /** The stack: the phase wrapper reads its file when it runs (checkpoints, results for `homelab status`). */
  stack: string;
  adminSecretKey?: string;
}

export function phaseCommand(phase: Phase, guest: GuestSpec, opts: PhaseCommandOptions): PhaseCommand {
  const inv = winrmInvocation(phase, { transport: guest.transport, port: guest.port });
  const logFile = `${PHASE_LOG_DIR}/${phase.id}.log`;
  // Both bins run from the project folder: no absolute path, and no npx start-up per phase.
  const winrm = ["node", "bin/homelab-winrm.js", ...inv.args];
  // Every phase runs behind homelab-phase: a lock on its VM, its result recorded, and for the risky
  // ones (checkpoint in the graph, homelab:checkpoints auto) a checkpoint, revert and one retry.
  const wrapped = wrapPhaseCommandForStack(winrm, phase, { stack: opts.stack, projectDir: ".", checkpoints: guest.checkpoints }).map(shellQuote).join(" ");
  return {
    create: shortLogCommand(wrapped, logFile),
    environment: inv.env,
    secretEnvironment: { [PASSWORD_ENV]: opts.adminSecretKey ?? "adminPassword", ...inv.secretEnv },
    triggers: [scriptHash(join(opts.projectDir, phase.script)), inv.env[PHASE_PARAMS_ENV], opts.vmUuid],
    resultSecrets: [...new Set(Object.values(phase.secretParams))].sort(),
    logFile,
  };
}

/**
 * Runs `command` with its whole output (stdout and stderr) going to `logFile`, and prints only
 * the first and last lines (each cut to a bounded length) with a count of what was left out, so
 * an installer that prints megabytes neither floods the Pulumi log nor lands in the state as the
 * Command's stdout. The exit status is the command's own (dash has no pipefail, so it travels in
 * the file's last line, at the end of the output's last line when that had no newline).
 */
export function shortLogCommand(command: string, logFile: string): string {
  const marker = "homelab-phase-exit";
  const awk =
    `awk -v head=${PHASE_LOG_HEAD_LINES} -v tail=${PHASE_LOG_TAIL_LINES} -v width=${PHASE_LOG_LINE_CHARS} -v file=${shellQuote(logFile)} '` +
    // The marker ends the last line when the output did not end with a newline.
    `match($0, /${marker} [0-9]+$/) { $0 = substr($0, 1, RSTART - 1); if ($0 == "") next } ` +
    `{ n++; line = length($0) > width ? substr($0, 1, width) "..." : $0; if (n <= head) { print line; fflush() } else { ring[n % tail] = line } } ` +
    `END { if (n > head) { first = n - tail + 1; if (first <= head) first = head + 1; else print "... " (first - head - 1) " lines left out; the whole output is in " file; ` +
    `for (i = first; i <= n; i++) print ring[i % tail] } }'`;
  const dir = logFile.slice(0, logFile.lastIndexOf("/"));
  return (
    `mkdir -p ${shellQuote(dir)} && { (${command}); echo "${marker} $?"; } 2>&1 | tee ${shellQuote(logFile)} | ${awk}; ` +
    `rc=$(sed -n 's/.*${marker} \\([0-9][0-9]*\\)$/\\1/p' ${shellQuote(logFile)} | tail -n 1); exit "\${rc:-1}"`
  );
}

/** SHA-256 of the script as it is sent (its modules inlined), so an edit to either re-runs the phase. */
export function scriptHash(scriptPath: string): string {
  return createHash("sha256")
    .update(inlineScriptModules(readFileSync(scriptPath, "utf8"), scriptPath))
    .digest("hex");
}

/**
 * What a phase's triggers carry for a secret: a slow, salted hash (scrypt, salt = stack and key),
 * never the value. The stack has no other secret to key an HMAC with; scrypt makes each guess at a
 * lab password cost tens of milliseconds, and the key's name in front says in a preview which
 * secret made a phase re-run.
 */
export function secretFingerprint(stack: string, key: string, value: string): string {
  const hash = scryptSync(value, `homelab-sccm/${stack}/${key}`, 16, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString("hex");
  return `secret ${key}: scrypt ${hash}`;
}
