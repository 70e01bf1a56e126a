// `npm run lab -- checkpoint ...` as a user runs it: separate processes against a private
// libvirtd, the stack read from a Pulumi.<stack>.yaml, concurrency between processes through the
// lock files.
import { ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkpointRoot, layout } from "../../checkpoints/layout";
import { lockVms } from "../../checkpoints/lock";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { PROJECT_DIR } from "../support/stacks";
import { buildFixture, Fixture, sha256, STACK, treeDigest, writeDisk } from "./fixture";
import { execFileSync } from "node:child_process";

jest.setTimeout(300_000);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe("npm run lab -- checkpoint", () => {
  let daemon: PrivateLibvirtd;
  let fx: Fixture;
  let common: string[];

  const lab = (args: string[]): Promise<Result> =>
    new Promise((resolve) => {
      execFile(process.execPath, [join(PROJECT_DIR, "bin", "homelab.js"), ...args], { cwd: PROJECT_DIR, timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const started = (args: string[]): { child: ChildProcess; result: Promise<Result>; stdout: () => string } => {
    const child = spawn(process.execPath, [join(PROJECT_DIR, "bin", "homelab.js"), ...args], { cwd: PROJECT_DIR });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const result = new Promise<Result>((resolve) => child.once("exit", (code) => resolve({ code: code ?? 1, stdout, stderr })));
    return { child, result, stdout: () => stdout };
  };

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    fx = await buildFixture(daemon, ["W1", "W2"]);
    common = ["--stack", STACK, "--project", fx.project, "--swtpm-dir", fx.swtpmDir];
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  test("create of one chosen VM prints progress per VM; list shows it as a table and as JSON", async () => {
    const created = await lab(["checkpoint", "create", ...common, "--name", "before-sccm", "--vm", "W1"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "[W1] disk sda: qcow2 snapshot homelab-before-sccm",
        `[W1] copying NVRAM ${fx.spec.vms[0].nvramPath}`,
        `[W1] copying TPM state ${fx.tpmDir("W1")}`,
        "[W1] recorded",
        `checkpoint before-sccm of W1 created under ${fx.spec.pool.path}.checkpoints`,
      ]),
    );
    expect(created.stdout).not.toContain("[W2]");

    const table = await lab(["checkpoint", "list", ...common]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^CHECKPOINT\s+CREATED\s+VMS$/);
    expect(lines[1]).toMatch(/^before-sccm\s+\d{4}-\d\d-\d\dT\S+Z\s+W1$/);
    expect(lines).toHaveLength(2);

    const json = await lab(["checkpoint", "list", ...common, "--json"]);
    expect(JSON.parse(json.stdout)).toEqual([{ name: "before-sccm", createdAt: expect.stringMatching(/Z$/), vms: [{ vm: "W1", state: "complete" }] }]);
  });

  test("an unknown --vm (usage, 2), a remote URI (environment, 4), a bad config (3) and no command (2) are refused with the fix", async () => {
    const unknown = await lab(["checkpoint", "create", ...common, "--name", "x", "--vm", "SQL99"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('homelab checkpoint: --vm "SQL99" is not a VM of this stack (homelab:vms has W1, W2)\n');
    const stackFile = readFileSync(join(fx.project, `Pulumi.${STACK}.yaml`), "utf8");
    writeFileSync(join(fx.project, "Pulumi.remote.yaml"), stackFile.replace(/homelab:uri: .*/, "homelab:uri: qemu+ssh://root@hv1/system"));
    const remote = await lab(["checkpoint", "list", "--stack", "remote", "--project", fx.project]);
    expect(remote.code).toBe(4);
    expect(remote.stderr).toBe(
      'homelab checkpoint: homelab:uri is "qemu+ssh://root@hv1/system": checkpoints copy disk, NVRAM and TPM files on the hypervisor itself, ' +
        "so run this command on that host with homelab:uri qemu:///system (for example over ssh in a checkout there)\n",
    );
    writeFileSync(join(fx.project, "Pulumi.bad.yaml"), `${stackFile}  homelab:checkpoints: sometimes\n`);
    const bad = await lab(["checkpoint", "list", "--stack", "bad", "--project", fx.project]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain(
      'homelab:checkpoints: "sometimes" must be auto (checkpoint the VMs before SQL setup and the ConfigMgr site install, revert and retry once on failure) or off',
    );
    const none = await lab([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Usage: homelab <command> \[options\]/);
  });

  test("a revert refuses while a Pulumi phase holds the VM, and waits for it with --wait", async () => {
    const lay = layout(checkpointRoot(fx.spec.pool.path));
    const held = await lockVms(lay, ["W1"], { operation: "phase w1-sql-install (pulumi up)" });
    try {
      const refused = await lab(["checkpoint", "revert", ...common, "--name", "before-sccm"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^homelab checkpoint: W1 is locked by phase w1-sql-install \(pulumi up\) \(pid \d+ on \S+, since \S+\): wait for it to finish; nothing was changed on W1\n$/,
      );
      const waiting = started(["checkpoint", "revert", ...common, "--name", "before-sccm", "--wait", "120"]);
      for (let i = 0; i < 600 && !waiting.stdout().includes("waiting for the lock"); i++) await new Promise((r) => setTimeout(r, 100));
      expect(waiting.stdout()).toContain("[W1] waiting for the lock held by phase w1-sql-install (pulumi up)");
      held.release();
      const done = await waiting.result;
      expect(done.code).toBe(0);
      expect(done.stdout).toContain("reverted W1 to before-sccm");
    } finally {
      held.release();
    }
  });

  test("two reverts of the same VM at once: never both at the same time, and the VM ends byte-identical to the checkpoint", async () => {
    const disk = await fx.disk("W1");
    const nvram = fx.spec.vms[0].nvramPath;
    const reference = join(daemon.dir, "w1-ref.qcow2");
    // The checkpoint's state, read back independently before anything changes.
    execFileSync("qemu-img", ["convert", "-f", "qcow2", "-O", "qcow2", "-l", "snapshot.name=homelab-before-sccm", disk, reference]);
    const nvramAt = sha256(join(fx.spec.pool.path + ".checkpoints", "by-name", "before-sccm", "W1", "nvram.fd"));
    const tpmAt = treeDigest(join(fx.spec.pool.path + ".checkpoints", "by-name", "before-sccm", "W1", "tpm"));
    writeDisk(disk, 0x5a, 0, "256k");
    execFileSync("sh", ["-c", `printf 'changed' | dd of=${nvram} bs=1 seek=100 conv=notrunc 2>/dev/null`]);

    const a = started(["checkpoint", "revert", ...common, "--name", "before-sccm"]);
    const b = started(["checkpoint", "revert", ...common, "--name", "before-sccm"]);
    const results = await Promise.all([a.result, b.result]);
    for (const r of results) {
      // Each either reverted all of W1, or refused before touching it: no third outcome.
      if (r.code === 0) expect(r.stdout).toContain("[W1] revert complete");
      else
        expect(r.stderr).toMatch(
          /^homelab checkpoint: W1 is locked by checkpoint revert before-sccm \(pid \d+ on \S+, since \S+\): wait for it to finish; nothing was changed on W1\n$/,
        );
    }
    expect(results.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);
    expect(execFileSync("qemu-img", ["compare", "-f", "qcow2", "-F", "qcow2", reference, disk], { encoding: "utf8" })).toContain("Images are identical");
    expect(sha256(nvram)).toBe(nvramAt);
    expect(treeDigest(fx.tpmDir("W1"))).toEqual(tpmAt);
    const lay = layout(checkpointRoot(fx.spec.pool.path));
    expect(existsSync(lay.lock("W1"))).toBe(false);
    expect(existsSync(lay.revertMarker("before-sccm", "W1"))).toBe(false);
  });

  test("delete removes it; a second delete names the missing checkpoint", async () => {
    const deleted = await lab(["checkpoint", "delete", ...common, "--name", "before-sccm"]);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain("[W1] disk sda: deleting homelab-before-sccm");
    const again = await lab(["checkpoint", "delete", ...common, "--name", "before-sccm"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`homelab checkpoint: no checkpoint named before-sccm under ${fx.spec.pool.path}.checkpoints (see \`checkpoint list\`)\n`);
  });
});
