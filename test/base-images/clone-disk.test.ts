// The CloneDisk provider (a VM's disk from its base image, linked or full) against a real libvirtd in its
// own namespaces, with the disks read back by qemu-img and qemu-io (independent of libvirt): what a new
// base image does to the clones with homelab:replaceClonesOnBaseChange off (they keep the old base, and
// the note says how to rebuild) and on (the disk is made again from the new base).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Virsh } from "../../libvirt/virsh";
import { CloneDiskError, cloneDiskOps, CloneDiskInputs, CloneDiskOutputs } from "../../base-images/clone-disk";
import { BaseImageInUseError, deleteBaseImage } from "../../base-images/safety";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";

jest.setTimeout(120_000);

const MiB = 2 ** 20;
const BASE_BYTES = 64 * MiB;
const DISK_BYTES = 96 * MiB;
const A = "base-windows-server-2022-aaaaaaaaaaaa.qcow2";
const B = "base-windows-server-2022-bbbbbbbbbbbb.qcow2";

const quiet = { info: () => undefined, warn: () => undefined };
const backingOf = (path: string): string | undefined =>
  (JSON.parse(execFileSync("qemu-img", ["info", "--output=json", "-U", path], { encoding: "utf8" })) as { "backing-filename"?: string })["backing-filename"];
const reads = (path: string, pattern: number): boolean => {
  const r = spawnSync("qemu-io", ["-r", "-f", "qcow2", "-c", `read -P 0x${pattern.toString(16)} 0 1M`, path], { encoding: "utf8" });
  return r.status === 0 && !/verification failed|failed:/i.test(`${r.stdout}${r.stderr}`);
};

let ld: PrivateLibvirtd;
let virsh: Virsh;
const pool = "lab";
const paths: Record<string, string> = {};

beforeAll(async () => {
  ld = await startPrivateLibvirtd();
  virsh = new Virsh({ uri: ld.uri });
  await virsh.run(["pool-define-as", pool, "dir", "--target", join(ld.dir, pool)], { kind: "pool", name: pool, operation: "define" });
  await virsh.buildPool(pool);
  await virsh.startPool(pool);
  // Two "installed Windows" base images, told apart by the byte pattern at their start.
  for (const [name, pattern] of [
    [A, 0xaa],
    [B, 0xbb],
  ] as const) {
    await virsh.createVolume(
      pool,
      `<volume><name>${name}</name><capacity unit='bytes'>${BASE_BYTES}</capacity><target><format type='qcow2'/></target></volume>`,
    );
    paths[name] = await virsh.volumePath(pool, name);
    execFileSync("qemu-io", ["-f", "qcow2", "-c", `write -P 0x${pattern.toString(16)} 0 1M`, paths[name]]);
  }
});

afterAll(async () => {
  await ld?.stop();
});

function inputs(name: string, mode: "linked" | "full", base: string, replaceOnBaseChange: boolean): CloneDiskInputs {
  return {
    uri: ld.uri,
    pool,
    name,
    vm: name.replace(/\.qcow2$/, ""),
    capacityBytes: DISK_BYTES,
    mode,
    base,
    basePool: pool,
    basePath: paths[base],
    baseCapacityBytes: BASE_BYTES,
    replaceOnBaseChange,
    deleteOnDestroy: false,
    serialLog: join(ld.dir, `${name}-serial.log`),
  };
}

/** One `pulumi up` of a changed resource as the engine drives it: check, diff, then update or (delete before) create. */
async function up(state: { inputs: CloneDiskInputs; outs: CloneDiskOutputs }, news: CloneDiskInputs) {
  const checked = (await cloneDiskOps.check(state.inputs, news)).inputs as CloneDiskInputs;
  const diff = await cloneDiskOps.diff(state.outs.path, state.outs, checked);
  let outs: CloneDiskOutputs;
  if (diff.replaces.length > 0) {
    expect(diff.deleteBeforeReplace).toBe(true);
    await cloneDiskOps.remove(state.outs.path, state.outs, quiet);
    outs = (await cloneDiskOps.create(checked, quiet)).outs;
  } else {
    outs = (await cloneDiskOps.update(state.outs.path, state.outs, checked, quiet)).outs;
  }
  return { checked, diff, next: { inputs: checked, outs } };
}

