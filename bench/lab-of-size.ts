// Labs of any size for the benches: dev's two servers plus CLIENT01's config cloned, the two
// networks widened to /16 so the reservations fit in their DHCP ranges; loaded like any stack.
import { stackConfig } from "../test/support/stacks";

type Config = Record<string, unknown>;
interface NicConfig {
  network: string;
  ip?: string;
  reserve?: string;
}
interface VmConfig {
  name: string;
  role: string;
  nics: NicConfig[];
}
interface NetworkConfig {
  name: string;
  subnet: string;
  gateway?: string;
  dhcp?: { start: string; end: string; server: string };
}

// dev's 192.168.<n>.0/24 networks become 10.<n>.0.0/16: servers keep their host part in 10.<n>.0.x
// (outside the range), clients get reservations from 10.<n>.1.1 on.
const widen = (ip: string): string => ip.replace(/^192\.168\.(\d+)\.(\d+)$/, "10.$1.0.$2");
const octet = (ip: string): string => /^192\.168\.(\d+)\./.exec(ip)![1];

/** dev grown to `domains` VMs: its servers plus clones of CLIENT01. */
export function labConfigOfSize(domains: number): Config {
  const { config } = stackConfig("dev");
  const networks = (config.networks as NetworkConfig[]).map((n) => {
    const third = octet(n.subnet);
    return {
      ...n,
      subnet: `10.${third}.0.0/16`,
      gateway: `10.${third}.0.1`,
      dhcp: n.dhcp && { ...n.dhcp, start: `10.${third}.1.1`, end: `10.${third}.255.254` },
    };
  });
  const vms = config.vms as VmConfig[];
  const servers = vms.filter((vm) => vm.role !== "client").map((vm) => ({ ...vm, nics: vm.nics.map((nic) => ({ ...nic, ip: nic.ip && widen(nic.ip) })) }));
  const template = vms.find((vm) => vm.name === "CLIENT01")!;
  const clients = Array.from({ length: domains - servers.length }, (_, i) => ({
    ...structuredClone(template),
    name: `CLIENT${String(i + 1).padStart(3, "0")}`,
    nics: template.nics.map((nic) => ({ network: nic.network, reserve: `10.${octet(nic.reserve!)}.${1 + Math.floor(i / 250)}.${(i % 250) + 1}` })),
  }));
  return { ...config, networks, vms: [...servers, ...clients] };
}
