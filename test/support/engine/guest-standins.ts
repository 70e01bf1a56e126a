// The guests of a test lab as the phase Commands see them: one WinRM test server per VM, reached
// at the VM's management address inside the private libvirtd's network namespace.
//
//   homelab-winrm (run in the namespace with nsenter)
//     -> <guest ip>:<port> inside the namespace (a relay process there; the address is on its lo)
//     -> a unix socket in the test's folder -> the WinRM test server for that VM on 127.0.0.1.
//
// STAND-IN, marked as such: test/winrm/server.ts's PowerShell stand-in stops at a script's help
// block, so a phase script (identified by the hash of the text homelab-winrm sends, its modules
// inlined) gets a scripted outcome here instead (exit code and output), and everything else (the
// readiness probe, Restart-Computer after 3010) goes to the server's own stand-in. Replace this
// with the server's own whole-script support once it lands on main (issue 20).
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { inlineScriptModules } from "../../../winrm/bundle";
import { decodeBootstrap, WinRmTestServer } from "../../winrm/server";

export interface PhaseOutcome {
  exitCode: number;
  output?: string;
}

export interface ScriptRun {
  vm: string;
  script: string;
  params: Record<string, string>;
  started: number;
  ended: number;
}

export interface GuestStandIns {
  runs: ScriptRun[];
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
    } catch { /* gone */ }
    queue.push(...children(pid));
  }
  throw new Error(`no process in another network namespace under pid ${holderPid}: ${readdirSync("/proc").length} processes looked at`);
}

const RELAY = `
const net = require("net");
const [, ...pairs] = process.argv.slice(1);
let ready = 0;
for (const pair of pairs) {
  const [host, port, path] = pair.split(",");
  net.createServer((s) => { const u = net.connect(path); s.pipe(u).pipe(s); s.on("error", () => u.destroy()); u.on("error", () => s.destroy()); })
    .listen(Number(port), host, () => { if (++ready === pairs.length) console.log("ready"); });
}`;

/**
 * Starts a WinRM test server per VM and makes it answer at the VM's address inside the namespace.
 * `outcomes` maps "<vm> <script path>" to the scripted outcome; an unlisted phase script exits 0.
 */
export async function startGuestStandIns(opts: {
  nsPid: number;
  dir: string;
  projectDir: string;
  guests: { vm: string; ip: string }[];
  port: number;
  password: string;
  scripts: string[];
  outcomes: Record<string, PhaseOutcome>;
}): Promise<GuestStandIns> {
  const runs: ScriptRun[] = [];
  const byHash = new Map<string, string>();
  for (const s of opts.scripts) {
    const path = join(opts.projectDir, s);
    byHash.set(inlineScriptModules(readFileSync(path, "utf8"), path), s);
  }
  const servers: WinRmTestServer[] = [];
  const relays: net.Server[] = [];
  for (const g of opts.guests) {
    const server = await WinRmTestServer.start({ password: opts.password, computerName: g.vm, rebootDowntimeMs: 200 });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stand-in hook described above
    const s = server as any;
    const original = s.runStandIn.bind(server);
    s.runStandIn = async (cmd: unknown, stdin: string) => {
      const { script, params } = decodeBootstrap(stdin);
      const phaseScript = byHash.get(script);
      if (!phaseScript) return original(cmd, stdin);
      const run: ScriptRun = { vm: g.vm, script: phaseScript, params, started: Date.now(), ended: 0 };
      runs.push(run);
      const outcome = opts.outcomes[`${g.vm} ${phaseScript}`] ?? { exitCode: 0 };
      // Long enough for two guests' phases to be seen overlapping.
      await new Promise((r) => setTimeout(r, 300));
      if (outcome.output) s.emit(cmd, "stdout", outcome.output);
      run.ended = Date.now();
      s.finish(cmd, outcome.exitCode);
    };
    servers.push(server);
    const path = join(opts.dir, `winrm-${g.vm}.sock`);
    const relay = net.createServer((sock) => {
      const up = net.connect(server.port, "127.0.0.1");
      sock.pipe(up).pipe(sock);
      sock.on("error", () => up.destroy());
      up.on("error", () => sock.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(path, resolve));
    relays.push(relay);
  }
  for (const g of opts.guests) execFileSync("nsenter", ["-t", String(opts.nsPid), "-n", "ip", "addr", "add", `${g.ip}/32`, "dev", "lo"]);
  const inside: ChildProcess = spawn("nsenter", ["-t", String(opts.nsPid), "-n", "--", process.execPath, "-e", RELAY, "relay",
    ...opts.guests.map((g) => `${g.ip},${opts.port},${join(opts.dir, `winrm-${g.vm}.sock`)}`)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    inside.stdout!.setEncoding("utf8").on("data", (d: string) => { if (d.includes("ready")) resolve(); });
    inside.once("exit", (code) => reject(new Error(`the relay in the namespace exited (${code})`)));
  });
  return {
    runs,
    stop: async () => {
      if (inside.exitCode === null) {
        const gone = new Promise((r) => inside.once("exit", r));
        inside.kill("SIGTERM");
        await gone;
      }
      for (const r of relays) await new Promise((res) => r.close(() => res(undefined)));
      for (const s of servers) await s.stop();
    },
  };
}