async function first(news: CloneDiskInputs) {
  const checked = (await cloneDiskOps.check({}, news)).inputs as CloneDiskInputs;
  return { inputs: checked, outs: (await cloneDiskOps.create(checked, quiet)).outs };
}

describe("linked clone, base image A -> B", () => {
  test("switch off: the clone keeps reading A, preview's note says so and how to rebuild, and A cannot be deleted", async () => {
    const state = await first(inputs("keep01.qcow2", "linked", A, false));
    expect(backingOf(state.outs.path)).toBe(paths[A]);
    expect(state.outs.madeFrom).toBe(A);
    expect(state.inputs.note).toBeUndefined();

    const { checked, diff, next } = await up(state, inputs("keep01.qcow2", "linked", B, false));
    expect(checked.note).toBe(
      `the base image changed from ${A} to ${B}, but homelab:replaceClonesOnBaseChange is false: VM keep01 keeps its disk lab/keep01.qcow2, ` +
        `which still reads from the old base image ${A} (kept while it does). To rebuild the VM from ${B} (the data on its disk is lost): ` +
        "pulumi config set homelab:replaceClonesOnBaseChange true, then pulumi up",
    );
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
    expect(next.outs.madeFrom).toBe(A);
    expect(backingOf(next.outs.path)).toBe(paths[A]);
    expect(reads(next.outs.path, 0xaa)).toBe(true);
    await expect(deleteBaseImage(virsh, pool, A)).rejects.toThrow(BaseImageInUseError);
    await expect(deleteBaseImage(virsh, pool, A)).rejects.toThrow("lab/keep01.qcow2");

    // The next preview with nothing else changed still names the old base: the state remembers it.
    const again = (await cloneDiskOps.check(next.inputs, inputs("keep01.qcow2", "linked", B, false))).inputs as CloneDiskInputs;
    expect(again.madeFrom).toBe(A);
    expect(again.note).toContain(`still reads from the old base image ${A}`);

    // Turning the switch on afterwards rebuilds it from B.
    const later = await up(next, inputs("keep01.qcow2", "linked", B, true));
    expect(later.diff.replaces).toEqual(["base"]);
    expect(backingOf(later.next.outs.path)).toBe(paths[B]);
    expect(later.next.outs.madeFrom).toBe(B);
  });

  test("switch on: the clone is made again from B, its serial log emptied, and a later preview shows no change", async () => {
    const state = await first(inputs("swap01.qcow2", "linked", A, true));
    execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x5a 2M 1M", state.outs.path]);
    writeFileSync(state.inputs.serialLog, "HOMELAB-INSTALL-DONE swap01\n");

    const { checked, diff, next } = await up(state, inputs("swap01.qcow2", "linked", B, true));
    expect(checked.note).toBe(
      `the base image changed from ${A} to ${B} and homelab:replaceClonesOnBaseChange is true: VM swap01 is replaced ` +
        `(its disk lab/swap01.qcow2 is deleted and made again from ${B}, then it specializes again); the data on the old disk is lost`,
    );
    expect(diff).toEqual({ changes: true, replaces: ["base"], deleteBeforeReplace: true });
    expect(backingOf(next.outs.path)).toBe(paths[B]);
    expect(reads(next.outs.path, 0xbb)).toBe(true);
    // The VM's own write on the old disk is gone with it.
    expect(spawnSync("qemu-io", ["-r", "-f", "qcow2", "-c", "read -P 0x5a 2M 1M", next.outs.path], { encoding: "utf8" }).stdout).toMatch(
      /verification failed|Pattern verification failed/i,
    );
    expect(readFileSync(state.inputs.serialLog, "utf8")).toBe("");

    const quietCheck = (await cloneDiskOps.check(next.inputs, inputs("swap01.qcow2", "linked", B, true))).inputs as CloneDiskInputs;
    expect(quietCheck.note).toBeUndefined();
    expect(await cloneDiskOps.diff(next.outs.path, next.outs, quietCheck)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: true });
  });
});

