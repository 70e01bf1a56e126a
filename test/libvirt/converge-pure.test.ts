// The pure decisions behind drift and convergence: tables with literal expectations.
import { uriMoveProblem } from "../../libvirt/providers/diff";
import { liveNetworkPlan } from "../../libvirt/providers/network-live";
import { networkChangeNote } from "../../libvirt/providers/network";
import { poolMoveProblem } from "../../libvirt/providers/pool";
import { networkSummary, poolSummary, xmlDrift } from "../../libvirt/providers/summary";
import { volumeGrowNote } from "../../libvirt/providers/volume";

const net = (
  o: { mac?: string; range?: string; hosts?: string[]; address?: string } = {},
) => `<network><name>default</name><uuid>0194d3b9-53c3-5d96-8581-c3aa5f4e6332</uuid>
  <forward mode='nat'/><bridge name='virbr0' stp='on' delay='0'/><mac address='${o.mac ?? "52:54:00:4a:51:d7"}'/>
  <ip address='${o.address ?? "192.168.122.1"}' netmask='255.255.255.0'><dhcp>${o.range ?? "<range start='192.168.122.100' end='192.168.122.254'/>"}
  ${(o.hosts ?? []).join("")}</dhcp></ip></network>`;
const H1 = "<host mac='52:54:00:3a:5e:3d' name='CLIENT01' ip='192.168.122.101'/>";
const H2 = "<host mac='52:54:00:24:ee:34' name='CLIENT02' ip='192.168.122.102'/>";

describe("a running network reaches its definition", () => {
  test("in sync: nothing to do", () => {
    expect(liveNetworkPlan(net({ hosts: [H1, H2] }), net({ hosts: [H1, H2] }))).toEqual({ inSync: true, updates: [] });
  });

  test("reservations and ranges: net-update calls, deletes before adds", () => {
    expect(
      liveNetworkPlan(
        net({ hosts: [H1, H2] }),
        net({ range: "<range start='192.168.122.2' end='192.168.122.254'/>", hosts: [H1, "<host mac='52:54:00:00:00:99' ip='192.168.122.150'/>"] }),
      ),
    ).toEqual({
      inSync: false,
      updates: [
        { command: "delete", section: "ip-dhcp-range", xml: "<range start='192.168.122.2' end='192.168.122.254'/>", parentIndex: 0 },
        { command: "add-last", section: "ip-dhcp-range", xml: "<range start='192.168.122.100' end='192.168.122.254'/>", parentIndex: 0 },
        { command: "delete", section: "ip-dhcp-host", xml: "<host mac='52:54:00:00:00:99' ip='192.168.122.150'/>", parentIndex: 0 },
        { command: "add-last", section: "ip-dhcp-host", xml: "<host mac='52:54:00:24:ee:34' name='CLIENT02' ip='192.168.122.102'/>", parentIndex: 0 },
      ],
    });
  });

  test("a new MAC or address: only a restart applies it", () => {
    expect(liveNetworkPlan(net(), net({ mac: "52:54:00:11:22:33" }))).toEqual({
      inSync: false,
      updates: [],
      restart: '/network/mac/@address = "52:54:00:4a:51:d7"',
    });
    expect(liveNetworkPlan(net({ address: "192.168.122.254" }), net()).restart).toBe('/network/ip/@address = "192.168.122.254"');
  });

  test("the preview note says which of the two happens", () => {
    const s = (xml: string) => networkSummary(xml);
    expect(networkChangeNote("default", s(net()), s(net({ hosts: [H1] })))).toBe(
      "network default: DHCP hosts and ranges are applied to the running network (virsh net-update --live --config)",
    );
    expect(networkChangeNote("default", s(net()), s(net({ mac: "52:54:00:11:22:33" })))).toBe(
      "network default: mac change only by restarting the network: if it runs, it restarts (its guests lose their link until their NICs are re-plugged or they reboot)",
    );
    expect(networkChangeNote("default", s(net()), s(net()))).toBeUndefined();
    expect(networkChangeNote("default", undefined, s(net()))).toBeUndefined();
  });
});

