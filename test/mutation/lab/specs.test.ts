// Whole LabSpecs written out: the linux stack (every Linux default) and the parts of split-sql that
// differ from dev (a dedicated SQL VM). Identities were checked with Python's uuid5/sha256.
import { loadLabSpec } from "../../../lab";
import { clone, stackConfig, stackSpec } from "../../support/stacks";

const LINUX_NIC = (network: string, mac: string, addressing: string, ip: string) => ({ network, mac, addressing, ip, model: "virtio" });
const LINUX_VM = (name: string, uuid: string, vcpus: number, memoryMiB: number, diskGiB: number, uefi: boolean, nics: object[], managementIp: string) => ({
  name,
  hostname: name,
  uuid,
  role: "linux",
  os: "linux",
  template: "linux",
  vcpus,
  memoryBytes: memoryMiB * 2 ** 20,
  diskBytes: diskGiB * 2 ** 30,
  diskBus: "virtio",
  volume: `${name}.qcow2`,
  nics,
  isos: { install: "/var/lib/libvirt/iso/debian-12-netinst.iso" },
  firmware: { uefi, secureBoot: false },
  tpm: false,
  nvramPath: `/var/lib/libvirt/qemu/nvram/${name}_VARS.fd`,
  start: true,
  winrmUser: "Administrator",
  managementIp,
});

test("the linux stack, every value", () => {
  expect(stackSpec("linux")).toEqual({
    stack: "linux",
    libvirt: { uri: "qemu:///system", domainType: "kvm", nvramDir: "/var/lib/libvirt/qemu/nvram", graphics: "vnc" },
    networks: [
      {
        name: "lab-net",
        uuid: "6aecab08-2b37-58ed-8a13-d0a6726e6809",
        bridge: "virbr56",
        mac: "52:54:00:3d:71:49",
        mode: "nat",
        subnet: "192.168.56.0/24",
        prefix: 24,
        netmask: "255.255.255.0",
        gateway: "192.168.56.1",
        dhcp: { start: "192.168.56.100", end: "192.168.56.200", server: "libvirt" },
        reservations: [
          { mac: "52:54:00:bb:41:05", name: "web01", ip: "192.168.56.20", vm: "web01" },
          { mac: "52:54:00:74:89:0b", name: "db01", ip: "192.168.56.21", vm: "db01" },
        ],
        autostart: true,
        active: true,
      },
      {
        name: "default",
        uuid: "8539aa88-93d5-5a5b-b584-3a95b5fb8cca",
        bridge: "virbr0",
        mac: "52:54:00:df:42:94",
        mode: "nat",
        subnet: "192.168.122.0/24",
        prefix: 24,
        netmask: "255.255.255.0",
        gateway: "192.168.122.1",
        dhcp: { start: "192.168.122.100", end: "192.168.122.254", server: "libvirt" },
        reservations: [{ mac: "52:54:00:3f:18:c1", name: "router01", ip: "192.168.122.2", vm: "router01" }],
        autostart: true,
        active: true,
      },
    ],
    pool: {
      name: "homelab-linux",
      uuid: "50bb47f4-d757-54f4-a2d3-be1a853369d2",
      type: "dir",
      path: "/var/lib/libvirt/images/homelab-linux",
      autostart: true,
      active: true,
    },
    volumes: [
      ["router01", 10],
      ["web01", 20],
      ["db01", 40],
    ].map(([vm, gib]) => ({
      name: `${vm}.qcow2`,
      pool: "homelab-linux",
      vm,
      capacityBytes: (gib as number) * 2 ** 30,
      format: "qcow2",
      deleteOnDestroy: false,
    })),
    vms: [
      LINUX_VM(
        "router01",
        "008b88d6-984c-510b-8197-5afeb37d026b",
        1,
        1024,
        10,
        true,
        [LINUX_NIC("lab-net", "52:54:00:00:45:bc", "static", "192.168.56.2"), LINUX_NIC("default", "52:54:00:3f:18:c1", "reserved", "192.168.122.2")],
        "192.168.56.2",
      ),
      LINUX_VM(
        "web01",
        "faa8ecac-660c-578e-88b5-a79b1fe8e103",
        2,
        2048,
        20,
        true,
        [LINUX_NIC("lab-net", "52:54:00:bb:41:05", "reserved", "192.168.56.20")],
        "192.168.56.20",
      ),
      LINUX_VM(
        "db01",
        "bcfdb716-d6dd-5d59-b424-b465f7873641",
        2,
        4096,
        40,
        false,
        [LINUX_NIC("lab-net", "52:54:00:74:89:0b", "reserved", "192.168.56.21")],
        "192.168.56.21",
      ),
    ],
    secrets: [],
    guest: { phases: false, transport: "ntlm", port: 5985, user: "Administrator", install: "unattended", checkpoints: "auto" },
  });
});

