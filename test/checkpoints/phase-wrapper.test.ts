// The automatic path end to end: a phase command wrapped by wrapPhaseCommand runs through the real
// `homelab-phase` bin against a real domain in a private libvirtd. The stand-in phase damages the
// VM's disk and NVRAM and fails the first time; the second time it fails unless that damage is
// gone (so it passes only if the revert really happened in between).
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkpointRoot, layout } from "../../checkpoints/layout";
import { isRiskyPhase, phaseVms } from "../../checkpoints/risky-phases";
import { buildPhaseGraph } from "../../phases/graph";
import { loadMediaManifest } from "../../media/manifest-schema";
import { runWrappedPhase, wrapPhaseCommand, wrapPhaseCommandForStack } from "../../checkpoints/phase-wrapper";
import type { Phase } from "../../phases/types";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { PROJECT_DIR, stackSpec } from "../support/stacks";
import { buildFixture, Fixture, STACK } from "./fixture";

jest.setTimeout(240_000);

const phase = (id: string, vm: string, extra: Partial<Phase> = {}): Phase => ({
  id,
  vm,
  host: "192.168.91.10",
  user: "Administrator",
  title: `${vm}: stand-in`,
  script: "scripts/sql/Install-SqlServer.ps1",
  params: {},
  secretParams: {},
  after: [],
  expectsReboot: false,
  maxRuns: 1,
  timeoutSeconds: 600,
  checkpoint: false,
  ...extra,
});

