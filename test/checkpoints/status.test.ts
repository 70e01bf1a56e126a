// `lab status` for a running lab: domains in a private libvirtd, WinRM through the project's
// client against the protocol-faithful test server (test/winrm/server.ts, unchanged).
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCheckpoint } from "../../checkpoints/checkpoints";
import { Host } from "../../checkpoints/host";
import { checkpointRoot, layout } from "../../checkpoints/layout";
import { LICENCE_SCRIPT, parseLicence, readLicence, rearm, REARM_SCRIPT } from "../../checkpoints/licence";
import { runWrappedPhase } from "../../checkpoints/phase-wrapper";
import { formatStatus, gatherStatus, installState, serialLogPath } from "../../checkpoints/status";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { PROJECT_DIR } from "../support/stacks";
import { WinRmTestServer } from "../winrm/server";
import { buildFixture, Fixture, STACK } from "./fixture";

jest.setTimeout(240_000);

// What a Windows Server 2022 evaluation would print (LicenseStatus 1, 259,000 minutes = 179.9 days).
const LICENCE_JSON = '{"name":"Windows(R), ServerStandardEval edition","licenseStatus":1,"gracePeriodMinutes":259000,"rearmsLeft":5}';

describe("pure parts", () => {
  test("the licence JSON line becomes whole days, rounded down", () => {
    expect(parseLicence(`#< CLIXML\r\n${LICENCE_JSON}\r\n`)).toEqual({
      name: "Windows(R), ServerStandardEval edition",
      status: "licensed",
      daysLeft: 179,
      rearmsLeft: 5,
    });
    expect(parseLicence('{"name":"x","licenseStatus":5,"gracePeriodMinutes":1439,"rearmsLeft":0}')).toEqual({
      name: "x",
      status: "notification",
      daysLeft: 0,
      rearmsLeft: 0,
    });
    expect(() => parseLicence("nothing")).toThrow('no licence JSON in the guest\'s answer: "nothing"');
    expect(() => parseLicence('{"name":"x"}')).toThrow("the guest's licence answer has no number licenseStatus");
  });
  test("the licence and rearm scripts ask the documented classes", () => {
    expect(LICENCE_SCRIPT).toContain("Get-CimInstance -ClassName SoftwareLicensingProduct");
    expect(LICENCE_SCRIPT).toContain("ApplicationID='55c92734-d682-4d71-983e-d6ec3f16059f'");
    expect(LICENCE_SCRIPT).toContain("GracePeriodRemaining");
    expect(REARM_SCRIPT).toContain('slmgr.vbs" /rearm');
    expect(REARM_SCRIPT.split("\n").at(-1)).toBe("exit 3010");
  });
  test("the serial log path and the install marker", () => {
    const xml = "<domain><devices><serial type='file'><source path='/var/log/x.serial'/><target port='0'/></serial></devices></domain>";
    expect(serialLogPath(xml)).toBe("/var/log/x.serial");
    expect(serialLogPath("<domain><devices><serial type='pty'><log file='/l' append='on'/></serial></devices></domain>")).toBe("/l");
    expect(serialLogPath("<domain><devices/></domain>")).toBeUndefined();
    expect(installState("BdsDxe: loading\r\nHOMELAB-INSTALL-DONE DC01\r\n", "/l")).toEqual({ finished: true, detail: "marker in /l" });
    expect(installState("BdsDxe: loading\r\nHOMELAB-INSTALL-FAILED DC01 Enable-LabWinRM.ps1 exited with 1\r\n", "/l")).toEqual({
      finished: false,
      detail: "the bootstrap reported a failure in /l",
    });
    expect(installState("BdsDxe: loading\n", "/l")).toEqual({ finished: false, detail: "no marker yet in /l" });
    expect(installState(undefined, undefined)).toEqual({ finished: null, detail: "no serial log in the domain" });
  });
});

