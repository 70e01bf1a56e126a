// How building the Pulumi resource graph grows with the lab: labs of 4, 50 and 200 VMs built
// under Pulumi's mocks (no CLI here), each in a fresh process, timed from the Lab's constructor
// until the mock engine has seen every registration. Printed as a ratio to the 4-VM lab.
// Run: npx ts-node --transpile-only bench/graph.bench.ts
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { requireLabSpec } from "../lab";
import { loadMediaManifest } from "../media/manifest-schema";
import { buildPhaseGraph } from "../phases/graph";
import { labConfigOfSize } from "./lab-of-size";

const SIZES = [4, 50, 200];
const RUNS = 3;

async function buildOnce(size: number): Promise<{ ms: number; resources: number }> {
  const pulumi = await import("@pulumi/pulumi");
  let registered = 0;
  let done: () => void = () => undefined;
  const { spec } = requireLabSpec({ stack: `bench${size}`, config: labConfigOfSize(size) });
  // One Lab, a LabNetwork and a libvirt network per network, LabStorage and its pool, and per VM a component, a volume and a domain.
  const expected = 1 + 2 * spec.networks.length + 2 + 3 * spec.vms.length;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        if (++registered === expected) done();
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    "homelab",
    spec.stack,
    false,
  );
  const { Lab } = await import("../components/lab");
  // The graph is built at the edge (as the program does) and outside the timed part; with the phases off the Lab does not use it.
  const graph = buildPhaseGraph(spec, loadMediaManifest());
  const start = performance.now();
  new Lab(spec.stack, { spec, graph, secrets: {}, projectDir: `${__dirname}/..` });
  await all;
  return { ms: performance.now() - start, resources: registered };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const child = process.argv[2];
  if (child) {
    const r = await buildOnce(Number(child));
    process.stdout.write(JSON.stringify(r));
    return;
  }
  const results = SIZES.map((size) => {
    const samples = Array.from(
      { length: RUNS },
      () =>
        JSON.parse(execFileSync("npx", ["ts-node", "--transpile-only", __filename, String(size)], { encoding: "utf8" })) as { ms: number; resources: number },
    );
    return { size, resources: samples[0].resources, ms: median(samples.map((s) => s.ms)) };
  });
  const base = results[0];
  console.log("VMs  resources  build ms (median of 3)  ratio to 4 VMs  per-VM ratio");
  for (const r of results) {
    console.log(
      `${String(r.size).padStart(3)}  ${String(r.resources).padStart(9)}  ${r.ms.toFixed(1).padStart(21)}  ${(r.ms / base.ms).toFixed(2).padStart(14)}  ${(r.ms / r.size / (base.ms / base.size)).toFixed(2).padStart(12)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
