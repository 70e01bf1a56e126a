// One long-lived `virsh` per connection: commands go over its stdin, one at a time, each followed
// by two markers (one on stdout, one on stderr) that delimit its reply. A session saves the start
// of a process and a connection per command (about 30 ms each; 2 to 3 ms per command here).
// Same rules as one process per call: no shell (virsh parses the line itself, every argument is
// quoted), the URI explicit, a bound per command, XML in private temp files (the callers' job).
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface SessionReply {
  stdout: string;
  stderr: string;
  /** virsh printed an error for the command. */
  failed: boolean;
}

/** The session cannot run this command (it died without a word, or the command cannot be written as one line). */
export class SessionUnusable extends Error {}
/** The command did not answer within its bound; the session was killed. */
export class SessionTimeout extends Error {}

/** Pure: one argument as virsh's command parser reads it (sh-like single quotes). */
export function quoteArg(arg: string): string {
  if (/[\n\r\0]/.test(arg)) throw new SessionUnusable(`an argument spans lines: ${JSON.stringify(arg)}`);
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Pure: the reply of one command from the text virsh printed up to its stdout marker, or undefined
 * when it cannot be told apart. Without a terminal virsh (through readline) still prints its prompt
 * and echoes each line it reads: the echo of the command and of the two marker lines go.
 */
export function cleanReply(segment: string, line: string, trailers: readonly string[]): string | undefined {
  let out = segment;
  const prompt = /^virsh [#$>] /.exec(out);
  if (prompt) {
    const head = `${prompt[0]}${line}\n`;
    if (!out.startsWith(head)) return undefined; // a redrawn line (escape sequences): not ours to guess
    out = out.slice(head.length);
  }
  for (const t of [...trailers].reverse()) out = out.replace(new RegExp(`virsh [#$>] ${escape(t)}\n$`), "");
  return out;
}

const running = new Set<ChildProcessWithoutNullStreams>();
process.once("exit", () => {
  for (const child of running)
    try {
      child.kill("SIGKILL");
    } catch {
      /* gone */
    }
});

export class VirshSession {
  private child?: ChildProcessWithoutNullStreams;
  private out = "";
  private err = "";
  private wake?: () => void;
  private queue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private readonly token = randomBytes(6).toString("hex");
  /** virsh processes this session has started, and commands it ran (for the benchmark's count). */
  spawned = 0;
  commands = 0;

  constructor(
    readonly binary: string,
    readonly uri: string,
  ) {}

  /** Runs one command after those queued before it (Pulumi runs operations in parallel). */
  run(args: readonly string[], timeoutMs: number): Promise<SessionReply> {
    const reply = this.queue.then(() => this.exec(args, timeoutMs));
    this.queue = reply.catch(() => undefined);
    return reply;
  }

  close(): void {
    const child = this.child;
    this.child = undefined;
    if (child) {
      child.stdin.end();
      child.kill("SIGKILL");
      running.delete(child);
    }
  }

  private start(): ChildProcessWithoutNullStreams {
    // LC_ALL=C: libvirt's messages in English, so the failure can be classified.
    // A screen as wide as any command line, no terminal features and no user inputrc: readline's
    // echo of a long line is then the line itself, not a redraw with cursor movements.
    const child = spawn(this.binary, ["-c", this.uri, "-q"], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C", TERM: "dumb", COLUMNS: "1000000", INPUTRC: "/dev/null" },
    });
    this.spawned++;
    running.add(child);
    this.out = "";
    this.err = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (d: string) => {
      if (this.child === child) {
        this.out += d;
        this.wake?.();
      }
    });
    child.stderr.on("data", (d: string) => {
      if (this.child === child) {
        this.err += d;
        this.wake?.();
      }
    });
    const gone = () => {
      running.delete(child);
      if (this.child === child) {
        this.child = undefined;
        this.wake?.();
      }
    };
    child.once("exit", gone);
    child.once("error", gone);
    child.stdin.on("error", () => undefined); // EPIPE after a death: reported through "exit"
    // A session never keeps the program (or a test run) alive by itself.
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
    return child;
  }

  private exec(args: readonly string[], timeoutMs: number): Promise<SessionReply> {
    const line = args.map(quoteArg).join(" ");
    this.commands++;
    const child = this.child ?? (this.child = this.start());
    const mark = `homelab-${this.token}-${++this.seq}`;
    const errLine = `echo --err ${mark}`;
    const outLine = `echo --shell "${mark} end"`;
    const outMark = `'${mark} end'`;
    const errMark = `error: ${mark}\n`;
    child.stdin.write(`${line}\n${errLine}\n${outLine}\n`);
    return new Promise<SessionReply>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
      };
      const timer = setTimeout(() => {
        done();
        this.close();
        reject(new SessionTimeout(`virsh did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        const o = this.out.indexOf(outMark);
        const e = this.err.indexOf(errMark);
        if (o >= 0 && e >= 0) {
          done();
          const stdout = cleanReply(this.out.slice(0, o), line, [errLine, outLine]);
          const stderr = this.err.slice(0, e);
          this.out = this.out.slice(o + outMark.length);
          this.err = this.err.slice(e + errMark.length);
          const failed = /^error:/m.test(stderr);
          // An output that cannot be delimited is read again by a process of its own; a failure
          // is known from stderr alone.
          if (stdout === undefined && !failed) return reject(new SessionUnusable("the session's reply could not be delimited"));
          // A lost connection is not repaired inside the session: the next command starts afresh.
          if (failed && /failed to connect to the hypervisor|no valid connection|Cannot recv data|End of file while reading data/i.test(stderr)) this.close();
          resolve({ stdout: stdout ?? "", stderr, failed });
        } else if (this.child !== child) {
          done();
          // virsh exits at once when it cannot connect: what it said is the command's answer.
          if (/^error:/m.test(this.err)) resolve({ stdout: "", stderr: this.err, failed: true });
          else reject(new SessionUnusable(`virsh (${this.binary}) ended without answering`));
        }
      };
      this.wake = check;
      check();
    });
  }
}

const sessions = new Map<string, VirshSession>();

/** The session of a connection (one per binary and URI in this process). */
export function sessionFor(binary: string, uri: string): VirshSession {
  const key = `${binary}\0${uri}`;
  let s = sessions.get(key);
  if (!s) sessions.set(key, (s = new VirshSession(binary, uri)));
  return s;
}

/** Ends every session (tests and benchmarks, between daemons). */
export function closeSessions(): void {
  for (const s of sessions.values()) s.close();
  sessions.clear();
}

/** virsh processes started by sessions so far. */
export function sessionSpawnCount(): number {
  return [...sessions.values()].reduce((n, s) => n + s.spawned, 0);
}

/** Commands run through sessions so far. */
export function sessionCommandCount(): number {
  return [...sessions.values()].reduce((n, s) => n + s.commands, 0);
}
