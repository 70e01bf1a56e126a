// A linked clone (a qcow2 overlay on a shared base image): the checkpoint's disk steps touch the
// overlay only, and a revert brings back what the guest saw through both layers.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Host } from "../../checkpoints/host";
import { layout } from "../../checkpoints/layout";
import { sha256 } from "./fixture";

const qemuIo = (file: string, ...cmds: string[]) => execFileSync("qemu-io", ["-f", "qcow2", ...cmds.flatMap((c) => ["-c", c]), file], { stdio: "pipe" });

describe("checkpoint disk steps on a linked clone", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "homelab-overlay-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("snapshot and revert of the overlay leave the base image byte-identical", async () => {
    const base = join(dir, "base.qcow2");
    const top = join(dir, "vm.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", base, "64M"]);
    qemuIo(base, "write -P 0x11 0 1M");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", top]);
    qemuIo(top, "write -P 0x22 1M 1M");
    const baseBefore = sha256(base);
    const host = new Host({ uri: "qemu:///system" });
    const lay = layout(join(dir, "cp"));
    const disk = { target: "sda", path: top, tag: "homelab-c1" };
    await host.execute({ kind: "snapshot-disk", vm: "VM", disk }, lay, "c1");
    qemuIo(top, "write -P 0x33 0 2M");
    await host.execute({ kind: "revert-disk", vm: "VM", disk }, lay, "c1");
    // read -P fails (non-zero) on any byte that differs from the pattern.
    qemuIo(top, "read -P 0x11 0 1M", "read -P 0x22 1M 1M");
    expect(sha256(base)).toBe(baseBefore);
    await expect(host.execute({ kind: "snapshot-disk", vm: "VM", disk }, lay, "c1")).rejects.toThrow(
      `${top} already holds a snapshot homelab-c1: delete that checkpoint first or choose another name`,
    );
    await host.execute({ kind: "delete-disk-snapshot", vm: "VM", disk, missingOk: false }, lay, "c1");
    expect(await host.snapshotTags(top)).toEqual([]);
  });
});