test("split-sql: a dedicated SQL VM, the domain's DN and forwarder, Windows defaults", () => {
  const spec = stackSpec("split-sql");
  expect(spec.domain).toEqual({
    fqdn: "split.homelab.test",
    netbios: "SPLIT",
    dn: "DC=split,DC=homelab,DC=test",
    dc: "DC01",
    dcVm: spec.vms[0],
    forwarders: ["192.168.58.1"],
  });
  expect(spec.sccm).toEqual({
    siteCode: "SP1",
    siteName: "Split SQL Site",
    siteServer: "SCCM01",
    sqlServer: "SQL01",
    sqlColocated: false,
    siteServerVm: spec.vms[2],
    sqlVm: spec.vms[1],
  });
  const sql = spec.vms[1];
  expect(sql).toMatchObject({
    name: "SQL01",
    role: "sql",
    template: "windows",
    memoryBytes: 8589934592,
    diskBytes: 80 * 2 ** 30,
    diskBus: "sata",
    firmware: { uefi: true, secureBoot: true },
    tpm: true,
    managementIp: "192.168.57.12",
    isos: { install: "/var/lib/libvirt/iso/windows-server-2022.iso", media: "/var/lib/libvirt/iso/homelab-media.iso" },
  });
  expect(sql.nics.map((n) => [n.addressing, n.ip, n.model])).toEqual([
    ["static", "192.168.57.12", "e1000e"],
    ["static", "192.168.58.12", "e1000e"],
  ]);
  expect(spec.networks[1].reservations).toEqual([{ mac: "52:54:00:92:4c:2b", name: "CLIENT01", ip: "192.168.58.101", vm: "CLIENT01" }]);
});

describe("defaults and normalisation", () => {
  const load = (change: (c: Record<string, any>) => void) => {
    const input = clone(stackConfig("dev"));
    change(input.config);
    const r = loadLabSpec(input);
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
    return r.spec;
  };
  test("upper-case domain and site code are normalised; a trailing slash leaves the NVRAM folder", () => {
    const spec = load((c) => {
      c.domain.fqdn = "Corp.Homelab.TEST";
      c.domain.netbios = "corp";
      c.sccm.siteCode = "ps1";
      c.nvramDir = "/nvram//";
    });
    expect(spec.domain).toMatchObject({ fqdn: "corp.homelab.test", netbios: "CORP", dn: "DC=corp,DC=homelab,DC=test" });
    expect(spec.sccm!.siteCode).toBe("PS1");
    expect(spec.vms[0].nvramPath).toBe("/nvram/DC01_VARS.fd");
  });
  test("without sqlServer, the one VM with role sql hosts SQL", () => {
    const input = clone(stackConfig("split-sql"));
    delete (input.config.sccm as Record<string, unknown>).sqlServer;
    const r = loadLabSpec(input);
    expect(r.ok ? r.spec.sccm : r.errors).toEqual({
      siteCode: "SP1",
      siteName: "Split SQL Site",
      siteServer: "SCCM01",
      sqlServer: "SQL01",
      sqlColocated: false,
      siteServerVm: r.ok ? r.spec.vms[2] : "no spec",
      sqlVm: r.ok ? r.spec.vms[1] : "no spec",
    });
  });
  test("a gateway defaults to the subnet's first host; deleteVolumesOnDestroy reaches every volume; two NICs on one network get different MACs", () => {
    const spec = load((c) => {
      delete c.networks[0].gateway;
      c.pool.deleteVolumesOnDestroy = true;
      c.vms[3].nics.push({ network: "default" });
    });
    expect(spec.networks[0].gateway).toBe("192.168.56.1");
    expect(spec.volumes.map((v) => v.deleteOnDestroy)).toEqual([true, true, true, true]);
    const macs = spec.vms[3].nics.map((n) => n.mac);
    expect(new Set(macs).size).toBe(3);
    expect(spec.vms[3].nics[2]).toEqual({ network: "default", mac: "52:54:00:2b:c5:b3", addressing: "dhcp", ip: undefined, model: "e1000e" });
  });
  test("a Windows VM may turn TPM and Secure Boot off and pick its own NIC model and disk bus", () => {
    const spec = load((c) => {
      c.vms[0].tpm = false;
      c.vms[0].firmware = { secureBoot: false };
      c.vms[0].nics[0].model = "virtio";
      c.vms[0].diskBus = "virtio";
      c.vms[0].hostname = "dc-one";
    });
    expect(spec.vms[0]).toMatchObject({ tpm: false, firmware: { uefi: true, secureBoot: false }, diskBus: "virtio", hostname: "dc-one" });
    expect(spec.vms[0].nics[0].model).toBe("virtio");
  });
  test("memory boundaries: 256MiB is the least; a size that is not whole MiB is refused", () => {
    expect(
      load((c) => {
        c.vms[0].memory = "2048MiB";
      }).vms[0].memoryBytes,
    ).toBe(2147483648);
    const small = clone(stackConfig("linux"));
    (small.config.vms as Array<Record<string, unknown>>)[0].memory = "256MiB";
    const r = loadLabSpec(small);
    expect(r.ok ? r.spec.vms[0].memoryBytes : r.errors).toBe(268435456);
    (small.config.vms as Array<Record<string, unknown>>)[0].memory = "255MiB";
    const r2 = loadLabSpec(small);
    expect(r2.ok ? "ok" : r2.errors).toEqual([
      { path: "homelab:vms[0].memory", message: "255MiB is not a usable memory size: give a whole number of MiB, at least 256MiB, e.g. 4GiB" },
    ]);
    (small.config.vms as Array<Record<string, unknown>>)[0].memory = "1GiB";
    (small.config.vms as Array<Record<string, unknown>>)[0].disk = "1GiB";
    const r3 = loadLabSpec(small);
    expect(r3.ok ? r3.spec.vms[0].diskBytes : r3.errors).toBe(2 ** 30);
  });
});
