// Linked clones and full copies of a base image, made by a real libvirtd in its own namespaces and
// checked with qemu-img and qemu-io (independent of libvirt): a blank qcow2 with a written pattern
// stands in for a Windows base image, since only the disk chain is under test here.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { VolumeSpec } from "../../lab";
import { Virsh } from "../../libvirt/virsh";
import { BaseImage, createCloneDisk } from "../../base-images/clones";
import { BaseImageInUseError, deleteBaseImage, volumesBackedBy } from "../../base-images/safety";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import * as ops from "../../libvirt/providers/ops";
import { cloneVolumeSpec } from "../../base-images/clones";
import { checked, volumeInputs } from "../libvirt/lab-fixture";

jest.setTimeout(120_000);

const MiB = 2 ** 20;
const BASE_BYTES = 64 * MiB;
const CLONE_BYTES = 96 * MiB;

interface ChainEntry {
  filename: string;
  format: string;
  "backing-filename"?: string;
  "virtual-size": number;
}
function backingChain(path: string): ChainEntry[] {
  return JSON.parse(execFileSync("qemu-img", ["info", "--backing-chain", "--output=json", "-U", path], { encoding: "utf8" })) as ChainEntry[];
}

/** Runs one qemu-io command; ok is false on a non-zero exit or a failed pattern check. */
function qemuIo(path: string, command: string, readOnly = false): { ok: boolean; out: string } {
  const r = spawnSync("qemu-io", [...(readOnly ? ["-r"] : []), "-f", "qcow2", "-c", command, path], { encoding: "utf8" });
  if (r.error) throw r.error;
  const out = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && !/verification failed|failed:/i.test(out), out };
}
const reads = (path: string, pattern: number) => qemuIo(path, `read -P 0x${pattern.toString(16)} 0 1M`, true).ok;
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

const volume = (pool: string, name: string): VolumeSpec => ({
  name,
  pool,
  vm: name.replace(/\.qcow2$/, ""),
  capacityBytes: CLONE_BYTES,
  format: "qcow2",
  deleteOnDestroy: true,
});

let ld: PrivateLibvirtd;
let virsh: Virsh;
let base: BaseImage;
const pool = "lab";
const otherPool = "elsewhere";

async function definePool(name: string): Promise<string> {
  const path = join(ld.dir, name);
  await virsh.run(["pool-define-as", name, "dir", "--target", path], { kind: "pool", name, operation: "define" });
  await virsh.buildPool(name);
  await virsh.startPool(name);
  return path;
}

beforeAll(async () => {
  ld = await startPrivateLibvirtd();
  virsh = new Virsh({ uri: ld.uri });
  await definePool(pool);
  await definePool(otherPool);
  await virsh.createVolume(
    pool,
    `<volume><name>base-test.qcow2</name><capacity unit='bytes'>${BASE_BYTES}</capacity><target><format type='qcow2'/></target></volume>`,
  );
  base = { pool, name: "base-test.qcow2", path: await virsh.volumePath(pool, "base-test.qcow2"), capacityBytes: BASE_BYTES };
  // The "installed Windows": 1 MiB of 0x11 at the start of the base.
  expect(qemuIo(base.path, "write -P 0x11 0 1M").ok).toBe(true);
});

afterAll(async () => {
  await ld?.stop();
});