describe("status of a running lab", () => {
  let daemon: PrivateLibvirtd;
  let fx: Fixture;
  let server: WinRmTestServer;
  let serial: string;

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    fx = await buildFixture(daemon, ["W1", "W2"]);
    // What Windows answers to the licence query is scripted (the double cannot run CIM); the script it gets is the real one.
    server = await WinRmTestServer.start({
      password: "Status-Test-1!",
      outcomes: [
        { match: "SoftwareLicensingProduct", outcome: { exitCode: 0, stdout: `${LICENCE_JSON}\r\n` } },
        {
          match: "slmgr.vbs",
          outcome: { exitCode: 3010, stdout: "Command completed successfully.\r\nPlease restart the system for the changes to take effect.\r\n" },
        },
      ],
    });
    // Windows domains log their first serial port to /var/log/libvirt/qemu/<VM>-serial.log (the
    // renderer, for the unattended install); W2's is moved to a file where the marker already stands.
    serial = join(daemon.dir, "log", "W2.serial.log");
    writeFileSync(serial, "HOMELAB-INSTALL-DONE W2\r\n");
    const xml = (await fx.virsh.domainXml("W2")).replace("/var/log/libvirt/qemu/W2-serial.log", serial);
    await fx.virsh.defineDomain(xml);
    const lay = layout(checkpointRoot(fx.spec.pool.path));
    await createCheckpoint({ layout: lay, host: new Host({ uri: daemon.uri, swtpmDir: fx.swtpmDir }) }, { name: "before-sql", vms: ["W1"] });
    await runWrappedPhase({
      phase: "w1-winrm",
      vms: ["W1"],
      uri: daemon.uri,
      poolPath: fx.spec.pool.path,
      checkpoint: false,
      command: ["true"],
      log: () => undefined,
    });
    await fx.virsh.startDomain("W1");
  });
  afterAll(async () => {
    await server?.stop();
    await daemon?.stop();
  });

  test("library: every column, the licence read over WinRM", async () => {
    const rows = await gatherStatus(fx.spec, {
      layout: layout(checkpointRoot(fx.spec.pool.path)),
      virsh: fx.virsh,
      winrm: () => ({ host: "127.0.0.1", port: server.port, user: server.user, password: server.password, kind: "ntlm" }),
    });
    expect(server.lastScript).toBe(LICENCE_SCRIPT);
    expect(rows).toEqual([
      {
        vm: "W1",
        role: "windows",
        os: "windows-server-2022",
        state: "running",
        addresses: [{ network: "ckpt-net", mac: fx.spec.vms[0].nics[0].mac, ip: "192.168.91.10", addressing: "static" }],
        managementIp: "192.168.91.10",
        install: { finished: null, detail: "serial log /var/log/libvirt/qemu/W1-serial.log not written yet" },
        phases: [{ phase: "w1-winrm", result: "succeeded", attempts: 1, exitCode: 0, at: expect.any(String) }],
        checkpoints: ["before-sql"],
        licence: { name: "Windows(R), ServerStandardEval edition", status: "licensed", daysLeft: 179, rearmsLeft: 5 },
      },
      {
        vm: "W2",
        role: "windows",
        os: "windows-server-2022",
        state: "shut off",
        addresses: [{ network: "ckpt-net", mac: fx.spec.vms[1].nics[0].mac, ip: "192.168.91.11", addressing: "static" }],
        managementIp: "192.168.91.11",
        install: { finished: true, detail: `marker in ${serial}` },
        phases: [],
        checkpoints: [],
        licence: { skipped: "the VM is shut off" },
      },
    ]);
    const lines = formatStatus(rows).split("\n");
    expect(lines[0]).toMatch(/^VM\s+STATE\s+ADDRESSES\s+INSTALL\s+PHASES\s+CHECKPOINTS\s+LICENCE$/);
    expect(lines[1]).toMatch(/^W1\s+running\s+ckpt-net=192\.168\.91\.10\s+\?\s+1\/1 ok; last w1-winrm succeeded \S+Z\s+before-sql\s+179 days \(5 rearms\)$/);
    expect(lines[2]).toMatch(/^W2\s+shut off\s+ckpt-net=192\.168\.91\.11\s+finished\s+-\s+-\s+not read: the VM is shut off$/);
  });

  const lab = (args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const clean = { ...process.env };
      delete clean.WINRM_PASSWORD;
      execFile(
        process.execPath,
        [join(PROJECT_DIR, "bin", "homelab.js"), ...args],
        { cwd: PROJECT_DIR, timeout: 120_000, env: { ...clean, ...env } },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  test("command --json: the licence read over WinRM for the running Windows VM, skipped for the shut-off one", async () => {
    const r = await lab(["status", "--stack", STACK, "--project", fx.project, "--json", "--winrm-via", `W1=127.0.0.1:${server.port}`], {
      WINRM_PASSWORD: server.password,
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.stack).toBe(STACK);
    expect(out.vms.map((v: { vm: string; state: string }) => [v.vm, v.state])).toEqual([
      ["W1", "running"],
      ["W2", "shut off"],
    ]);
    expect(out.vms[0].licence).toEqual({ name: "Windows(R), ServerStandardEval edition", status: "licensed", daysLeft: 179, rearmsLeft: 5 });
    expect(out.vms[1].licence).toEqual({ skipped: "the VM is shut off" });
    expect(out.vms[0].checkpoints).toEqual(["before-sql"]);
  });

  test("a guest that refuses the licence query is reported in its row, not fatal", async () => {
    const refusing = await WinRmTestServer.start({
      outcomes: [{ match: "SoftwareLicensingProduct", outcome: { exitCode: 1, stderr: "Get-CimInstance : Access denied\r\n" } }],
    });
    try {
      const rows = await gatherStatus(fx.spec, {
        layout: layout(checkpointRoot(fx.spec.pool.path)),
        virsh: fx.virsh,
        winrm: () => ({ host: "127.0.0.1", port: refusing.port, user: refusing.user, password: refusing.password, kind: "ntlm" }),
      });
      expect(rows[0].licence).toEqual({ error: "command exited with 1: Get-CimInstance : Access denied" });
      expect(formatStatus(rows).split("\n")[1]).toMatch(/error: command exited with 1: Get-CimInstance : Access denied$/);
    } finally {
      await refusing.stop();
    }
  });

  test("command table without WINRM_PASSWORD says how to get the licence column", async () => {
    const r = await lab(["status", "--stack", STACK, "--project", fx.project], {});
    expect(r.code).toBe(0);
    const w1 = r.stdout.split("\n").find((l) => l.startsWith("W1 "));
    expect(w1).toMatch(/not read: set WINRM_PASSWORD to the guests' Administrator password \(homelab:adminPassword\) to read it$/);
  });

  test("rearm: slmgr /rearm's 3010 restarts the guest and waits for it to come back", async () => {
    const client = { host: "127.0.0.1", port: server.port, user: server.user, password: server.password, kind: "ntlm" as const };
    const reboots = server.stats.reboots;
    const events: string[] = [];
    const result = await rearm(client, { onEvent: (m) => events.push(m), pollIntervalMs: 100 });
    expect(result).toMatchObject({ exitCode: 0, scriptExitCode: 3010, rebooted: true });
    expect(server.stats.reboots).toBe(reboots + 1);
    expect(server.records.flatMap((r) => r.runs).map((run) => run.script)).toContain(REARM_SCRIPT);
    expect(events).toContain(`script exited 3010 (success, reboot required): restarting 127.0.0.1:${server.port}`);
    await expect(readLicence(client)).resolves.toMatchObject({ daysLeft: 179 });
  });

  test("rearm refuses a VM that is not in the stack", async () => {
    const r = await lab(["rearm", "--stack", STACK, "--project", fx.project, "--vm", "LNX9"], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('homelab rearm: --vm "LNX9" is not a VM of this stack (homelab:vms has W1, W2)\n');
  });
});
