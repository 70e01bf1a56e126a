// Linked clones against full copies of a base image, against a private libvirtd this bench starts and stops.
// Run: npx ts-node --transpile-only bench/base-images.bench.ts   (root: it starts libvirtd in namespaces)
// The base: a qcow2 of 20 GiB virtual size holding BASE_DATA_MIB of written (non-zero) data. A real
// Windows Server base holds about 10 GiB; that cannot be copied 20 times on this machine, so the full
// copies here move BASE_DATA_MIB each and the full/linked ratio below is smaller than on a real base.
// Per lab size (4 and 20 VMs): the disks made as linked clones, then as full copies (vol-create-from),
// each through base-images/clones.ts; time, and bytes the files really occupy (st_blocks), not capacity.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { DiskMode, VolumeSpec } from "../lab";
import { Virsh } from "../libvirt/virsh";
import { BaseImage, createCloneDisk } from "../base-images/clones";
import { startPrivateLibvirtd } from "../test/support/private-libvirtd";

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const BASE_DATA_MIB = 512;
const LABS = [4, 20];

const used = (path: string) => statSync(path).blocks * 512;

async function makeDisks(virsh: Virsh, base: BaseImage, pool: string, n: number, mode: DiskMode): Promise<{ ms: number; bytes: number }> {
  const names = Array.from({ length: n }, (_, i) => `vm${String(i).padStart(2, "0")}-${mode}.qcow2`);
  const t0 = performance.now();
  for (const name of names) {
    const vol: VolumeSpec = { name, pool, vm: name, capacityBytes: 20 * GiB, format: "qcow2", deleteOnDestroy: true };
    await createCloneDisk(virsh, vol, base, mode);
  }
  const ms = performance.now() - t0;
  let bytes = 0;
  for (const name of names) bytes += used(await virsh.volumePath(pool, name));
  for (const name of names) await virsh.deleteVolume(pool, name);
  return { ms, bytes };
}

async function main(): Promise<void> {
  const ld = await startPrivateLibvirtd({ maxLifetimeSeconds: 1800 });
  try {
    const virsh = new Virsh({ uri: ld.uri });
    const pool = "bench";
    await virsh.run(["pool-define-as", pool, "dir", "--target", join(ld.dir, pool)], { kind: "pool", name: pool, operation: "define" });
    await virsh.buildPool(pool);
    await virsh.startPool(pool);
    await virsh.createVolume(
      pool,
      `<volume><name>base.qcow2</name><capacity unit='bytes'>${20 * GiB}</capacity><target><format type='qcow2'/></target></volume>`,
    );
    const path = await virsh.volumePath(pool, "base.qcow2");
    execFileSync("qemu-io", ["-f", "qcow2", "-c", `write -P 0x5a 0 ${BASE_DATA_MIB}M`, path], { stdio: "ignore" });
    const base: BaseImage = { pool, name: "base.qcow2", path, capacityBytes: 20 * GiB };
    console.log(`base image: 20 GiB virtual, ${BASE_DATA_MIB} MiB written, ${(used(path) / MiB).toFixed(0)} MiB on disk`);
    console.log("| VMs | linked ms | full ms | linked/full time | linked MiB | full MiB | linked/full bytes |");
    console.log("|----:|----------:|--------:|-----------------:|-----------:|---------:|------------------:|");
    for (const n of LABS) {
      const linked = await makeDisks(virsh, base, pool, n, "linked");
      const full = await makeDisks(virsh, base, pool, n, "full");
      console.log(
        `| ${n} | ${linked.ms.toFixed(0)} | ${full.ms.toFixed(0)} | ${(linked.ms / full.ms).toFixed(3)} | ` +
          `${(linked.bytes / MiB).toFixed(1)} | ${(full.bytes / MiB).toFixed(1)} | ${(linked.bytes / full.bytes).toFixed(4)} |`,
      );
    }
    console.log("goal: linked/full <= 0.05 (1/20) in time and bytes at 20 VMs");
  } finally {
    await ld.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