describe("linked clones", () => {
  const names = ["dc01.qcow2", "sql01.qcow2", "cm01.qcow2"];
  const paths: string[] = [];
  let baseHash = "";

  beforeAll(async () => {
    baseHash = sha256(base.path);
    for (const name of names) {
      await createCloneDisk(virsh, volume(pool, name), base, "linked");
      paths.push(await virsh.volumePath(pool, name));
    }
  });

  test("each clone's backing chain, read by qemu-img, is the clone over the base", () => {
    for (const path of paths) {
      const chain = backingChain(path);
      expect(chain.map((e) => [e.filename, e.format])).toEqual([
        [path, "qcow2"],
        [base.path, "qcow2"],
      ]);
      expect(chain[0]["backing-filename"]).toBe(base.path);
      expect(chain[0]["virtual-size"]).toBe(CLONE_BYTES);
    }
  });

  test("libvirt reports the base as each clone's backing store", async () => {
    expect(await volumesBackedBy(virsh, base.path)).toEqual(["lab/cm01.qcow2", "lab/dc01.qcow2", "lab/sql01.qcow2"]);
  });

  test("a clone starts small: it holds only its own writes", async () => {
    for (const name of names) expect((await virsh.volumeInfo(pool, name))!.allocationBytes).toBeLessThan(1 * MiB);
  });

  test("a write to one clone changes neither the base nor the other clones", () => {
    // Every clone reads the base's data before any write.
    for (const path of paths) expect(reads(path, 0x11)).toBe(true);
    expect(qemuIo(paths[0], "write -P 0x22 0 1M").ok).toBe(true);
    expect(reads(paths[0], 0x22)).toBe(true);
    expect(reads(paths[0], 0x11)).toBe(false); // the check itself can fail
    expect(reads(paths[1], 0x11)).toBe(true);
    expect(reads(paths[2], 0x11)).toBe(true);
    expect(reads(base.path, 0x11)).toBe(true);
    expect(sha256(base.path)).toBe(baseHash);
  });

  test("deleting the base while clones exist is refused, naming every clone in every pool, even through a chain", async () => {
    // A clone in another pool, and an overlay on a clone (a snapshot of dc01): both still read the base.
    await createCloneDisk(virsh, volume(otherPool, "client01.qcow2"), base, "linked");
    await virsh.createVolume(
      otherPool,
      `<volume><name>dc01-snap.qcow2</name><capacity unit='bytes'>${CLONE_BYTES}</capacity><target><format type='qcow2'/></target>` +
        `<backingStore><path>${paths[0]}</path><format type='qcow2'/></backingStore></volume>`,
    );
    const refusal = deleteBaseImage(virsh, pool, base.name);
    await expect(refusal).rejects.toThrow(BaseImageInUseError);
    await expect(refusal).rejects.toThrow(
      "base image lab/base-test.qcow2 is the backing store of 5 volume(s): " +
        "elsewhere/client01.qcow2, elsewhere/dc01-snap.qcow2, lab/cm01.qcow2, lab/dc01.qcow2, lab/sql01.qcow2",
    );
    expect(await virsh.volumeInfo(pool, base.name)).toBeDefined();
    expect(sha256(base.path)).toBe(baseHash);
  });
});

describe("full copies", () => {
  const names = ["full-a.qcow2", "full-b.qcow2"];
  const paths: string[] = [];

  beforeAll(async () => {
    for (const name of names) {
      await createCloneDisk(virsh, volume(pool, name), base, "full");
      paths.push(await virsh.volumePath(pool, name));
    }
  });

  test("a full copy has no backing file, the base's data and the VM's size", async () => {
    for (const path of paths) {
      const chain = backingChain(path);
      expect(chain.map((e) => e.filename)).toEqual([path]);
      expect(chain[0]["backing-filename"]).toBeUndefined();
      expect(chain[0]["virtual-size"]).toBe(CLONE_BYTES);
      expect(reads(path, 0x11)).toBe(true);
    }
    expect(await volumesBackedBy(virsh, base.path)).not.toContain("lab/full-a.qcow2");
  });

  test("full copies are independent of each other and of the base", async () => {
    expect(qemuIo(paths[0], "write -P 0x33 0 1M").ok).toBe(true);
    expect(reads(paths[0], 0x33)).toBe(true);
    expect(reads(paths[1], 0x11)).toBe(true);
    expect(reads(base.path, 0x11)).toBe(true);
    // Once every linked clone is gone the base may go, and the copies still hold its data.
    for (const v of ["elsewhere/dc01-snap.qcow2", "elsewhere/client01.qcow2", "lab/dc01.qcow2", "lab/sql01.qcow2", "lab/cm01.qcow2"]) {
      const [p, n] = v.split("/");
      await virsh.deleteVolume(p, n);
    }
    await deleteBaseImage(virsh, pool, base.name);
    expect(await virsh.volumeInfo(pool, base.name)).toBeUndefined();
    expect(reads(paths[1], 0x11)).toBe(true);
    expect(reads(paths[0], 0x33)).toBe(true);
  });
});

describe("a linked clone through the libvirt Volume provider (what pulumi up runs)", () => {
  test("create makes the overlay on the base; read and diff then see no change; qemu-img confirms the chain", async () => {
    await virsh.createVolume(
      pool,
      `<volume><name>base-2.qcow2</name><capacity unit='bytes'>${BASE_BYTES}</capacity><target><format type='qcow2'/></target></volume>`,
    );
    const base2: BaseImage = { pool, name: "base-2.qcow2", path: await virsh.volumePath(pool, "base-2.qcow2"), capacityBytes: BASE_BYTES };
    const spec = cloneVolumeSpec(volume(pool, "client02.qcow2"), base2, "linked");
    const inputs = await checked(ops.volume.check, volumeInputs(ld.uri, spec));
    const quiet = { info: () => undefined, warn: () => undefined };
    const made = await ops.volume.create(inputs, quiet);
    expect(backingChain(made.outs.path).map((e) => e.filename)).toEqual([made.outs.path, base2.path]);
    const again = await ops.volume.read(made.id, inputs);
    expect(await ops.volume.diff(made.id, { ...made.outs, ...(again.props ?? {}) }, inputs)).toMatchObject({ changes: false, replaces: [] });
    await expect(deleteBaseImage(virsh, pool, "base-2.qcow2")).rejects.toThrow("is the backing store of 1 volume(s): lab/client02.qcow2");
  });
});
