import { spawn } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { main } from "../../winrm/cli";
import { WinRmTestServer } from "./server";

const ROOT = join(__dirname, "..", "..");
const BIN = join(ROOT, "bin", "homelab-winrm.js");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns the real bin asynchronously (the test server lives in this process). */
function runBin(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      if (child.pid) process.kill(child.pid, "SIGKILL");
      reject(new Error(`bin did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs main() in-process with captured output. */
async function runMain(args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}

describe("homelab-winrm CLI", () => {
  let srv: WinRmTestServer;
  let dir: string;
  let script: string;
  const baseEnv = (): NodeJS.ProcessEnv => {
    const env = { ...process.env };
    delete env.WINRM_PASSWORD;
    return env;
  };

  beforeAll(async () => {
    srv = await WinRmTestServer.start({ outputChunkBytes: 4, maxStreamsPerReceive: 3 });
    dir = mkdtempSync(join(tmpdir(), "winrm-cli-"));
    script = join(dir, "s.ps1");
    writeFileSync(
      script,
      [
        "param([string]$Who, [string[]]$Forwarders, [switch]$Force, [int]$Port, [string]$Dsrm)",
        'Write-Output "hello $Who"',
        "[Console]::Error.WriteLine('warn 1')",
        "Write-Output 'Grüße 🚀'",
        "Write-Error 'warn 2'",
        "exit 7",
      ].join("\r\n"),
    );
  });
  afterAll(async () => {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const common = (): string[] => ["--host", "127.0.0.1", "--port", String(srv.port), "--user", srv.user];

  it("end to end through bin/: exit code, prefixed lines per stream, password nowhere", async () => {
    const r = await runBin(["run", ...common(), "--script", script, "--param", "Who=lab", "--name", "DC01", "--operation-timeout", "2"], {
      ...baseEnv(),
      WINRM_PASSWORD: srv.password,
    });
    // Any script failure is exit 1; the script's own code is on the last line.
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("[DC01] hello lab\n[DC01] Grüße 🚀\n");
    expect(r.stderr).toBe("[DC01] warn 1\n[DC01] warn 2\n[DC01] homelab-winrm: the script failed with exit code 7\n");
    expect(r.stdout + r.stderr).not.toContain(srv.password);
  });

  it("prefixes with the host when --name is absent", async () => {
    const r = await runMain(["run", ...common(), "--script", script], { ...baseEnv(), WINRM_PASSWORD: srv.password });
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe("[127.0.0.1] hello ");
  });

  it("refuses to run without WINRM_PASSWORD (exit 2)", async () => {
    const r = await runMain(["run", ...common(), "--script", script], baseEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/WINRM_PASSWORD/);
  });

  it("refuses a password on the command line without echoing it", async () => {
    const r = await runMain(["run", ...common(), "--script", script, "--password=Hunter2!"], { ...baseEnv(), WINRM_PASSWORD: srv.password });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not accepted on the command line/);
    expect(r.stdout + r.stderr).not.toContain("Hunter2!");
  });

  it("wrong password: exit 3, one clear line naming host and user, no stack, no password", async () => {
    const r = await runBin(["run", ...common(), "--script", script, "--name", "DC01", "--auth-retry", "0"], {
      ...baseEnv(),
      WINRM_PASSWORD: "Wrong-Secret-123",
    });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`127.0.0.1:${srv.port}`);
    expect(r.stderr).toContain(`"${srv.user}"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout + r.stderr).not.toContain("Wrong-Secret-123");
  });

  it("refuses --transport basic over HTTP without --allow-unencrypted", async () => {
    const r = await runMain(["run", ...common(), "--transport", "basic", "--script", script], { ...baseEnv(), WINRM_PASSWORD: srv.password });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing Basic authentication over plain HTTP/);
  });

  it("wait prints the boot time", async () => {
    const r = await runMain(["wait", ...common(), "--timeout", "10"], { ...baseEnv(), WINRM_PASSWORD: srv.password });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${srv.bootTime}\n`);
  });

  it("usage errors exit 2", async () => {
    const r = await runMain(["run", "--host", "x"], baseEnv());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option/);
  });

  it("takes typed parameters from --params-env and secrets from --secret-param, and echoes no secret", async () => {
    const secret = "Dsrm-S3cret!'\"$x";
    const r = await runMain(
      [
        "run",
        ...common(),
        "--script",
        script,
        "--name",
        "DC01",
        "--operation-timeout",
        "2",
        "--params-env",
        "PHASE_PARAMS",
        "--secret-param",
        "Dsrm=PHASE_SECRET",
      ],
      {
        ...baseEnv(),
        WINRM_PASSWORD: srv.password,
        PHASE_PARAMS: JSON.stringify({ Who: "json", Forwarders: ["192.0.2.1", "192.0.2.2"], Force: true, Port: 1433 }),
        PHASE_SECRET: secret,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[DC01] hello json\n");
    expect(srv.lastParams).toEqual({ Who: "json", Forwarders: ["192.0.2.1", "192.0.2.2"], Force: true, Port: 1433, Dsrm: secret });
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toContain(srv.password);
  });

  it("names a missing --secret-param variable without a value, and refuses a parameter given twice", async () => {
    const env = { ...baseEnv(), WINRM_PASSWORD: srv.password, P: JSON.stringify({ Who: "a" }) };
    const missing = await runMain(["run", ...common(), "--script", script, "--secret-param", "Dsrm=NOT_SET_ANYWHERE"], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--secret-param Dsrm: the environment variable NOT_SET_ANYWHERE is not set");
    const twice = await runMain(["run", ...common(), "--script", script, "--param", "Who=b", "--params-env", "P"], env);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("parameter Who is given by both --param and --params-env P");
    const notJson = await runMain(["run", ...common(), "--script", script, "--params-env", "WINRM_PASSWORD"], env);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain("the environment variable WINRM_PASSWORD is not JSON");
    expect(notJson.stderr).not.toContain(srv.password);
  });

  it("inlines modules the script imports through $PSScriptRoot, which is empty over WinRM", async () => {
    const mod = join(dir, "modules");
    require("fs").mkdirSync(mod, { recursive: true });
    writeFileSync(join(mod, "Greeter.psm1"), "function Get-Greeting { 'hi' }\r\n");
    const sub = join(dir, "phase");
    require("fs").mkdirSync(sub, { recursive: true });
    const withModule = join(sub, "p.ps1");
    writeFileSync(withModule, "Import-Module (Join-Path $PSScriptRoot '..\\modules\\Greeter.psm1') -Force\r\nWrite-Output 'done'\r\nexit 0\r\n");
    // The stand-in cannot run New-Module, so check what was sent: the module's text, inlined.
    const { inlineScriptModules } = require("../../winrm/bundle");
    const bundled: string = inlineScriptModules(require("fs").readFileSync(withModule, "utf8"), withModule);
    expect(bundled).not.toContain("$PSScriptRoot");
    expect(bundled).toMatch(
      /^New-Module -Name 'Greeter' -ScriptBlock \(\[ScriptBlock\]::Create\(\[System\.Text\.Encoding\]::UTF8\.GetString\(\[System\.Convert\]::FromBase64String\('([A-Za-z0-9+/=]+)'\)\)\)\) \| Import-Module -Force\r$/m,
    );
    const b64 = /FromBase64String\('([A-Za-z0-9+/=]+)'\)/.exec(bundled)![1];
    expect(Buffer.from(b64, "base64").toString("utf8")).toBe("function Get-Greeting { 'hi' }\r\n");
    const missing = join(sub, "q.ps1");
    writeFileSync(missing, "Import-Module (Join-Path $PSScriptRoot '..\\modules\\Nope.psm1') -Force\r\n");
    const r = await runMain(["run", ...common(), "--script", missing], { ...baseEnv(), WINRM_PASSWORD: srv.password });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("imports ..\\modules\\Nope.psm1, which is not at");
  });
});
