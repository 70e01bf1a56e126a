/**
 * What decides whether the first run against a real Windows guest works (issue: WinRM first
 * contact): output through a pipe, the exit-code table, a BOM, piped stdin, secrets out of every
 * script block, 401s ridden through after a DC promotion, progress while waiting, and whole phase
 * scripts through the double.
 */
import { spawn } from "child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { inlineScriptModules } from "../../winrm/bundle";
import { main } from "../../winrm/cli";
import { AuthenticationError, TimeoutError } from "../../winrm/errors";
import { buildStdin } from "../../winrm/powershell-stdin";
import { PROGRESS_INTERVAL_MS, waitForReady } from "../../winrm/readiness";
import { runScript } from "../../winrm/run";
import { WsmanClient } from "../../winrm/client";
import { runPowerShell } from "../../winrm/shell";
import { clientFor } from "./helpers";
import { WinRmTestServer, startSilentServer, startWinrmTestServer } from "./server";

const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "homelab-winrm.js");

let dir: string;
const servers: Array<{ stop: () => Promise<void> }> = [];
async function server(opts: Parameters<typeof startWinrmTestServer>[0] = {}): Promise<WinRmTestServer> {
  const s = await startWinrmTestServer(opts);
  servers.push(s);
  return s;
}
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "winrm-first-"));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function scriptFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function runMain(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

const common = (srv: WinRmTestServer): string[] => [
  "--host",
  "127.0.0.1",
  "--port",
  String(srv.port),
  "--user",
  srv.user,
  "--name",
  "VM",
  "--operation-timeout",
  "2",
];

describe("output through a pipe", () => {
  it("`homelab-winrm run ... | head -c 100000000 > out` keeps every byte of 10 MiB", async () => {
    const srv = await server();
    const script = scriptFile("big.ps1", "Write-Output ('x' * 10485760)\r\n");
    const out = join(dir, "out");
    const args = ["run", ...common(srv), "--script", script].map((a) => `'${a}'`).join(" ");
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn("bash", ["-c", `set -o pipefail; '${process.execPath}' '${BIN}' ${args} | head -c 100000000 > '${out}'`], {
        env: { ...process.env, WINRM_PASSWORD: srv.password },
        stdio: "ignore",
      });
      const t = setTimeout(() => child.kill("SIGKILL"), 110_000);
      child.on("close", (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    // "[VM] " + 10485760 x + "\n"
    expect(statSync(out).size).toBe(5 + 10485760 + 1);
    const text = readFileSync(out, "latin1");
    expect(text.startsWith("[VM] xxxx")).toBe(true);
    expect(text.endsWith("xxxx\n")).toBe(true);
  }, 120_000);
});

describe("the exit-code table", () => {
  let srv: WinRmTestServer;
  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, WINRM_PASSWORD: srv.password });
  beforeAll(async () => {
    srv = await server({ rebootDowntimeMs: 200 });
  });

  it.each([
    [259, 1],
    [1603, 1],
    [2, 1],
    [-1, 1],
  ])("a script's exit %d is CLI exit %d with the real code on the last line", async (scriptCode, cliCode) => {
    const r = await runMain(["run", ...common(srv), "--script", scriptFile(`e${scriptCode}.ps1`, `Write-Output 'work'\nexit ${scriptCode}\n`)], env());
    expect(r.code).toBe(cliCode);
    expect(r.stdout).toBe("[VM] work\n");
    expect(r.stderr.trimEnd().split("\n").pop()).toBe(`[VM] homelab-winrm: the script failed with exit code ${scriptCode}`);
  });

  it("a script's exit 0 is 0, and 3010 is 0 once the reboot it asked for completed", async () => {
    const ok = await runMain(["run", ...common(srv), "--script", scriptFile("ok.ps1", "exit 0\n")], env());
    expect(ok).toEqual({ code: 0, stdout: "", stderr: "" });
    const reboots = srv.stats.reboots;
    const reboot = await runMain(["run", ...common(srv), "--script", scriptFile("r.ps1", "Write-Output 'installed'\nexit 3010\n")], env());
    expect(reboot.code).toBe(0);
    expect(reboot.stdout).toBe("[VM] installed\n");
    expect(srv.stats.reboots).toBe(reboots + 1);
  }, 30_000);

  it("no arguments is a usage error (2); --help is 0", async () => {
    const none = await runMain([], env());
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: homelab-winrm");
    const help = await runMain(["--help"], env());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes: 0 the script succeeded (0, or 3010/1641 after the reboot it asked for); 1 the script failed");
  });
});

describe("what reaches PowerShell", () => {
  it("a UTF-8 BOM at the start of a script file is stripped (U+FEFF is not whitespace to PowerShell)", async () => {
    const srv = await server();
    const bom = scriptFile("bom.ps1", '\uFEFFparam([string]$Who)\r\nWrite-Output "hi $Who"\r\n');
    const r = await runMain(["run", ...common(srv), "--script", bom, "--param", "Who=lab"], { WINRM_PASSWORD: srv.password });
    expect(r).toEqual({ code: 0, stdout: "[VM] hi lab\n", stderr: "" });
    expect(srv.lastScript.startsWith("param(")).toBe(true);
    // The double keeps the BOM's real effect: sent raw, it breaks the first token.
    const client = new WsmanClient(clientFor(srv));
    try {
      let err = "";
      const raw = Buffer.concat([Buffer.from("{}\n"), Buffer.from("\uFEFFparam()\nWrite-Output 'x'\n")]);
      const code = await runPowerShell(client, raw, { onStderr: (t) => (err += t) }, Date.now() + 10000);
      expect(code).toBe(1);
      expect(err).toContain("is not recognized");
    } finally {
      client.close();
    }
  });

  it("stdin is piped, not console input (WINRS_CONSOLEMODE_STDIN=FALSE), and the command line is the fixed bootstrap", async () => {
    const srv = await server();
    await runScript({ ...clientFor(srv), script: "Write-Output 'x'\n", timeoutMs: 10000 });
    expect(srv.records.length).toBeGreaterThanOrEqual(2);
    for (const r of srv.records) {
      expect(r.options).toEqual({ WINRS_CONSOLEMODE_STDIN: "FALSE", WINRS_SKIP_CMD_SHELL: "FALSE" });
      expect(r.commandLine).toMatch(/^powershell\.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -OutputFormat Text -EncodedCommand [A-Za-z0-9+/=]+$/);
    }
    expect(new Set(srv.records.map((r) => r.commandLine)).size).toBe(1);
  });

  it("no secret value appears in any script block or command line; the script still receives it", async () => {
    const srv = await server();
    const secret = "Dsrm-S3cret!'\"$(x)é";
    const other = "Sql-Svc-P@ss";
    const script = scriptFile("sec.ps1", 'param([string]$Dsrm, [string]$SqlPassword, [string]$Site)\r\nWrite-Output "site $Site"\r\n');
    const r = await runMain(["run", ...common(srv), "--script", script, "--secret-param", "Dsrm=S1", "--params-env", "P"], {
      WINRM_PASSWORD: srv.password,
      S1: secret,
      P: JSON.stringify({ SqlPassword: other, Site: "LAB" }),
    });
    expect(r).toEqual({ code: 0, stdout: "[VM] site LAB\n", stderr: "" });
    expect(srv.lastParams).toEqual({ Dsrm: secret, SqlPassword: other, Site: "LAB" });
    const blocks = srv.scriptBlocks;
    expect(blocks.length).toBeGreaterThanOrEqual(4); // bootstrap + script block, for the readiness probe and the run
    for (const text of [...blocks, ...srv.records.map((p) => p.commandLine)]) {
      for (const s of [secret, other, srv.password]) {
        expect(text).not.toContain(s);
        expect(text).not.toContain(Buffer.from(s).toString("base64"));
      }
      expect(text).not.toContain("FromBase64String");
    }
  });

  it("parameters keep their JSON types: string, number, boolean, string array", async () => {
    const srv = await server();
    const r = await runScript({
      ...clientFor(srv),
      script: 'param([string]$S, [int]$N, [switch]$B, [string[]]$A)\nWrite-Output "$S $N $B $A"\n',
      params: { S: "text", N: 1433, B: true, A: ["192.0.2.1", "192.0.2.2"] },
      onStdout: () => undefined,
      timeoutMs: 10000,
    });
    expect(r.exitCode).toBe(0);
    expect(srv.lastParams).toEqual({ S: "text", N: 1433, B: true, A: ["192.0.2.1", "192.0.2.2"] });
    expect(buildStdin("x", { N: 5 }).toString()).toBe('{"N":5}\nx');
  });
});

describe("waiting for a guest", () => {
  it("rides through 401s right after a DC promotion, bounded by authGraceMs", async () => {
    const srv = await server();
    srv.refuseLogonsFor(1500);
    const events: string[] = [];
    let out = "";
    const r = await runScript({
      ...clientFor(srv),
      script: "Write-Output 'logged on'\n",
      onStdout: (t) => (out += t),
      onEvent: (m) => events.push(m),
      authGraceMs: 20000,
      pollIntervalMs: 100,
      timeoutMs: 30000,
    });
    expect(r.exitCode).toBe(0);
    expect(out).toBe("logged on\r\n");
    expect(events[0]).toMatch(/^waiting for a PowerShell command as Administrator on 127\.0\.0\.1:\d+: authentication failed/);
    expect(srv.stats.authFailures).toBeGreaterThanOrEqual(2);
  });

  it("a 401 that outlasts the grace is an authentication failure, not a timeout", async () => {
    const srv = await server();
    srv.refuseLogonsFor(60_000);
    const started = Date.now();
    const err = await runScript({ ...clientFor(srv), script: "exit 0\n", authGraceMs: 800, pollIntervalMs: 100, timeoutMs: 20000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(Date.now() - started).toBeLessThan(10000);
    const immediate = await runScript({ ...clientFor(srv), script: "exit 0\n", authGraceMs: 0, timeoutMs: 20000 }).catch((e: unknown) => e);
    expect(immediate).toBeInstanceOf(AuthenticationError);
  });

  it("prints what it waits for at a steady interval (30 s by default) while a guest never answers", async () => {
    expect(PROGRESS_INTERVAL_MS).toBe(30_000);
    const silent = await startSilentServer();
    servers.push(silent);
    const lines: string[] = [];
    const err = await waitForReady(
      { host: "127.0.0.1", port: silent.port, user: "u", password: "p" },
      { timeoutMs: 2000, pollIntervalMs: 100, attemptTimeoutMs: 300, progressIntervalMs: 400, onProgress: (m) => lines.push(m) },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    const still = lines.filter((l) => /^still waiting for WinRM Identify on 127\.0\.0\.1:\d+: \d+ s of 2 s; last error: /.test(l));
    expect(still.length).toBeGreaterThanOrEqual(3);
  });
});

describe("whole phase scripts through the double", () => {
  const phase = join(ROOT, "scripts", "client", "Install-SccmClient.ps1");
  const bundled = (): string => inlineScriptModules(readFileSync(phase, "utf8"), phase);
  const params = { SiteCode: "LAB", SiteServer: "CM01", ManagementPoint: "cm01.lab.test", ShareUser: "LAB\\push", SharePassword: "Push-P4ss" };
  const isClientPhase = (run: { synopsis?: string }): boolean => run.synopsis?.startsWith("The ConfigMgr client") === true;

  it("honours the help block and param(), and plays the scripted outcome: 1 with output", async () => {
    const srv = await server({ outcomes: [{ match: isClientPhase, outcome: { exitCode: 1, stdout: "ccmsetup failed\r\n", stderr: "see ccmsetup.log\r\n" } }] });
    let out = "";
    let err = "";
    const r = await runScript({ ...clientFor(srv), script: bundled(), params, onStdout: (t) => (out += t), onStderr: (t) => (err += t), timeoutMs: 20000 });
    expect(r).toMatchObject({ exitCode: 1, scriptExitCode: 1, rebooted: false });
    expect([out, err]).toEqual(["ccmsetup failed\r\n", "see ccmsetup.log\r\n"]);
    expect(srv.lastParams).toEqual(params);
  });

  it("3010 reboots the double and reports success; 0 is success", async () => {
    const srv = await server({ rebootDowntimeMs: 200, outcomes: [{ match: isClientPhase, outcome: { exitCode: 3010 } }] });
    const r = await runScript({ ...clientFor(srv), script: bundled(), params, pollIntervalMs: 100, timeoutMs: 20000 });
    expect(r).toMatchObject({ exitCode: 0, scriptExitCode: 3010, rebooted: true });
    const zero = await server({ defaultOutcome: { exitCode: 0 } });
    expect((await runScript({ ...clientFor(zero), script: bundled(), params, timeoutMs: 20000 })).exitCode).toBe(0);
  }, 30_000);

  it("fails as PowerShell would on a missing mandatory or an undeclared parameter", async () => {
    const srv = await server({ defaultOutcome: { exitCode: 0 } });
    let err = "";
    const { SiteCode: _omit, ...withoutSiteCode } = params;
    const r = await runScript({ ...clientFor(srv), script: bundled(), params: withoutSiteCode, onStderr: (t) => (err += t), timeoutMs: 20000 });
    expect(r.exitCode).toBe(1);
    expect(err).toBe("Cannot process command because of one or more missing mandatory parameters: SiteCode.\r\n");
    err = "";
    const r2 = await runScript({ ...clientFor(srv), script: bundled(), params: { ...params, Typo: "x" }, onStderr: (t) => (err += t), timeoutMs: 20000 });
    expect(r2.exitCode).toBe(1);
    expect(err).toBe("A parameter cannot be found that matches parameter name 'Typo'.\r\n");
  });

  it("without an outcome or default, a script the stand-in cannot run fails loudly", async () => {
    const srv = await server();
    let err = "";
    const r = await runScript({ ...clientFor(srv), script: bundled(), params, onStderr: (t) => (err += t), timeoutMs: 20000 });
    expect(r.exitCode).toBe(1);
    expect(err).toMatch(/^stand-in: unsupported line: /);
  });
});
