// Issue 17, defects 3 and 5 on the engine-protocol path: what the providers have to say reaches the
// user attached to its resource, in the preview as in the up, and a disk grown under a running
// guest is explained in the preview and grown live. One private libvirtd, one TCG guest (the
// nokvm stack cut down to its DC). Checked with virsh, not through the program.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Diagnostic, Engine, RunResult } from "../support/engine/engine";
import { engineFor, stackUnder, StackInput } from "../support/engine/lab-project";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { PROJECT_DIR } from "../support/stacks";

jest.setTimeout(600_000);

const virsh = (uri: string, ...args: string[]) => execFileSync("virsh", ["-c", uri, ...args], { encoding: "utf8" }).trim();
const ops = (r: RunResult) =>
  r.steps
    .filter((s) => s.op !== "same")
    .map((s) => `${s.op} ${s.name}`)
    .sort();
const notes = (r: RunResult): Diagnostic[] => r.diagnostics.filter((d) => d.severity !== "debug");
const urnOf = (r: RunResult, name: string) => r.steps.find((s) => s.name === name)!.urn;

const DISK_URN = "urn:pulumi:nokvm::homelab::homelab:lab:Lab$homelab:vm:WindowsVm$pulumi-nodejs:dynamic/homelab:LibvirtVolume::nokvm-DC01-disk";
const KEPT =
  "volume homelab-nokvm/DC01.qcow2: kept with its data when the lab is destroyed or the disk leaves it (deleteOnDestroy is off); " +
  "delete it by hand with virsh vol-delete --pool homelab-nokvm DC01.qcow2";

describe("provider notes and a live disk grow under the engine protocol", () => {
  let daemon: PrivateLibvirtd;
  let input: StackInput;
  let engine: () => Engine;

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    input = stackUnder("nokvm", daemon.uri, daemon.dir);
    // One guest is enough here: the DC (the stack's rules need it).
    input.config.vms = (input.config.vms as { name: string }[]).filter((vm) => vm.name === "DC01");
    const state = join(daemon.dir, "state", "notes.json");
    engine = () => engineFor(PROJECT_DIR, "nokvm", input, state);
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  test("the first preview says, against the disk, that a destroy keeps it", async () => {
    const r = await engine().preview();
    expect(r.error).toBeUndefined();
    expect(urnOf(r, "nokvm-DC01-disk")).toBe(DISK_URN);
    expect(notes(r)).toEqual([{ severity: "info", message: KEPT, urn: DISK_URN }]);
    expect(r.printed).toContain(`  homelab:lab:Lab$homelab:vm:WindowsVm$pulumi-nodejs:dynamic/homelab:LibvirtVolume::nokvm-DC01-disk:\n    info: ${KEPT}`);
    expect(virsh(daemon.uri, "list", "--all", "--name")).toBe("");
  });

  test("up says it again against the disk, from the create, and not as plugin output", async () => {
    const r = await engine().up();
    expect(r.error).toBeUndefined();
    expect(notes(r)).toEqual([{ severity: "info", message: KEPT, urn: DISK_URN }]);
    expect(r.pluginOutput.join("\n")).not.toContain("kept with its data");
    expect(virsh(daemon.uri, "domstate", "DC01")).toBe("running");
  });

  test("a preview of a bigger disk explains, against the disk, that it grows live under the running guest, and changes nothing", async () => {
    const dc = (input.config.vms as Record<string, unknown>[])[0];
    dc.disk = "48GiB";
    const r = await engine().preview();
    expect(r.error).toBeUndefined();
    expect(ops(r)).toEqual(["update nokvm-DC01-disk"]);
    expect(notes(r)).toEqual([
      {
        severity: "info",
        message:
          "volume homelab-nokvm/DC01.qcow2 grows from 42949672960 to 51539607552 bytes in place; if its guest runs, it grows live " +
          "(virsh blockresize) and the guest sees the new space as unallocated (extend the volume in Disk Management); no shutdown needed",
        urn: DISK_URN,
      },
    ]);
    expect(virsh(daemon.uri, "vol-info", "--bytes", "--pool", "homelab-nokvm", "DC01.qcow2")).toMatch(/Capacity:\s+42949672960 bytes/);
  });

  test("up grows it live through the running guest (blockresize), says so against the disk, and the guest keeps running", async () => {
    const before = virsh(daemon.uri, "domid", "DC01");
    const r = await engine().up();
    expect(r.error).toBeUndefined();
    expect(ops(r)).toEqual(["update nokvm-DC01-disk"]);
    expect(notes(r)).toEqual([
      {
        severity: "info",
        message:
          "volume homelab-nokvm/DC01.qcow2: grown live to 51539607552 bytes through DC01 (virsh blockresize); the guest sees the new space as unallocated",
        urn: DISK_URN,
      },
    ]);
    // What the running QEMU sees, and the image itself.
    expect(virsh(daemon.uri, "domblkinfo", "DC01", "sda")).toMatch(/Capacity:\s+51539607552/);
    expect(virsh(daemon.uri, "vol-info", "--bytes", "--pool", "homelab-nokvm", "DC01.qcow2")).toMatch(/Capacity:\s+51539607552 bytes/);
    expect(virsh(daemon.uri, "domid", "DC01")).toBe(before);
  });

  test("the next preview is quiet: no note is repeated", async () => {
    const r = await engine().preview();
    expect(r.error).toBeUndefined();
    expect(ops(r)).toEqual([]);
    expect(notes(r)).toEqual([]);
  });

  test("destroy keeps the disk and sends what it kept to the engine with its level, not to the plugin's output", async () => {
    const r = await engine().destroy();
    expect(r.error).toBeUndefined();
    const pool = String((input.config.pool as { path: string }).path);
    expect(existsSync(join(pool, "DC01.qcow2"))).toBe(true);
    expect(virsh(daemon.uri, "list", "--all", "--name")).toBe("");
    // The dynamic provider host passes a delete no URN (see libvirt/providers/engine-log.ts): the notes reach the engine unattached.
    expect(notes(r)).toEqual([
      { severity: "info", message: KEPT, urn: "" },
      { severity: "info", message: `pool homelab-nokvm: left its directory ${pool} in place: it still holds DC01.qcow2`, urn: "" },
    ]);
    expect(r.pluginOutput.join("\n")).not.toContain("kept with its data");
    expect(r.pluginOutput.join("\n")).not.toContain("left its directory");
  });
});
