// Pure: do the lab's bridges and subnets collide with what the host already has? Read from
// `ip -j addr` and `ip -j route` (iproute2's JSON output) at the edge; decided here on plain data.
import type { NetworkSpec } from "../lab";
import { overlaps, parseCidr, toInt } from "../lab/ipv4";
import type { Cidr } from "../lab/ipv4";

/** One IPv4 address of a host interface (`ip -j addr`: ifname, addr_info[].local/prefixlen). */
export interface HostAddress {
  ifname: string;
  address: string;
  prefix: number;
}

/** One IPv4 route of the host (`ip -j route`: dst is "default", "a.b.c.d/n" or a host address). */
export interface HostRoute {
  dst: string;
  dev: string;
}

export interface HostNetworkView {
  addresses: HostAddress[];
  routes: HostRoute[];
  /** Every interface's name, with or without an address (absent: only those in `addresses`). */
  links?: string[];
}

export interface NetworkCollision {
  network: string;
  /** What on the host it collides with, in words. */
  collision: string;
  fix: string;
}

const cidrOf = (address: string, prefix: number): Cidr => {
  const size = 2 ** (32 - prefix);
  return { network: Math.floor(toInt(address) / size) * size, prefix, size };
};

const routeCidr = (dst: string): Cidr | undefined => {
  if (dst === "default") return undefined;
  const [ip, len] = dst.includes("/") ? dst.split("/") : [dst, "32"];
  return cidrOf(ip, Number(len));
};

const fmt = (c: Cidr) => {
  const n = c.network;
  return `${[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".")}/${c.prefix}`;
};

/**
 * A lab network collides when another host interface already sits in (or routes to) its subnet, or
 * when an interface already has its bridge's name but another address. The lab's own bridge from an
 * earlier run (same name, the network's gateway address) is not a collision: that is the lab itself,
 * or the packaged network it adopts.
 */
export function networkCollisions(networks: readonly NetworkSpec[], host: HostNetworkView): NetworkCollision[] {
  const found: NetworkCollision[] = [];
  for (const n of networks) {
    const subnet = parseCidr(n.subnet);
    if (!subnet) continue;
    const fix = `choose another subnet or bridge for homelab:networks, the entry named ${n.name}, or remove what the host has`;
    for (const a of host.addresses) {
      const theirs = cidrOf(a.address, a.prefix);
      if (a.ifname === n.bridge) {
        if (a.address !== n.gateway || a.prefix !== n.prefix) {
          found.push({
            network: n.name,
            collision: `bridge ${n.bridge} already exists on the host with ${a.address}/${a.prefix}, not ${n.gateway}/${n.prefix}`,
            fix,
          });
        }
      } else if (overlaps(subnet, theirs)) {
        found.push({ network: n.name, collision: `subnet ${n.subnet} overlaps ${a.ifname}'s ${a.address}/${a.prefix}`, fix });
      }
    }
    // An interface of that name with no IPv4 address at all (a bare bridge, a tap): libvirt
    // cannot create the bridge, and the network does not start.
    if ((host.links ?? []).includes(n.bridge) && !host.addresses.some((a) => a.ifname === n.bridge)) {
      found.push({ network: n.name, collision: `interface ${n.bridge} already exists on the host (without an IPv4 address)`, fix });
    }
    for (const r of host.routes) {
      const dst = routeCidr(r.dst);
      if (!dst || r.dev === n.bridge || !overlaps(subnet, dst)) continue;
      // An interface's own subnet route is already named by its address above.
      if (host.addresses.some((a) => a.ifname === r.dev && overlaps(cidrOf(a.address, a.prefix), dst))) continue;
      found.push({ network: n.name, collision: `subnet ${n.subnet} overlaps the host's route to ${fmt(dst)} via ${r.dev}`, fix });
    }
  }
  return found;
}

/** Pure: `ip -j addr` and `ip -j route` output into the view (IPv4 only). */
export function parseIpJson(addrJson: string, routeJson: string): HostNetworkView {
  const links = JSON.parse(addrJson) as { ifname: string; addr_info?: { family: string; local: string; prefixlen: number }[] }[];
  const routes = JSON.parse(routeJson) as { dst: string; dev?: string }[];
  return {
    addresses: links.flatMap((l) =>
      (l.addr_info ?? []).filter((a) => a.family === "inet").map((a) => ({ ifname: l.ifname, address: a.local, prefix: a.prefixlen })),
    ),
    routes: routes.filter((r) => r.dev !== undefined).map((r) => ({ dst: r.dst, dev: r.dev! })),
    links: links.map((l) => l.ifname),
  };
}
