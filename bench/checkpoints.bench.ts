// What a checkpoint costs over the bare tool calls it is made of, against a private libvirtd this
// bench starts and stops (root). One shut-off UEFI + TPM domain; per repetition:
//   library:  createCheckpoint + revertCheckpoint + deleteCheckpoint (virsh facts, locks, records, renames)
//   baseline: the same qemu-img snapshot -c / -a / -d and cp -a calls in a plain sequence
// Printed as the ratio of the medians, since these machines are noisy.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CheckpointContext, createCheckpoint, deleteCheckpoint, revertCheckpoint } from "../checkpoints/checkpoints";
import { Host } from "../checkpoints/host";
import { checkpointRoot, layout } from "../checkpoints/layout";
import { buildFixture } from "../test/checkpoints/fixture";
import { startPrivateLibvirtd } from "../test/support/private-libvirtd";

const REPEAT = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const daemon = await startPrivateLibvirtd();
  try {
    const fx = await buildFixture(daemon);
    const disk = await fx.disk("W1");
    const nvram = fx.spec.vms[0].nvramPath;
    const tpm = fx.tpmDir("W1");
    const ctx: CheckpointContext = { layout: layout(checkpointRoot(fx.spec.pool.path)), host: new Host({ uri: daemon.uri, swtpmDir: fx.swtpmDir }) };
    const scratch = join(daemon.dir, "baseline");
    const baseline: number[] = [];
    const library: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      let t0 = performance.now();
      execFileSync("qemu-img", ["snapshot", "-c", "b", disk]);
      execFileSync("cp", ["-a", nvram, `${scratch}.fd`]);
      execFileSync("cp", ["-a", tpm, `${scratch}.tpm`]);
      execFileSync("qemu-img", ["snapshot", "-a", "b", disk]);
      execFileSync("cp", ["-a", `${scratch}.fd`, nvram]);
      rmSync(tpm, { recursive: true });
      execFileSync("cp", ["-a", `${scratch}.tpm`, tpm]);
      execFileSync("qemu-img", ["snapshot", "-d", "b", disk]);
      rmSync(`${scratch}.fd`);
      rmSync(`${scratch}.tpm`, { recursive: true });
      baseline.push(performance.now() - t0);

      t0 = performance.now();
      await createCheckpoint(ctx, { name: `bench-${i}`, vms: ["W1"] });
      await revertCheckpoint(ctx, { name: `bench-${i}` });
      await deleteCheckpoint(ctx, { name: `bench-${i}` });
      library.push(performance.now() - t0);
    }
    const b = median(baseline);
    const l = median(library);
    process.stdout.write(`create + revert + delete of one UEFI + TPM VM: ${(l / b).toFixed(2)}x the bare qemu-img and cp calls (median of ${REPEAT})\n`);
  } finally {
    await daemon.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