function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(argv[0], argv.slice(1), { cwd: PROJECT_DIR, env: { ...process.env, ...env }, timeout: 200_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (((err as { code?: number }).code as number) ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("which phases get a checkpoint, of which VMs", () => {
  const dev = stackSpec("dev");
  test("the phase graph's own mark decides: SQL setup and the site install, nothing else", () => {
    const marked = buildPhaseGraph(dev, loadMediaManifest())
      .phases.filter(isRiskyPhase)
      .map((p) => p.id);
    expect(marked).toEqual(["sccm01-sql-install", "sccm01-sccm-site-install"]);
    const split = stackSpec("split-sql");
    expect(
      buildPhaseGraph(split, loadMediaManifest())
        .phases.filter(isRiskyPhase)
        .map((p) => p.id),
    ).toEqual([`${split.sccm!.sqlServer.toLowerCase()}-sql-install`, `${split.sccm!.siteServer.toLowerCase()}-sccm-site-install`]);
  });
  test("the site install checkpoints the SQL host too when SQL runs elsewhere", () => {
    expect(phaseVms(phase("sccm01-sccm-site-install", "SCCM01", { checkpoint: true }), dev)).toEqual(["SCCM01"]);
    const split = stackSpec("split-sql");
    expect(split.sccm!.sqlServer).not.toBe(split.sccm!.siteServer);
    expect(phaseVms(phase(`${split.sccm!.siteServer.toLowerCase()}-sccm-site-install`, split.sccm!.siteServer, { checkpoint: true }), split)).toEqual([
      split.sccm!.siteServer,
      split.sccm!.sqlServer,
    ]);
  });
  test("wrapPhaseCommand: risky phases get --checkpoint, others only the record", () => {
    const settings = { uri: "qemu:///system", poolPath: "/var/lib/libvirt/images/homelab", checkpoints: "auto" as const };
    const cmd = ["npx", "--no-install", "homelab-winrm", "run", "--host", "192.168.122.11"];
    expect(wrapPhaseCommand(cmd, phase("sccm01-sql-install", "SCCM01", { checkpoint: true }), dev, settings)).toEqual([
      "node",
      "bin/homelab-phase.js",
      "--phase",
      "sccm01-sql-install",
      "--uri",
      "qemu:///system",
      "--pool-path",
      "/var/lib/libvirt/images/homelab",
      "--vm",
      "SCCM01",
      "--checkpoint",
      "--retries",
      "1",
      "--",
      "npx",
      "--no-install",
      "homelab-winrm",
      "run",
      "--host",
      "192.168.122.11",
    ]);
    expect(wrapPhaseCommand(cmd, phase("sccm01-adk", "SCCM01"), dev, settings)).toEqual([
      "node",
      "bin/homelab-phase.js",
      "--phase",
      "sccm01-adk",
      "--uri",
      "qemu:///system",
      "--pool-path",
      "/var/lib/libvirt/images/homelab",
      "--vm",
      "SCCM01",
      "--",
      "npx",
      "--no-install",
      "homelab-winrm",
      "run",
      "--host",
      "192.168.122.11",
    ]);
    expect(wrapPhaseCommand(cmd, phase("sccm01-sql-install", "SCCM01", { checkpoint: true }), dev, { ...settings, checkpoints: "off" })).not.toContain(
      "--checkpoint",
    );
  });
  test("wrapPhaseCommandForStack: the stack instead of the URI, pool and VM list", () => {
    const cmd = ["npx", "--no-install", "homelab-winrm", "run"];
    expect(
      wrapPhaseCommandForStack(cmd, phase("sccm01-sccm-site-install", "SCCM01", { checkpoint: true }), {
        stack: "dev",
        projectDir: "/srv/homelab",
        checkpoints: "auto",
      }),
    ).toEqual([
      "node",
      "bin/homelab-phase.js",
      "--phase",
      "sccm01-sccm-site-install",
      "--stack",
      "dev",
      "--project",
      "/srv/homelab",
      "--vm",
      "SCCM01",
      "--checkpoint",
      "--",
      "npx",
      "--no-install",
      "homelab-winrm",
      "run",
    ]);
    expect(wrapPhaseCommandForStack(cmd, phase("sccm01-adk", "SCCM01"), { stack: "dev", projectDir: "/srv/homelab", checkpoints: "auto" })).not.toContain(
      "--checkpoint",
    );
  });
});

describe("the phase wrapper against a real domain", () => {
  let daemon: PrivateLibvirtd;
  let fx: Fixture;
  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    fx = await buildFixture(daemon);
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  /** A stand-in phase: damages disk and NVRAM and fails the first time; the second time passes only if that damage is gone. */
  async function standIn(tag: string): Promise<{ script: string; count: string }> {
    const disk = await fx.disk("W1");
    const nvram = fx.spec.vms[0].nvramPath;
    const pristine = join(daemon.dir, `nvram-before-${tag}.fd`);
    copyFileSync(nvram, pristine);
    const count = join(daemon.dir, `attempts-${tag}`);
    const script = join(daemon.dir, `stand-in-phase-${tag}.sh`);
    writeFileSync(
      script,
      [
        "#!/bin/sh",
        `n=$(( $(cat ${count} 2>/dev/null || echo 0) + 1 )); echo $n > ${count}`,
        "if [ $n = 1 ]; then",
        `  qemu-io -f qcow2 -c 'write -P 0xee 0 64k' ${disk} >/dev/null`,
        `  printf 'half-installed' | dd of=${nvram} bs=1 seek=8192 conv=notrunc 2>/dev/null`,
        "  echo 'stand-in: setup failed half-way' >&2; exit 1",
        "fi",
        `if qemu-io -f qcow2 -r -c 'read -P 0xee 0 64k' ${disk} >/dev/null 2>&1; then echo 'stand-in: the disk still holds the failed attempt' >&2; exit 7; fi`,
        `cmp -s ${nvram} ${pristine} || { echo 'stand-in: the NVRAM still holds the failed attempt' >&2; exit 8; }`,
        "echo 'stand-in: setup succeeded'",
      ].join("\n") + "\n",
      { mode: 0o755 },
    );
    return { script, count };
  }

  test.each(["explicit", "stack"])("fails, reverts, retries and passes in one run, with the log lines to prove it (%s form)", async (form) => {
    const { script, count } = await standIn(form);
    const p = phase("w1-sql-install", "W1", { checkpoint: true });
    const argv =
      form === "explicit"
        ? wrapPhaseCommand([script], p, fx.spec, { uri: daemon.uri, poolPath: fx.spec.pool.path, checkpoints: "auto", swtpmDir: fx.swtpmDir })
        : wrapPhaseCommandForStack([script], p, { stack: STACK, projectDir: fx.project, checkpoints: "auto", swtpmDir: fx.swtpmDir });
    const result = await run(argv);
    expect(result.stderr).toContain("stand-in: setup failed half-way");
    expect(result.stdout).toContain("stand-in: setup succeeded");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n").filter((l) => l.startsWith("[phase w1-sql-install]"));
    expect(lines).toEqual(
      expect.arrayContaining([
        "[phase w1-sql-install] taking checkpoint auto-w1-sql-install of W1",
        "[phase w1-sql-install] checkpoint auto-w1-sql-install taken",
        `[phase w1-sql-install] attempt 1 of 2: ${script}  ...`,
        "[phase w1-sql-install] failed (exit 1): reverting W1 to checkpoint auto-w1-sql-install",
        "[phase w1-sql-install] W1: disk sda: back to homelab-auto-w1-sql-install",
        `[phase w1-sql-install] W1: restoring TPM state ${fx.tpmDir("W1")}`,
        "[phase w1-sql-install] reverted W1; retrying",
        "[phase w1-sql-install] succeeded on attempt 2",
        "[phase w1-sql-install] checkpoint auto-w1-sql-install deleted (the phase succeeded)",
      ]),
    );
    // In that order.
    const order = ["taking checkpoint", "attempt 1 of 2", "failed (exit 1)", "reverted W1", "attempt 2 of 2", "succeeded on attempt 2", "deleted"];
    const at = order.map((o) => lines.findIndex((l) => l.includes(o)));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(at).not.toContain(-1);

    expect(readFileSync(count, "utf8").trim()).toBe("2");
    const lay = layout(checkpointRoot(fx.spec.pool.path));
    expect(existsSync(lay.checkpoint("auto-w1-sql-install"))).toBe(false);
    expect(existsSync(lay.lock("W1"))).toBe(false);
    expect(JSON.parse(readFileSync(lay.phaseResult("w1-sql-install"), "utf8"))).toEqual({
      phase: "w1-sql-install",
      vms: ["W1"],
      result: "succeeded",
      exitCode: 0,
      attempts: 2,
      checkpoint: "auto-w1-sql-install",
      finishedAt: expect.any(String),
    });
  });

  test("a phase that fails twice exits with its code, keeps the checkpoint and says how to revert", async () => {
    const argv = wrapPhaseCommand(["sh", "-c", "echo 'stand-in: always fails' >&2; exit 4"], phase("w1-sql-install", "W1", { checkpoint: true }), fx.spec, {
      uri: daemon.uri,
      poolPath: fx.spec.pool.path,
      checkpoints: "auto",
      swtpmDir: fx.swtpmDir,
    });
    const result = await run(argv);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain("[phase w1-sql-install] failed (exit 4) on attempt 2, no retry left");
    expect(result.stdout).toContain(
      "[phase w1-sql-install] checkpoint auto-w1-sql-install kept: go back with `npm run lab -- checkpoint revert --stack <stack> --name auto-w1-sql-install`",
    );
    const lay = layout(checkpointRoot(fx.spec.pool.path));
    expect(existsSync(lay.vmRecord("auto-w1-sql-install", "W1"))).toBe(true);
    expect(JSON.parse(readFileSync(lay.phaseResult("w1-sql-install"), "utf8"))).toMatchObject({ result: "failed", exitCode: 4, attempts: 2 });
  });

  test("the next run reuses the kept checkpoint; an incomplete one is replaced", async () => {
    const lay = layout(checkpointRoot(fx.spec.pool.path));
    const lines: string[] = [];
    const base = {
      phase: "w1-sql-install",
      vms: ["W1"],
      uri: daemon.uri,
      poolPath: fx.spec.pool.path,
      swtpmDir: fx.swtpmDir,
      checkpoint: true,
      stack: STACK,
      log: (l: string) => lines.push(l),
    };
    expect(await runWrappedPhase({ ...base, command: ["true"] })).toBe(0);
    expect(lines[0]).toMatch(/^\[phase w1-sql-install\] reusing checkpoint auto-w1-sql-install kept by an earlier run \(\S+Z\)$/);
    expect(lines).toContain("[phase w1-sql-install] checkpoint auto-w1-sql-install deleted (the phase succeeded)");
    expect(lines.some((l) => l.includes("taking checkpoint"))).toBe(false);

    // A create that died before its record: the folder and manifest exist, the VM part is incomplete.
    mkdirSync(lay.vmDir("auto-w1-sql-install", "W1"), { recursive: true });
    writeFileSync(
      lay.manifest("auto-w1-sql-install"),
      JSON.stringify({ format: "homelab-checkpoint/1", name: "auto-w1-sql-install", uri: daemon.uri, createdAt: "2026-01-01T00:00:00.000Z", vms: ["W1"] }),
    );
    lines.length = 0;
    expect(await runWrappedPhase({ ...base, command: ["sh", "-c", "exit 3"], retries: 0 })).toBe(3);
    expect(lines.slice(0, 3)).toEqual([
      "[phase w1-sql-install] deleting the unusable checkpoint auto-w1-sql-install left by an earlier run (its create did not finish, or it lacks a VM)",
      "[phase w1-sql-install] W1: disk sda: deleting homelab-auto-w1-sql-install",
      "[phase w1-sql-install] W1: checkpoint files removed",
    ]);
    expect(lines).toContain("[phase w1-sql-install] checkpoint auto-w1-sql-install taken");
    expect(lines).toContain(
      `[phase w1-sql-install] checkpoint auto-w1-sql-install kept: go back with \`npm run lab -- checkpoint revert --stack ${STACK} --name auto-w1-sql-install\``,
    );
  });
});
