// Preflight of the host itself: KVM for kvm stacks, and the lab's bridges and subnets against the
// host's interfaces and routes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NetworkSpec } from "../../lab";
import { formatPreflight, HostNetworkView, networkCollisions, parseIpJson, preflight, realHost } from "../../preflight";
import { runProgram } from "../components/harness";
import { stackSpec } from "../support/stacks";

const dir = mkdtempSync(join(tmpdir(), "homelab-host-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const net = (name: string, bridge: string, subnet: string, gateway: string): NetworkSpec => ({
  name,
  uuid: "00000000-0000-4000-8000-000000000000",
  bridge,
  mac: "52:54:00:00:00:01",
  mode: "nat",
  subnet,
  prefix: Number(subnet.split("/")[1]),
  netmask: "255.255.255.0",
  gateway,
  reservations: [],
  autostart: true,
  active: true,
});
const LAB = [net("lab-net", "virbr56", "192.168.56.0/24", "192.168.56.1"), net("default", "virbr0", "192.168.122.0/24", "192.168.122.1")];
const UPLINK: HostNetworkView = {
  addresses: [
    { ifname: "lo", address: "127.0.0.1", prefix: 8 },
    { ifname: "eth0", address: "192.0.2.2", prefix: 24 },
  ],
  routes: [
    { dst: "default", dev: "eth0" },
    { dst: "192.0.2.0/24", dev: "eth0" },
  ],
};
const FIX = (n: string) => `choose another subnet or bridge for homelab:networks, the entry named ${n}, or remove what the host has`;

describe("the lab's networks against the host's", () => {
  test.each<[string, HostNetworkView, { network: string; collision: string }[]]>([
    ["a plain uplink", UPLINK, []],
    [
      "the lab's own bridges from an earlier run",
      {
        addresses: [
          ...UPLINK.addresses,
          { ifname: "virbr56", address: "192.168.56.1", prefix: 24 },
          { ifname: "virbr0", address: "192.168.122.1", prefix: 24 },
        ],
        routes: [...UPLINK.routes, { dst: "192.168.56.0/24", dev: "virbr56" }, { dst: "192.168.122.0/24", dev: "virbr0" }],
      },
      [],
    ],
    [
      "an existing virbr0 on another subnet",
      { addresses: [...UPLINK.addresses, { ifname: "virbr0", address: "192.168.100.1", prefix: 24 }], routes: UPLINK.routes },
      [{ network: "default", collision: "bridge virbr0 already exists on the host with 192.168.100.1/24, not 192.168.122.1/24" }],
    ],
    [
      "docker0 on a /16 that holds the lab's subnet",
      { addresses: [...UPLINK.addresses, { ifname: "docker0", address: "192.168.0.1", prefix: 16 }], routes: UPLINK.routes },
      [
        { network: "lab-net", collision: "subnet 192.168.56.0/24 overlaps docker0's 192.168.0.1/16" },
        { network: "default", collision: "subnet 192.168.122.0/24 overlaps docker0's 192.168.0.1/16" },
      ],
    ],
    [
      "a VPN route into the lab's subnet",
      { addresses: UPLINK.addresses, routes: [...UPLINK.routes, { dst: "192.168.56.0/25", dev: "wg0" }] },
      [{ network: "lab-net", collision: "subnet 192.168.56.0/24 overlaps the host's route to 192.168.56.0/25 via wg0" }],
    ],
    [
      "an interface with the bridge's name and no address",
      { ...UPLINK, links: ["lo", "eth0", "virbr56"] },
      [{ network: "lab-net", collision: "interface virbr56 already exists on the host (without an IPv4 address)" }],
    ],
    [
      "a host route to one address inside it",
      { addresses: UPLINK.addresses, routes: [...UPLINK.routes, { dst: "192.168.122.7", dev: "tun0" }] },
      [{ network: "default", collision: "subnet 192.168.122.0/24 overlaps the host's route to 192.168.122.7/32 via tun0" }],
    ],
  ])("%s", (_what, host, expected) => {
    expect(networkCollisions(LAB, host)).toEqual(expected.map((e) => ({ ...e, fix: FIX(e.network) })));
  });

  test("reads iproute2's JSON: IPv4 addresses of every link, routes with a device", () => {
    const addr = JSON.stringify([
      {
        ifname: "lo",
        addr_info: [
          { family: "inet", local: "127.0.0.1", prefixlen: 8 },
          { family: "inet6", local: "::1", prefixlen: 128 },
        ],
      },
      { ifname: "docker0", addr_info: [{ family: "inet", local: "172.17.0.1", prefixlen: 16 }] },
      { ifname: "ifb0" },
    ]);
    const route = JSON.stringify([
      { dst: "default", gateway: "192.0.2.1", dev: "eth0" },
      { dst: "172.17.0.0/16", dev: "docker0" },
      { dst: "blackhole 10.0.0.0/8" },
    ]);
    expect(parseIpJson(addr, route)).toEqual({
      addresses: [
        { ifname: "lo", address: "127.0.0.1", prefix: 8 },
        { ifname: "docker0", address: "172.17.0.1", prefix: 16 },
      ],
      routes: [
        { dst: "default", dev: "eth0" },
        { dst: "172.17.0.0/16", dev: "docker0" },
      ],
      links: ["lo", "docker0", "ifb0"],
    });
  });

  test("this machine's real `ip -j` output parses", () => {
    const view = realHost.network();
    expect(view).toBeDefined();
    expect(view!.addresses).toContainEqual({ ifname: "lo", address: "127.0.0.1", prefix: 8 });
  });

  test("a collision is a preflight problem that names the network and what it collides with", () => {
    const spec = stackSpec("dev");
    const host = {
      ...realHost,
      kvm: () => ({ usable: true as const }),
      network: () => ({ addresses: [{ ifname: "virbr0", address: "192.168.100.1", prefix: 24 }], routes: [] }),
      exists: () => true,
      list: realHost.list,
      isExecutable: () => true,
    };
    const problems = preflight(spec, host).problems.filter((p) => p.what.startsWith("network"));
    expect(formatPreflight(problems)).toBe(
      "the host is missing 1 thing the lab needs:\n" +
        "  network default: bridge virbr0 already exists on the host with 192.168.100.1/24, not 192.168.122.1/24; " +
        FIX("default"),
    );
  });
});

