// How rendering scales: per-domain cost for a 200-domain lab against the 4-domain dev lab.
// Run: npx ts-node --transpile-only bench/render.bench.ts
// The 200-domain lab is dev's two servers plus CLIENT01's config cloned 198 times (the two networks widened
// to /16 so 200 reservations fit in their DHCP ranges), loaded through loadLabSpec like any stack.
import { performance } from "node:perf_hooks";
import { requireLabSpec } from "../lab";
import type { LabSpec } from "../lab";
import { renderDomainXml } from "../libvirt/render";
import { stackConfig } from "../test/support/stacks";

type Config = Record<string, unknown>;
interface NicConfig { network: string; ip?: string; reserve?: string }
interface VmConfig { name: string; role: string; nics: NicConfig[] }
interface NetworkConfig { name: string; subnet: string; gateway?: string; dhcp?: { start: string; end: string; server: string } }

const DOMAINS = 200;
// dev's 192.168.<n>.0/24 networks become 10.<n>.0.0/16: servers keep their host part in 10.<n>.0.x
// (outside the range), clients get reservations from 10.<n>.1.1 on.
const widen = (ip: string): string => ip.replace(/^192\.168\.(\d+)\.(\d+)$/, "10.$1.0.$2");
const octet = (ip: string): string => /^192\.168\.(\d+)\./.exec(ip)![1];

function bigLabConfig(): Config {
  const { config } = stackConfig("dev");
  const networks = (config.networks as NetworkConfig[]).map((n) => {
    const third = octet(n.subnet);
    return { ...n, subnet: `10.${third}.0.0/16`, gateway: `10.${third}.0.1`, dhcp: n.dhcp && { ...n.dhcp, start: `10.${third}.1.1`, end: `10.${third}.255.254` } };
  });
  const vms = config.vms as VmConfig[];
  const servers = vms.filter((vm) => vm.role !== "client").map((vm) => ({ ...vm, nics: vm.nics.map((nic) => ({ ...nic, ip: nic.ip && widen(nic.ip) })) }));
  const template = vms.find((vm) => vm.name === "CLIENT01")!;
  const clients = Array.from({ length: DOMAINS - servers.length }, (_, i) => ({
    ...structuredClone(template),
    name: `CLIENT${String(i + 1).padStart(3, "0")}`,
    nics: template.nics.map((nic) => ({ network: nic.network, reserve: `10.${octet(nic.reserve!)}.${1 + Math.floor(i / 250)}.${(i % 250) + 1}` })),
  }));
  return { ...config, networks, vms: [...servers, ...clients] };
}

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
  const { spec: big } = requireLabSpec({ stack: "bench200", config: bigLabConfig() });
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
