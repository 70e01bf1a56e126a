// Preflight: a missing qemu-img, a broken backing chain and a pool without room, each with a clear message.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Virsh } from "../../libvirt/virsh";
import {
  BaseImagePreflightError,
  checkBackingChain,
  estimateBaseImageBytes,
  poolRoomProblem,
  requirePoolRoom,
  requireQemuImg,
} from "../../base-images/preflight";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";

jest.setTimeout(60_000);
const GiB = 2 ** 30;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "homelab-base-preflight-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("qemu-img", () => {
  test("present: its version line", async () => {
    expect(await requireQemuImg()).toMatch(/^qemu-img version \d+\.\d+/);
  });

  test("missing: names the tool and the package to install", async () => {
    const missing = join(dir, "no-such-qemu-img");
    await expect(requireQemuImg(missing)).rejects.toThrow(BaseImagePreflightError);
    await expect(requireQemuImg(missing)).rejects.toThrow(`${missing} is not installed or not on PATH`);
    await expect(requireQemuImg(missing)).rejects.toThrow("apt-get install qemu-utils");
    await expect(checkBackingChain(join(dir, "x.qcow2"), missing)).rejects.toThrow("apt-get install qemu-utils");
  });
});

describe("backing chain", () => {
  test("intact: the clone over the base; broken: the clone and the missing base are named", async () => {
    const base = join(dir, "base.qcow2");
    const clone = join(dir, "clone.qcow2");
    execFileSync("qemu-img", ["create", "-f", "qcow2", base, "16M"], { stdio: "ignore" });
    execFileSync("qemu-img", ["create", "-f", "qcow2", "-F", "qcow2", "-b", base, clone], { stdio: "ignore" });
    expect(await checkBackingChain(clone)).toEqual([
      { filename: clone, format: "qcow2", backingFilename: base },
      { filename: base, format: "qcow2" },
    ]);
    unlinkSync(base);
    const broken = checkBackingChain(clone);
    await expect(broken).rejects.toThrow(BaseImagePreflightError);
    await expect(broken).rejects.toThrow(`the backing chain of ${clone} is broken: it reads from ${base}, which cannot be opened`);
    await expect(broken).rejects.toThrow("put the base image back at that path, or delete this clone");
  });

  test("a missing image is not mistaken for a broken chain", async () => {
    await expect(checkBackingChain(join(dir, "gone.qcow2"))).rejects.toThrow(`qemu-img cannot read ${join(dir, "gone.qcow2")}`);
  });
});

describe("pool room", () => {
  test("the estimate is three times the install ISO, rounded up to whole GiB", () => {
    expect(estimateBaseImageBytes(4.7 * GiB)).toBe(15 * GiB);
    expect(estimateBaseImageBytes(5 * GiB)).toBe(15 * GiB);
  });

  test("enough room: no problem; too little: both sizes, the shortfall and the fix", () => {
    expect(poolRoomProblem("homelab", 20 * GiB, 15 * GiB, "base image base-windows-11-abc.qcow2")).toBeUndefined();
    expect(poolRoomProblem("homelab", 10 * GiB, 15 * GiB, "base image base-windows-11-abc.qcow2")).toBe(
      "pool homelab has 10.0 GiB free but base image base-windows-11-abc.qcow2 needs about 15.0 GiB: free 5.0 GiB in the pool's filesystem " +
        "(old base images: virsh vol-list homelab), or move homelab:pool.path to a larger disk",
    );
  });

  describe("against a real pool", () => {
    let ld: PrivateLibvirtd;
    let virsh: Virsh;
    beforeAll(async () => {
      ld = await startPrivateLibvirtd();
      virsh = new Virsh({ uri: ld.uri });
      await virsh.run(["pool-define-as", "p", "dir", "--target", join(ld.dir, "p")], { kind: "pool", name: "p", operation: "define" });
      await virsh.buildPool("p");
      await virsh.startPool("p");
    });
    afterAll(async () => {
      await ld?.stop();
    });

    test("1 MiB fits; a petabyte is refused with the pool's real free space", async () => {
      await expect(requirePoolRoom(virsh, "p", 2 ** 20, "a test image")).resolves.toBeUndefined();
      await expect(requirePoolRoom(virsh, "p", 2 ** 50, "a test image")).rejects.toThrow(
        /^pool p has \d+\.\d GiB free but a test image needs about 1048576\.0 GiB/,
      );
    });

    test("a stopped pool: its free space is unknown, and the message says how to start it", async () => {
      await virsh.run(["pool-destroy", "p"], { kind: "pool", name: "p", operation: "stop" });
      await expect(requirePoolRoom(virsh, "p", 1, "a test image")).rejects.toThrow("pool p is not running");
      await expect(requirePoolRoom(virsh, "p", 1, "a test image")).rejects.toThrow("virsh pool-start p");
    });
  });
});
