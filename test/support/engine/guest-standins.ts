// The guests of a test lab as the phase Commands see them: the project's WinRM test double
// (test/winrm/serve.ts, a process of its own) at each VM's management address and port, inside
// the private libvirtd's network namespace, where the phase Commands run too (nsenter).
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** What the double records per finished process (test/winrm/serve.ts): synopses and parameter names, never values. */
export interface GuestRecord {
  runs: { synopsis: string | null; params: string[] }[];
  exitCode: number;
  forbiddenSeen: boolean;
}

export interface GuestStandIns {
  /** Each VM's finished processes that ran a script with a help block (the phases), in order, once the doubles wrote them. */
  phaseRuns(vm: string): Promise<GuestRecord[]>;
  stop(): Promise<void>;
}

/** A process inside the namespace whose holder is `holderPid` (the first descendant in another network namespace). */
export function namespacePid(holderPid: number): number {
  const ownNet = readlinkSync("/proc/self/ns/net");
  const children = (pid: number): number[] => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const queue = [holderPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== ownNet) return pid;
    } catch {
      /* gone */
    }
    queue.push(...children(pid));
  }
  throw new Error(`no process in another network namespace under pid ${holderPid}`);
}

/** The first line of a script's .SYNOPSIS: how the double names the phase it ran. */
export function synopsisOf(scriptPath: string): string {
  const m = /\.SYNOPSIS\s*\r?\n\s*(.+)/.exec(readFileSync(scriptPath, "utf8"));
  if (!m) throw new Error(`${scriptPath} has no .SYNOPSIS`);
  return m[1].trim();
}

// serve.ts takes its options from WINRM_DOUBLE; a 1 MiB scripted output does not fit one
// environment string (E2BIG), so the options come from a file and are set inside the process.
const LAUNCH = `process.env.WINRM_DOUBLE = require("fs").readFileSync(process.argv[1], "utf8");
require("ts-node").register({ transpileOnly: true });
require(require("path").resolve("test/winrm/serve.ts"));`;

/** Starts one double per VM at its address inside the namespace; `outcomes` by VM, rules as serve.ts reads them. */
export async function startGuestStandIns(opts: {
  nsPid: number;
  dir: string;
  /** Where test/winrm/serve.ts is (the repository checkout). */
  repoDir: string;
  guests: { vm: string; ip: string }[];
  port: number;
  password: string;
  /** Strings that must never appear in a command line or script block (the secrets). */
  forbidden: string[];
  /** One outcome, or one per run of the matching script (the last repeats), as serve.ts plays them. */
  outcomes: Record<string, { synopsis: string; outcome: { exitCode: number; stdout?: string } | { exitCode: number; stdout?: string }[] }[]>;
}): Promise<GuestStandIns> {
  const children: ChildProcess[] = [];
  const recordsOf = (vm: string) => join(opts.dir, `winrm-${vm}.jsonl`);
  for (const g of opts.guests) execFileSync("nsenter", ["-t", String(opts.nsPid), "-n", "ip", "addr", "add", `${g.ip}/32`, "dev", "lo"]);
  try {
    for (const g of opts.guests) {
      const config = join(opts.dir, `winrm-${g.vm}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          host: g.ip,
          port: opts.port,
          user: "Administrator",
          password: opts.password,
          computerName: g.vm,
          rebootDowntimeMs: 200,
          defaultOutcome: { exitCode: 0 },
          outcomes: opts.outcomes[g.vm] ?? [],
          recordsFile: recordsOf(g.vm),
          forbidden: opts.forbidden,
        }),
      );
      const child = spawn("nsenter", ["-t", String(opts.nsPid), "-n", "--", process.execPath, "-e", LAUNCH, config], {
        cwd: opts.repoDir,
        stdio: ["ignore", "pipe", "inherit"],
      });
      children.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.setEncoding("utf8").on("data", (d: string) => {
          if (d.includes('"port"')) resolve();
        });
        child.once("exit", (code) => reject(new Error(`the WinRM double for ${g.vm} exited (${code})`)));
      });
    }
  } catch (e) {
    for (const c of children) c.kill("SIGTERM");
    throw e;
  }
  return {
    phaseRuns: async (vm) => {
      // The double appends its records every 200 ms.
      await new Promise((r) => setTimeout(r, 500));
      return (
        existsSync(recordsOf(vm))
          ? readFileSync(recordsOf(vm), "utf8")
              .split("\n")
              .filter(Boolean)
              .map((l) => JSON.parse(l) as GuestRecord)
          : []
      ).filter((r) => r.runs.some((run) => run.synopsis !== null));
    },
    stop: async () => {
      await Promise.all(
        children
          .filter((c) => c.exitCode === null)
          .map((c) => {
            const gone = new Promise((r) => c.once("exit", r));
            c.kill("SIGTERM");
            return gone;
          }),
      );
    },
  };
}
