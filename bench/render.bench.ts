// How rendering scales: per-domain cost for a 200-domain lab against the 4-domain dev lab.
// Run: npx ts-node --transpile-only bench/render.bench.ts
// The 200-domain lab is dev's two servers plus CLIENT01's config cloned 198 times (the two networks widened
// to /16 so 200 reservations fit in their DHCP ranges), loaded through loadLabSpec like any stack.
import { performance } from "node:perf_hooks";
import { requireLabSpec } from "../lab";
import type { LabSpec } from "../lab";
import { renderDomainXml } from "../libvirt/render";
import { stackConfig } from "../test/support/stacks";
import { labConfigOfSize } from "./lab-of-size";

/** Median milliseconds per domain over `runs` runs of rendering every domain of the lab. */
function msPerDomain(spec: LabSpec, runs: number): number {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    for (const vm of spec.vms) renderDomainXml(vm, spec);
    samples.push((performance.now() - start) / spec.vms.length);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function main(): void {
  const small = requireLabSpec(stackConfig("dev")).spec;
  const { spec: big } = requireLabSpec({ stack: "bench200", config: labConfigOfSize(200) });
  const domains = big.vms.length;
  msPerDomain(small, 200); // warm-up: JIT and xmlbuilder2's first use
  msPerDomain(big, 5);
  const smallMs = msPerDomain(small, 250);
  const bigMs = msPerDomain(big, 25);
  console.log(`4 domains (dev):        ${smallMs.toFixed(3)} ms per domain, ${(smallMs * small.vms.length).toFixed(2)} ms in all`);
  console.log(`${domains} domains (dev's servers + clones of CLIENT01): ${bigMs.toFixed(3)} ms per domain, ${(bigMs * domains).toFixed(1)} ms in all`);
  console.log(`per-domain cost ratio (${domains} / 4): ${(bigMs / smallMs).toFixed(2)}  (1.00 = linear scaling)`);
}

main();