describe("full copy (homelab:disks full), base image A -> B", () => {
  test("a full copy reads A's data without a backing store", async () => {
    const state = await first(inputs("full01.qcow2", "full", A, false));
    expect(backingOf(state.outs.path)).toBeUndefined();
    expect(reads(state.outs.path, 0xaa)).toBe(true);
    expect((await virsh.volumeInfo(pool, "full01.qcow2"))!.capacityBytes).toBe(DISK_BYTES);
  });

  test("switch off keeps the copy of A; switch on makes a new copy of B", async () => {
    const state = await first(inputs("full02.qcow2", "full", A, false));
    const kept = await up(state, inputs("full02.qcow2", "full", B, false));
    expect(kept.diff.replaces).toEqual([]);
    expect(kept.next.outs.madeFrom).toBe(A);
    expect(kept.checked.note).toContain(`was copied from the old base image ${A}`);
    expect(reads(kept.next.outs.path, 0xaa)).toBe(true);

    const rebuilt = await up(kept.next, inputs("full02.qcow2", "full", B, true));
    expect(rebuilt.diff.replaces).toEqual(["base"]);
    expect(rebuilt.next.outs.madeFrom).toBe(B);
    expect(backingOf(rebuilt.next.outs.path)).toBeUndefined();
    expect(reads(rebuilt.next.outs.path, 0xbb)).toBe(true);
  });

  test("a new CloneDisk over a disk kept from an earlier lab adopts it and leaves its data alone", async () => {
    const state = await first(inputs("full03.qcow2", "full", A, false));
    execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x77 4M 1M", state.outs.path]);
    const adopted = await first(inputs("full03.qcow2", "full", A, true));
    expect(adopted.outs.path).toBe(state.outs.path);
    expect(spawnSync("qemu-io", ["-r", "-f", "qcow2", "-c", "read -P 0x77 4M 1M", adopted.outs.path], { encoding: "utf8" }).status).toBe(0);
  });
});

describe("refusals", () => {
  test("a linked clone where full is asked for is never converted: the error names the disk, its base and the fix", async () => {
    await first(inputs("mixed01.qcow2", "linked", A, false));
    const err = await cloneDiskOps.create(inputs("mixed01.qcow2", "full", A, true), quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloneDiskError);
    expect((err as Error).message).toBe(
      `volume lab/mixed01.qcow2 (VM mixed01) exists as a linked clone of ${paths[A]}, and homelab:disks is full: homelab does not convert a disk. ` +
        "Delete it if its data is not needed (virsh vol-delete --pool lab mixed01.qcow2) and apply again, or set homelab:disks to linked",
    );
  });

  test("a disk under a running guest is not made again: the error names the domain and the fix", async () => {
    const state = await first(inputs("busy01.qcow2", "linked", A, true));
    // A TCG guest with no OS: it sits in its firmware, holding the disk open, which is all this needs.
    await virsh.defineDomain(
      "<domain type='qemu'><name>busy01</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>" +
        `<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${state.outs.path}'/><target dev='vda' bus='virtio'/></disk>` +
        "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/></devices></domain>",
    );
    await virsh.startDomain("busy01");
    try {
      const err = await cloneDiskOps.create({ ...state.inputs, base: B, basePath: paths[B], madeFrom: A }, quiet).catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        "volume lab/busy01.qcow2 is the disk of the running domain busy01: homelab does not delete a disk under a running guest. Shut it down (virsh shutdown busy01) and apply again",
      );
      expect(backingOf(state.outs.path)).toBe(paths[A]);
    } finally {
      await virsh.destroyDomain("busy01");
    }
  });

  test("a mode change is a replacement, deleted before it is made again", async () => {
    const state = await first(inputs("mode01.qcow2", "linked", A, false));
    const diff = await cloneDiskOps.diff(state.outs.path, state.outs, { ...state.inputs, mode: "full" });
    expect(diff).toEqual({ changes: true, replaces: ["mode"], deleteBeforeReplace: true });
  });
});
