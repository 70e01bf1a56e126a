// A checkpoint of a UEFI + Secure Boot + TPM domain in a real libvirtd (TCG): disk, NVRAM and
// swtpm state changed behind its back, reverted, and compared byte for byte with independent
// tools (qemu-img compare, SHA-256 of the files).
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, openSync, closeSync, writeSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createCheckpoint, deleteCheckpoint, listCheckpoints, revertCheckpoint, CheckpointContext } from "../../checkpoints/checkpoints";
import { Host } from "../../checkpoints/host";
import { checkpointRoot, layout } from "../../checkpoints/layout";
import { LockedError, lockVms } from "../../checkpoints/lock";
import { requestGuestShutdown, STOP_SCRIPT } from "../../checkpoints/guest-shutdown";
import { WinRmTestServer } from "../winrm/server";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { buildFixture, Fixture, sameDiskContent, sha256, treeDigest, writeDisk } from "./fixture";

jest.setTimeout(180_000);

const ACPI_TIMEOUT =
  "checkpoint clean failed for 1 of 1 VM(s):\n  W1: W1 did not shut down within 3 s (the guest ignores ACPI, or is busy): shut it down in the guest and run the command again, or add --force to power it off";

describe("checkpoints of a UEFI + Secure Boot + TPM domain in a private libvirtd", () => {
  let daemon: PrivateLibvirtd;
  let fx: Fixture;
  let ctx: CheckpointContext;
  const progress: string[] = [];

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    fx = await buildFixture(daemon);
    ctx = {
      layout: layout(checkpointRoot(fx.spec.pool.path)),
      host: new Host({ uri: daemon.uri, swtpmDir: fx.swtpmDir, pollMs: 200 }),
      onProgress: (vm, m) => progress.push(`[${vm}] ${m}`),
    };
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  test("the fixture domain has what a Windows 11 guest needs: an NVRAM file, swtpm state, a qcow2 disk", async () => {
    const vm = fx.spec.vms[0];
    expect(existsSync(vm.nvramPath)).toBe(true);
    expect(Object.keys(treeDigest(fx.tpmDir("W1")))).toContain("tpm2/tpm2-00.permall");
    const xml = await fx.virsh.domainXml("W1");
    expect(xml).toContain("<smm state='on'/>");
    expect(xml).toContain("<feature enabled='yes' name='secure-boot'/>");
    expect(xml).toContain("<backend type='emulator' version='2.0'/>");
  });

  test("revert brings disk, NVRAM and TPM state back byte for byte, and the domain starts", async () => {
    const vm = fx.spec.vms[0];
    const disk = await fx.disk("W1");
    writeDisk(disk, 0x11);
    // The reference: an independent copy of the guest-visible disk as it is at checkpoint time.
    const reference = join(daemon.dir, "reference.qcow2");
    execFileSync("qemu-img", ["convert", "-f", "qcow2", "-O", "qcow2", disk, reference]);
    const nvramBefore = sha256(vm.nvramPath);
    const tpmBefore = treeDigest(fx.tpmDir("W1"));

    await createCheckpoint(ctx, { name: "base", vms: ["W1"] });
    expect(JSON.parse(execFileSync("qemu-img", ["info", "--output=json", disk], { encoding: "utf8" })).snapshots.map((s: { name: string }) => s.name)).toEqual([
      "homelab-base",
    ]);
    expect(listCheckpoints(ctx.layout)).toEqual([{ name: "base", createdAt: expect.any(String), vms: [{ vm: "W1", state: "complete" }] }]);

    // Change all three behind the checkpoint's back.
    writeDisk(disk, 0xab, 4096, "64k");
    const fd = openSync(vm.nvramPath, "r+");
    writeSync(fd, Buffer.from("changed by the test"), 0, 19, 8192);
    closeSync(fd);
    const permall = join(fx.tpmDir("W1"), "tpm2", "tpm2-00.permall");
    appendFileSync(permall, "changed by the test");
    appendFileSync(join(fx.tpmDir("W1"), "tpm2", "extra-file"), "x");
    expect(sameDiskContent(reference, disk)).toBe(false);
    expect(sha256(vm.nvramPath)).not.toBe(nvramBefore);
    expect(treeDigest(fx.tpmDir("W1"))).not.toEqual(tpmBefore);

    await revertCheckpoint(ctx, { name: "base" });
    expect(sameDiskContent(reference, disk)).toBe(true);
    expect(sha256(vm.nvramPath)).toBe(nvramBefore);
    expect(treeDigest(fx.tpmDir("W1"))).toEqual(tpmBefore);
    expect(progress).toEqual(expect.arrayContaining(["[W1] disk sda: back to homelab-base", `[W1] restoring NVRAM ${vm.nvramPath}`, "[W1] revert complete"]));

    await fx.virsh.startDomain("W1");
    expect(await fx.virsh.domainState("W1")).toBe("running");
    await fx.virsh.destroyDomain("W1");
  });

  test("a checkpoint of a running VM: --force powers it off, and it runs again afterwards (and after a revert)", async () => {
    await fx.virsh.startDomain("W1");
    await createCheckpoint(ctx, { name: "running", vms: ["W1"], force: true });
    expect(progress).toContain("[W1] powering off");
    expect(await fx.virsh.domainState("W1")).toBe("running");
    await fx.virsh.destroyDomain("W1");
    await revertCheckpoint(ctx, { name: "running" });
    expect(await fx.virsh.domainState("W1")).toBe("running");
    await fx.virsh.destroyDomain("W1");
  });

  test("a guest that ignores the ACPI shutdown: create fails with the way out, the VM keeps running, the part stays incomplete and can be deleted", async () => {
    // OVMF with no OS to hand the power button to ignores it (measured: still running after 60 s).
    await fx.virsh.startDomain("W1");
    // Windows is asked first, over WinRM: the double accepts Stop-Computer (scripted), the TCG guest still ignores ACPI.
    const server = await WinRmTestServer.start({ outcomes: [{ match: STOP_SCRIPT, outcome: { exitCode: 0 } }] });
    const notes: string[] = [];
    const impatient = {
      ...ctx,
      host: new Host({
        uri: daemon.uri,
        swtpmDir: fx.swtpmDir,
        pollMs: 200,
        shutdownTimeoutMs: 3000,
        onNote: (vm, n) => notes.push(`${vm}: ${n}`),
        guestShutdown: () => requestGuestShutdown({ host: "127.0.0.1", port: server.port, user: server.user, password: server.password, kind: "ntlm" }, 10_000),
      }),
    };
    try {
      await expect(createCheckpoint(impatient, { name: "clean", vms: ["W1"] })).rejects.toThrow(ACPI_TIMEOUT);
    } finally {
      await server.stop();
    }
    expect(server.lastScript).toBe(STOP_SCRIPT);
    expect(notes).toEqual(["W1: Windows accepted Stop-Computer"]);
    expect(progress).toContain("[W1] shutting down cleanly (the guest OS, then ACPI) so disk, NVRAM and TPM state are consistent");
    expect(await fx.virsh.domainState("W1")).toBe("running");
    expect(listCheckpoints(ctx.layout).find((c) => c.name === "clean")?.vms).toEqual([{ vm: "W1", state: "incomplete" }]);
    await expect(revertCheckpoint(ctx, { name: "clean" })).rejects.toThrow(
      "checkpoint clean is incomplete for W1 (its create did not finish): nothing was reverted; delete it",
    );
    await fx.virsh.destroyDomain("W1");
    await deleteCheckpoint(ctx, { name: "clean" });
    expect(listCheckpoints(ctx.layout).map((c) => c.name)).not.toContain("clean");
  });

  test("a name in use, an unknown checkpoint and a VM the checkpoint lacks are refused with the fix", async () => {
    await expect(createCheckpoint(ctx, { name: "base", vms: ["W1"] })).rejects.toThrow(
      "a checkpoint named base exists already: delete it first or choose another --name",
    );
    await expect(revertCheckpoint(ctx, { name: "nope" })).rejects.toThrow(`no checkpoint named nope under ${ctx.layout.root} (see \`checkpoint list\`)`);
    await expect(revertCheckpoint(ctx, { name: "base", vms: ["W9"] })).rejects.toThrow("checkpoint base does not cover W9 (it covers W1)");
    await expect(createCheckpoint(ctx, { name: "bad name", vms: ["W1"] })).rejects.toThrow(`--name "bad name" is not a checkpoint name`);
  });

  test("a revert refuses while another operation holds the VM's lock, and changes nothing", async () => {
    const disk = await fx.disk("W1");
    writeDisk(disk, 0xcd, 0, "4k");
    const nvram = sha256(fx.spec.vms[0].nvramPath);
    const held = await lockVms(ctx.layout, ["W1"], { operation: "phase w1-sql-install (pulumi up)" });
    try {
      await expect(revertCheckpoint(ctx, { name: "base" })).rejects.toThrow(LockedError);
      await expect(revertCheckpoint(ctx, { name: "base" })).rejects.toThrow(
        /^W1 is locked by phase w1-sql-install \(pulumi up\) \(pid \d+ on .+, since .+\): wait for it to finish; nothing was changed on W1$/,
      );
    } finally {
      held.release();
    }
    execFileSync("qemu-io", ["-f", "qcow2", "-c", "read -P 0xcd 0 4k", disk], { stdio: "pipe" });
    expect(sha256(fx.spec.vms[0].nvramPath)).toBe(nvram);
    expect(existsSync(ctx.layout.lock("W1"))).toBe(false);
  });

  test("two reverts of the same VM at once: the second refuses while the first is half-way, the first completes", async () => {
    const vm = fx.spec.vms[0];
    const disk = await fx.disk("W1");
    const reference = join(daemon.dir, "running-ref.qcow2");
    execFileSync("qemu-img", ["convert", "-f", "qcow2", "-O", "qcow2", "-l", "snapshot.name=homelab-running", disk, reference]);
    const nvramAt = sha256(ctx.layout.nvramCopy("running", "W1"));
    writeDisk(disk, 0x77, 0, "128k");
    // A host that stops the first revert right before its disk step, so the second arrives mid-revert.
    let reached!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    class GatedHost extends Host {
      override async execute(...args: Parameters<Host["execute"]>): Promise<void> {
        if (args[0].kind === "revert-disk") {
          reached();
          await gate;
        }
        return super.execute(...args);
      }
    }
    const first = revertCheckpoint({ ...ctx, host: new GatedHost({ uri: daemon.uri, swtpmDir: fx.swtpmDir }) }, { name: "running", start: false });
    await atGate;
    expect(existsSync(ctx.layout.revertMarker("running", "W1"))).toBe(true);
    await expect(revertCheckpoint(ctx, { name: "running", start: false })).rejects.toThrow(
      /^W1 is locked by checkpoint revert running \(pid \d+ on .+\): wait for it to finish; nothing was changed on W1$/,
    );
    // The refused revert left the first one's marker and lock alone.
    expect(existsSync(ctx.layout.revertMarker("running", "W1"))).toBe(true);
    expect(existsSync(ctx.layout.lock("W1"))).toBe(true);
    open();
    await first;
    expect(sameDiskContent(reference, disk)).toBe(true);
    expect(sha256(vm.nvramPath)).toBe(nvramAt);
    expect(existsSync(ctx.layout.revertMarker("running", "W1"))).toBe(false);
    expect(existsSync(ctx.layout.lock("W1"))).toBe(false);
  });

  test("delete removes the qcow2 snapshot and the copies, and refuses a checkpoint whose revert was interrupted", async () => {
    const disk = await fx.disk("W1");
    // A revert that died half-way leaves its marker: that checkpoint is the only good copy.
    appendFileSync(ctx.layout.revertMarker("running", "W1"), "{}\n");
    expect(listCheckpoints(ctx.layout).find((c) => c.name === "running")?.vms).toEqual([{ vm: "W1", state: "revert-interrupted" }]);
    await expect(deleteCheckpoint(ctx, { name: "running" })).rejects.toThrow("a revert from checkpoint running started and did not finish");
    expect(existsSync(ctx.layout.vmRecord("running", "W1"))).toBe(true);
    await revertCheckpoint(ctx, { name: "running", start: false });
    await deleteCheckpoint(ctx, { name: "running" });
    await deleteCheckpoint(ctx, { name: "base" });
    expect(JSON.parse(execFileSync("qemu-img", ["info", "--output=json", disk], { encoding: "utf8" })).snapshots).toBeUndefined();
    expect(readdirSync(join(ctx.layout.root, "by-name"))).toEqual([]);
  });
});
