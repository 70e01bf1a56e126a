// The one table of exit codes for every homelab command and for homelab-winrm, so a wrapper or
// a phase can tell "fix your arguments" from "fix your config" from "fix the host" from "it broke".
// No imports: homelab-winrm loads this without the rest of the project.

export const EXIT = {
  /** Done. */
  ok: 0,
  /** The work ran and found a failure it reports (a media folder that does not match, a script that failed). */
  failed: 1,
  /** The command line is wrong: an unknown command or option, a missing argument. */
  usage: 2,
  /** The stack config (or a credential in it) is refused: every problem is printed with its config path. */
  config: 3,
  /** Something the command needs from the host is missing or unreachable: a file, a tool, a guest. */
  environment: 4,
  /** An unexpected failure: a protocol fault or a bug; the message says where. */
  runtime: 5,
} as const;

export type ExitKind = keyof typeof EXIT;

/** An error that knows which row of the table it belongs to. */
export class CliError extends Error {
  constructor(
    readonly kind: Exclude<ExitKind, "ok">,
    message: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The README's table, generated from the same rows so the two cannot drift. */
export const EXIT_TABLE: ReadonlyArray<{ code: number; kind: ExitKind; meaning: string }> = [
  { code: EXIT.ok, kind: "ok", meaning: "done" },
  {
    code: EXIT.failed,
    kind: "failed",
    meaning: "the work ran and failed (a media folder that does not match; for homelab-winrm, the script failed: its own code is on the last stderr line)",
  },
  { code: EXIT.usage, kind: "usage", meaning: "usage error: unknown command or option, missing argument, no arguments" },
  { code: EXIT.config, kind: "config", meaning: "config error: the stack config is refused (every problem with its config path), or credentials are rejected" },
  { code: EXIT.environment, kind: "environment", meaning: "environment error: a file, tool or guest the command needs is missing or unreachable" },
  { code: EXIT.runtime, kind: "runtime", meaning: "runtime failure: a protocol fault or a bug" },
];
