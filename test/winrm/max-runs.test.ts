/**
 * `homelab-winrm run --max-runs N`: the guest phases' rerun contract (issue 11). A script that
 * exits 3010/1641 is rebooted and run again with the same parameters, until a run exits 0 without
 * asking for a reboot, a run fails, or N runs all asked for a reboot (exit 6). The double plays a
 * sequence of outcomes per script and reboots for real (connections drop, a new boot time).
 */
import { spawn } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { main } from "../../winrm/cli";
import { nextStep } from "../../winrm/run";
import { Outcome, WinRmTestServer, startWinrmTestServer } from "./server";

const MARKER = "Install-LabThing";
const SECRET = "Dsrm-S3cret!'\"$x;é";

let dir: string;
let script: string;
const servers: WinRmTestServer[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "winrm-max-runs-"));
  script = join(dir, "phase.ps1");
  writeFileSync(script, `param([string]$Who, [string]$Dsrm)\r\n${MARKER} -Who $Who -Password $Dsrm\r\nexit 0\r\n`);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh double whose phase script plays `sequence`, one outcome per run. */
async function guest(sequence: Outcome[]): Promise<WinRmTestServer> {
  const srv = await startWinrmTestServer({ rebootDowntimeMs: 300, outcomes: [{ match: MARKER, outcome: sequence }] });
  servers.push(srv);
  return srv;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function argsFor(srv: WinRmTestServer, extra: string[]): string[] {
  return [
    "run",
    "--host",
    "127.0.0.1",
    "--port",
    String(srv.port),
    "--user",
    srv.user,
    "--name",
    "VM",
    "--script",
    script,
    "--param",
    "Who=lab",
    "--secret-param",
    "Dsrm=PHASE_SECRET",
    "--operation-timeout",
    "2",
    ...extra,
  ];
}

function envFor(srv: WinRmTestServer): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, WINRM_PASSWORD: srv.password, PHASE_SECRET: SECRET };
}

/** main() in this process, output captured. */
async function run(srv: WinRmTestServer, extra: string[]): Promise<Ran> {
  let stdout = "";
  let stderr = "";
  const code = await main(argsFor(srv, extra), { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env: envFor(srv) });
  return { code, stdout, stderr };
}

/** The real bin/homelab-winrm.js as a child process (asynchronously: the double lives in this process). */
function runBin(srv: WinRmTestServer, extra: string[]): Promise<Ran> {
  const root = join(__dirname, "..", "..");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "bin", "homelab-winrm.js"), ...argsFor(srv, extra)], {
      cwd: root,
      env: envFor(srv),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** The phase script's runs as the double saw them (the readiness and restart commands are other scripts). */
function phaseRuns(srv: WinRmTestServer): Array<Record<string, unknown>> {
  return srv.records
    .flatMap((r) => r.runs)
    .filter((r) => r.script.includes(MARKER))
    .map((r) => r.params);
}

function runLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => /homelab-winrm: run \d+ of \d+/.test(l));
}

function lastLine(text: string): string {
  return text.trimEnd().split("\n").pop() ?? "";
}

/** The secret reached the script only as bound data: never in a command line or a compiled script block. */
function expectSecretNeverScriptText(srv: WinRmTestServer, out: Ran): void {
  const forms = [SECRET, Buffer.from(SECRET, "utf8").toString("base64"), Buffer.from(SECRET, "utf16le").toString("base64")];
  const texts = srv.records.flatMap((r) => [r.commandLine, ...r.scriptBlocks]);
  expect(texts.length).toBeGreaterThan(0);
  for (const f of forms) {
    expect(texts.filter((t) => t.includes(f))).toEqual([]);
    expect(out.stdout + out.stderr).not.toContain(f);
  }
}