describe("domainType kvm needs usable KVM", () => {
  const withKvm = (device: string) => {
    process.env.HOMELAB_KVM_DEVICE = device;
    try {
      return realHost.kvm();
    } finally {
      delete process.env.HOMELAB_KVM_DEVICE;
    }
  };

  test("a missing device, and one that exists and opens read-write", () => {
    expect(withKvm(join(dir, "no-kvm"))).toEqual({
      usable: false,
      reason: `${join(dir, "no-kvm")} does not exist (no hardware virtualization, or the kvm_intel/kvm_amd module is not loaded)`,
    });
    writeFileSync(join(dir, "kvm"), "");
    expect(withKvm(join(dir, "kvm"))).toEqual({ usable: true });
  });

  test("a kvm stack without KVM is refused naming domainType qemu; a qemu stack is not asked", () => {
    const noKvm = {
      ...realHost,
      kvm: () => ({ usable: false as const, reason: "/dev/kvm does not exist (no hardware virtualization, or the kvm_intel/kvm_amd module is not loaded)" }),
      network: () => ({ addresses: [], routes: [] }),
      exists: () => true,
      isExecutable: () => true,
    };
    const dev = stackSpec("dev");
    expect(dev.libvirt.domainType).toBe("kvm");
    expect(preflight(dev, noKvm).problems).toContainEqual({
      what: "KVM, which homelab:domainType kvm needs",
      where: "/dev/kvm",
      problem: "/dev/kvm does not exist (no hardware virtualization, or the kvm_intel/kvm_amd module is not loaded)",
      fix: "set `pulumi config set homelab:domainType qemu` (software emulation: it works everywhere, much slower), or enable KVM on this host",
    });
    const nokvmStack = stackSpec("nokvm");
    expect(nokvmStack.libvirt.domainType).toBe("qemu");
    expect(preflight(nokvmStack, noKvm).problems.filter((p) => p.what.startsWith("KVM"))).toEqual([]);
  });

  test("the program refuses a kvm stack on a host without KVM before registering any libvirt resource", async () => {
    process.env.HOMELAB_KVM_DEVICE = join(dir, "absent-kvm");
    try {
      // The preflight's message, not the passwords' (the phases, on by default, would ask for those first).
      const run = await runProgram("dev", (c) => {
        c.guestPhases = false;
      });
      expect(run.error?.message).toContain(`KVM, which homelab:domainType kvm needs: ${join(dir, "absent-kvm")} does not exist`);
      expect(run.error?.message).toContain("pulumi config set homelab:domainType qemu");
      expect(run.registrations.filter((r) => r.custom)).toEqual([]);
    } finally {
      delete process.env.HOMELAB_KVM_DEVICE;
    }
  });
});
