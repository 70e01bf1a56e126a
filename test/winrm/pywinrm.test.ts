/**
 * An independent client against the test double: Debian's pywinrm (python3-winrm 0.3.0, run with
 * /usr/bin/python3). It must pass every case for NTLM with sealing, Basic over HTTPS and Basic
 * over HTTP: a command, a PowerShell script, stdin, a non-zero exit from each, an unknown command
 * with stderr, a wrong password. A missing python3-winrm FAILS this test (CI installs it; see .ci/run).
 * pywinrm's NTLM needs MD4, which OpenSSL 3 keeps in its legacy provider: the child gets an
 * OPENSSL_CONF that loads it.
 */
import { spawn } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { makeSelfSignedCert } from "./helpers";
import { WinRmTestServer, startWinrmTestServer } from "./server";

const PYTHON = "/usr/bin/python3";
const CASES = join(__dirname, "pywinrm", "cases.py");

let dir: string;
let opensslConf: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pywinrm-"));
  opensslConf = join(dir, "openssl.cnf");
  writeFileSync(
    opensslConf,
    [
      "openssl_conf = openssl_init",
      "[openssl_init]",
      "providers = provider_sect",
      "[provider_sect]",
      "default = default_sect",
      "legacy = legacy_sect",
      "[default_sect]",
      "activate = 1",
      "[legacy_sect]",
      "activate = 1",
      "",
    ].join("\n"),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface CaseResult {
  status?: number;
  stdout?: string;
  stderr?: string;
  error?: string;
  message?: string;
}

interface Results {
  pywinrm: string;
  command: CaseResult;
  powershell: CaseResult;
  nonzero: CaseResult;
  nonzero_ps: CaseResult;
  unknown_command: CaseResult;
  stdin_supported: boolean;
  stdin: CaseResult;
  wrong_password: { refused?: boolean; error?: string; message?: string };
}

function runPywinrm(cfg: Record<string, unknown>): Promise<Results> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [CASES], {
      env: { PATH: "/usr/bin:/bin", OPENSSL_CONF: opensslConf, PYWINRM_CASE: JSON.stringify(cfg) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", (e) => reject(new Error(`cannot run ${PYTHON}: ${e.message} (install python3-winrm)`)));
    child.on("close", (code) => {
      clearTimeout(t);
      if (code !== 0) return reject(new Error(`pywinrm cases exited ${code}: ${stderr.slice(-2000)} (is python3-winrm installed?)`));
      resolve(JSON.parse(stdout) as Results);
    });
  });
}

/** Every case, written out: what Windows answers to pywinrm's run_cmd and run_ps. */
function expectAllCases(r: Results): void {
  expect(r.command).toEqual({ status: 0, stdout: "hello from cmd\r\n", stderr: "" });
  expect(r.powershell).toEqual({ status: 0, stdout: "from powershell\r\n", stderr: "" });
  expect(r.nonzero).toEqual({ status: 3, stdout: "", stderr: "" });
  expect(r.nonzero_ps).toEqual({ status: 1603, stdout: "failing\r\n", stderr: "" });
  expect(r.unknown_command).toEqual({
    status: 9009,
    stdout: "",
    stderr: "'no-such-tool' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n",
  });
  // Finding (winrm/README.md): pywinrm 0.3.0 has no stdin call; Send built with its own header
  // builder and transport (what 0.4's send_command_input does) reaches the command.
  expect(r.stdin_supported).toBe(false);
  expect(r.stdin).toEqual({ status: 0, stdout: "line one\r\nzwei – ü\r\n", stderr: "" });
  expect(r.wrong_password).toMatchObject({ refused: true });
}

describe("pywinrm (python3-winrm) against the test double", () => {
  const servers: WinRmTestServer[] = [];
  afterAll(() => Promise.all(servers.map((s) => s.stop())));

  it("NTLM with message encryption over HTTP (AllowUnencrypted=false)", async () => {
    const srv = await startWinrmTestServer();
    servers.push(srv);
    const r = await runPywinrm({ endpoint: `http://127.0.0.1:${srv.port}/wsman`, transport: "ntlm", user: srv.user, password: srv.password });
    expect(r.pywinrm).toBe("0.3.0");
    expectAllCases(r);
    // Every message after the handshakes was sealed; nothing plain was accepted.
    expect(srv.stats.sealedRequests).toBeGreaterThanOrEqual(5 * 4);
    expect(srv.stats.rejectedUnsealed).toBe(0);
    expect(srv.records.map((p) => p.commandLine)).toEqual([
      "echo hello from cmd",
      expect.stringMatching(/^powershell -encodedcommand [A-Za-z0-9+/=]+$/),
      "cmd /c exit /b 3",
      expect.stringMatching(/^powershell -encodedcommand [A-Za-z0-9+/=]+$/),
      "no-such-tool",
      "more",
    ]);
  }, 120_000);

  it("Basic over HTTPS", async () => {
    const cert = await makeSelfSignedCert();
    if (!cert) throw new Error("openssl could not make a test certificate");
    try {
      const srv = await startWinrmTestServer({ tls: { key: cert.key, cert: cert.cert } });
      servers.push(srv);
      const r = await runPywinrm({
        endpoint: `https://127.0.0.1:${srv.port}/wsman`,
        transport: "basic",
        user: srv.user,
        password: srv.password,
        insecure: true,
      });
      expectAllCases(r);
      expect(srv.stats.sealedRequests).toBe(0);
    } finally {
      cert.cleanup();
    }
  }, 120_000);

  it("Basic over HTTP with AllowUnencrypted=true", async () => {
    const srv = await startWinrmTestServer({ allowUnencrypted: true });
    servers.push(srv);
    const r = await runPywinrm({ endpoint: `http://127.0.0.1:${srv.port}/wsman`, transport: "basic", user: srv.user, password: srv.password });
    expectAllCases(r);
  }, 120_000);
});