describe("homelab-winrm run --max-runs", () => {
  it("3010 then 0 with --max-runs 3: exit 0 after two runs and one reboot, same parameters both times", async () => {
    const srv = await guest([
      { exitCode: 3010, stdout: "installed, reboot needed\r\n" },
      { exitCode: 0, stdout: "already done\r\n" },
    ]);
    const bootBefore = srv.bootTime;
    const r = await run(srv, ["--max-runs", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("[VM] installed, reboot needed\n[VM] already done\n");
    expect(srv.stats.reboots).toBe(1);
    expect(srv.bootTime).not.toBe(bootBefore);
    expect(phaseRuns(srv)).toEqual([
      { Who: "lab", Dsrm: SECRET },
      { Who: "lab", Dsrm: SECRET },
    ]);
    expect(runLines(r.stderr)).toEqual([
      "[VM] homelab-winrm: run 1 of 3",
      `[VM] homelab-winrm: run 2 of 3 after reboot (run 1 exited 3010; boot time ${srv.bootTime})`,
    ]);
    expectSecretNeverScriptText(srv, r);
  }, 60_000);

  it("1641 (reboot initiated) counts like 3010", async () => {
    const srv = await guest([{ exitCode: 1641 }, { exitCode: 0 }]);
    const r = await run(srv, ["--max-runs", "2"]);
    expect(r.code).toBe(0);
    expect(srv.stats.reboots).toBe(1);
    expect(phaseRuns(srv)).toHaveLength(2);
    expect(runLines(r.stderr)[1]).toMatch(/^\[VM\] homelab-winrm: run 2 of 2 after reboot \(run 1 exited 1641; boot time /);
  }, 60_000);

  it("3010 on every run with --max-runs 2: exit 6 after two runs and two reboots, the message on the last line", async () => {
    const srv = await guest([{ exitCode: 3010 }, { exitCode: 3010 }, { exitCode: 3010 }]);
    const r = await run(srv, ["--max-runs", "2"]);
    expect(r.code).toBe(6);
    expect(phaseRuns(srv)).toHaveLength(2);
    expect(srv.stats.reboots).toBe(2);
    expect(lastLine(r.stderr)).toBe("[VM] homelab-winrm: the script still asks for a reboot after 2 runs (run 2 exited 3010; the guest was rebooted)");
    expectSecretNeverScriptText(srv, r);
  }, 60_000);

  it("through bin/: the process exits 6 and its last stderr line says why", async () => {
    const srv = await guest([{ exitCode: 3010 }]);
    const r = await runBin(srv, ["--max-runs", "2"]);
    expect(r.code).toBe(6);
    expect(lastLine(r.stderr)).toBe("[VM] homelab-winrm: the script still asks for a reboot after 2 runs (run 2 exited 3010; the guest was rebooted)");
    expect(srv.stats.reboots).toBe(2);
    expectSecretNeverScriptText(srv, r);
  }, 60_000);

  it("3010 then 1: exit 1 after the second run, its real code on the last line, no further run", async () => {
    const srv = await guest([{ exitCode: 3010 }, { exitCode: 1, stderr: "setup failed\r\n" }, { exitCode: 0 }]);
    const r = await run(srv, ["--max-runs", "3"]);
    expect(r.code).toBe(1);
    expect(phaseRuns(srv)).toHaveLength(2);
    expect(srv.stats.reboots).toBe(1);
    expect(r.stderr).toContain("[VM] setup failed\n");
    expect(lastLine(r.stderr)).toBe("[VM] homelab-winrm: the script failed with exit code 1");
  }, 60_000);

  it("a failure code above 255 is printed whole after a rerun", async () => {
    const srv = await guest([{ exitCode: 3010 }, { exitCode: 1603 }]);
    const r = await run(srv, ["--max-runs", "3"]);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toBe("[VM] homelab-winrm: the script failed with exit code 1603");
  }, 60_000);

  it("--max-runs 1 and no --max-runs keep the old contract: 3010 and its reboot end in 0 after one run", async () => {
    for (const extra of [["--max-runs", "1"], []]) {
      const srv = await guest([{ exitCode: 3010 }, { exitCode: 0 }]);
      const r = await run(srv, extra);
      expect(r.code).toBe(0);
      expect(phaseRuns(srv)).toHaveLength(1);
      expect(srv.stats.reboots).toBe(1);
      expect(runLines(r.stderr)).toEqual([]);
    }
  }, 60_000);

  it("a run that needs no reboot ends at once, whatever --max-runs allows", async () => {
    const srv = await guest([{ exitCode: 0 }]);
    const r = await run(srv, ["--max-runs", "3"]);
    expect(r.code).toBe(0);
    expect(phaseRuns(srv)).toHaveLength(1);
    expect(srv.stats.reboots).toBe(0);
    expect(runLines(r.stderr)).toEqual(["[VM] homelab-winrm: run 1 of 3"]);
  }, 30_000);

  it("--timeout bounds each run, not all runs together", async () => {
    // Each run takes about 4 s (the script's delay), the reboot about 1 s: each run fits in 8 s, the two together do not.
    const srv = await startWinrmTestServer({
      rebootDowntimeMs: 1000,
      outcomes: [
        {
          match: MARKER,
          outcome: [
            { exitCode: 3010, delayMs: 4000 },
            { exitCode: 0, delayMs: 4000 },
          ],
        },
      ],
    });
    servers.push(srv);
    const started = Date.now();
    const r = await run(srv, ["--max-runs", "2", "--timeout", "8"]);
    expect(r.code).toBe(0);
    expect(phaseRuns(srv)).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThan(8000);
  }, 60_000);

  it("refuses a --max-runs that is not a whole number of at least 1, naming the flag and the value", async () => {
    const srv = await guest([{ exitCode: 0 }]);
    for (const bad of ["0", "two", "1.5", "-1"]) {
      const r = await run(srv, ["--max-runs", bad]);
      expect(r.code).toBe(2);
      expect(lastLine(r.stderr)).toBe(`[VM] homelab-winrm: --max-runs must be a whole number of runs, 1 or more (e.g. --max-runs 3), got "${bad}"`);
    }
    expect(phaseRuns(srv)).toEqual([]);
  });

  it("--help documents the flag and exit code 6", async () => {
    let stdout = "";
    await main(["run", "--help"], { stdout: (s) => (stdout += s), stderr: () => undefined, env: {} });
    expect(stdout).toContain("--max-runs <n>");
    let top = "";
    await main(["--help"], { stdout: (s) => (top += s), stderr: () => undefined, env: {} });
    expect(top).toContain("6 with --max-runs N above 1: still asks for a reboot after\nN runs");
  });
});

describe("nextStep", () => {
  it.each([
    [{ exitCode: 0, rebooted: false }, 1, 3, "done"],
    [{ exitCode: 7, rebooted: false }, 1, 3, "failed"],
    [{ exitCode: 0, rebooted: true }, 1, 3, "run-again"],
    [{ exitCode: 0, rebooted: true }, 2, 3, "run-again"],
    [{ exitCode: 0, rebooted: true }, 3, 3, "still-asks-for-reboot"],
    [{ exitCode: 0, rebooted: true }, 1, 1, "done"],
    [{ exitCode: 1603, rebooted: false }, 3, 3, "failed"],
  ] as const)("%j after run %i of %i is %s", (result, runNo, maxRuns, expected) => {
    expect(nextStep(result, runNo, maxRuns)).toBe(expected);
  });
});