describe("drift paths", () => {
  test("every difference, with both values; an element libvirt lacks", () => {
    const wanted =
      "<domain><name>X</name><devices><graphics type='vnc' listen='127.0.0.1'/><memballoon model='none'/><tpm model='tpm-crb'/></devices></domain>";
    const live = "<domain><name>X</name><devices><graphics type='vnc' listen='0.0.0.0' port='5900'/><memballoon model='virtio'/></devices></domain>";
    expect(xmlDrift(wanted, live)).toEqual([
      '/domain/devices/graphics/@listen = "127.0.0.1" (libvirt has "0.0.0.0")',
      '/domain/devices/memballoon/@model = "none" (libvirt has "virtio")',
      "/domain/devices/tpm (libvirt has no such element)",
    ]);
    expect(xmlDrift(wanted, wanted)).toEqual([]);
  });
});

describe("refusals and notes that reach the preview", () => {
  const pool = (path: string) =>
    poolSummary(`<pool type='dir'><name>homelab</name><uuid>9d7a1f2e-0000-4000-8000-000000000001</uuid><target><path>${path}</path></target></pool>`);

  test("a pool that would leave the disks behind", () => {
    expect(poolMoveProblem("homelab", pool("/a"), pool("/a"))).toBeUndefined();
    expect(poolMoveProblem("homelab", undefined, pool("/b"))).toBeUndefined();
    expect(poolMoveProblem("homelab", pool("/a"), pool("/b"))).toBe(
      "pool homelab: homelab:pool changes its path from /a to /b, which would leave every VM's disk behind in /a " +
        "(the new pool would be empty and the guests would not start). Nothing was changed. To move the lab's disks and keep " +
        "the guests' UEFI variables and TPM state: shut the guests down; virsh pool-destroy homelab; move the image files " +
        "(mkdir -p /b && mv /a/* /b/); virsh pool-edit homelab (set <path> to /b); virsh pool-start homelab; " +
        "then `pulumi refresh` (it reads the pool at its new path) and `pulumi up`. Or set homelab:pool.path back to /a",
    );
  });

  test("a URI that reaches the same object is fine; another host is refused with advice", () => {
    const uuid = "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01";
    expect(uriMoveProblem("domain", "DC01", uuid, "qemu:///system", "qemu+ssh://me@here/system", uuid.toUpperCase())).toBeUndefined();
    expect(uriMoveProblem("domain", "DC01", uuid, "qemu:///system", "qemu+ssh://me@other/system", "11111111-2222-4333-8444-555555555555")).toBe(
      "domain DC01: homelab:uri changed from qemu:///system to qemu+ssh://me@other/system, but qemu+ssh://me@other/system has a domain named DC01 " +
        "with another UUID (11111111-2222-4333-8444-555555555555), so the new URI does not reach the same host. homelab does not move a lab between hosts " +
        "by replacing it (that would undefine every domain with its UEFI variables and TPM state). Set homelab:uri back to qemu:///system; to move the lab, " +
        "destroy it there (the disks stay) and copy the pool's images to the new host first, or, if only the spelling changed, check that the new URI " +
        `reaches the same libvirtd (virsh -c 'qemu+ssh://me@other/system' dominfo ${uuid})`,
    );
  });

  test("a grow says it happens live", () => {
    expect(volumeGrowNote("homelab", "DC01.qcow2", 100, 100)).toBeUndefined();
    expect(volumeGrowNote("homelab", "DC01.qcow2", undefined, 200)).toBeUndefined();
    expect(volumeGrowNote("homelab", "DC01.qcow2", 100, 200)).toBe(
      "volume homelab/DC01.qcow2 grows from 100 to 200 bytes in place; if its guest runs, " +
        "it grows live (virsh blockresize) and the guest sees the new space as unallocated (extend the volume in Disk Management); no shutdown needed",
    );
  });
});
