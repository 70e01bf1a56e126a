// What the rendered XML says, read back with a real XML parser and compared with the spec.
import { XMLParser } from "fast-xml-parser";
import { renderDomainXml, renderLab, renderNetworkXml, renderPoolXml, renderVolumeXml } from "../../libvirt/render";
import type { LabSpec, VmSpec } from "../../lab";
import { clone, stackSpec } from "../support/stacks";
import { answerIsoPath, noPromptIsoPath } from "../../unattend/paths";

// Elements that may repeat are always arrays, so a single NIC reads like two.
const REPEATED = new Set(["interface", "disk", "host", "boot", "feature", "timer"]);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => REPEATED.has(name),
});

type Node = { [key: string]: Node & Node[] & string };
const parse = (xml: string): Node => parser.parse(xml) as Node;
const textOf = (node: Node | string): string => (typeof node === "string" ? node : node["#text"]);

const dev = stackSpec("dev");
const nokvm = stackSpec("nokvm");
const linux = stackSpec("linux");
const vmOf = (spec: LabSpec, name: string): VmSpec => spec.vms.find((vm) => vm.name === name)!;
const domainOf = (spec: LabSpec, name: string): Node => parse(renderDomainXml(vmOf(spec, name), spec)).domain;

describe("dev domains", () => {
  describe.each(dev.vms.map((vm) => [vm.name, vm] as const))("%s", (name, vm) => {
    // Rendered per test, not while jest collects them (so mutation testing can tell which test covers what).
    let domain: Node;
    let devices: Node;
    beforeEach(() => {
      domain = domainOf(dev, name);
      devices = domain.devices;
    });

    test("name, uuid, memory and vcpus come from the spec; type follows libvirt.domainType", () => {
      expect(domain["@type"]).toBe("kvm");
      expect(domain.name).toBe(vm.name);
      expect(domain.uuid).toBe(vm.uuid);
      expect(domain.memory["@unit"]).toBe("MiB");
      expect(textOf(domain.memory)).toBe(String(vm.memoryBytes / 2 ** 20));
      expect(textOf(domain.currentMemory)).toBe(String(vm.memoryBytes / 2 ** 20));
      expect(domain.vcpu).toBe(String(vm.vcpus));
      expect(domain.cpu["@mode"]).toBe("host-passthrough");
      expect(domain.cpu.topology).toEqual({ "@sockets": "1", "@dies": "1", "@cores": String(vm.vcpus), "@threads": "1" });
    });

    test("one interface per NIC, with the spec's MAC, network and model, in order", () => {
      const nics = (devices.interface as Node[]).map((i) => ({
        type: i["@type"],
        mac: i.mac["@address"],
        network: i.source["@network"],
        model: i.model["@type"],
      }));
      expect(nics).toEqual(vm.nics.map((n) => ({ type: "network", mac: n.mac, network: n.network, model: n.model })));
      for (const nic of nics) expect(dev.networks.map((n) => n.name)).toContain(nic.network);
    });

    test("the system disk is the pool volume; the ISOs are read-only SATA CD-ROMs", () => {
      const [disk, ...cdroms] = devices.disk as Node[];
      expect(disk["@type"]).toBe("volume");
      expect(disk["@device"]).toBe("disk");
      expect(disk.source["@pool"]).toBe(dev.pool.name);
      expect(disk.source["@volume"]).toBe(vm.volume);
      expect(dev.volumes.map((v) => v.name)).toContain(vm.volume);
      expect(disk.driver["@type"]).toBe("qcow2");
      expect(disk.target["@dev"]).toBe("sda");
      expect(disk.target["@bus"]).toBe("sata");
      // Unattended install (the default): the installer rebuilt without its boot prompt, the answer CD last.
      expect(cdroms.map((c) => c.source["@file"])).toEqual(
        [noPromptIsoPath(vm.isos.install!), vm.isos.virtio, vm.isos.media, answerIsoPath(dev.pool, vm)].filter(Boolean),
      );
      expect(cdroms.map((c) => c.target["@dev"])).toEqual(["sdb", "sdc", "sdd", "sde"].slice(0, cdroms.length));
      for (const c of cdroms) {
        expect(c["@device"]).toBe("cdrom");
        expect(c.target["@bus"]).toBe("sata");
        expect(c).toHaveProperty("readonly");
      }
    });

    test("UEFI with Secure Boot and enrolled keys, SMM on, per-VM NVRAM, TPM 2.0 CRB", () => {
      expect(domain.os["@firmware"]).toBe("efi");
      expect(textOf(domain.os.type)).toBe("hvm");
      expect(domain.os.type["@machine"]).toBe("q35");
      const features = Object.fromEntries((domain.os.firmware.feature as Node[]).map((f) => [f["@name"], f["@enabled"]]));
      expect(features).toEqual({ "secure-boot": "yes", "enrolled-keys": "yes" });
      expect(domain.os.loader["@secure"]).toBe("yes");
      expect(textOf(domain.os.nvram)).toBe(vm.nvramPath);
      expect(domain.os.boot).toBeUndefined();
      expect((devices.disk as Node[]).map((d) => d.boot?.[0]?.["@order"])).toEqual(["1", "2", ...(devices.disk as Node[]).slice(2).map(() => undefined)]);
      expect(domain.features.smm["@state"]).toBe("on");
      expect(devices.tpm["@model"]).toBe("tpm-crb");
      expect(devices.tpm.backend["@type"]).toBe("emulator");
      expect(devices.tpm.backend["@version"]).toBe("2.0");
    });

    test("Hyper-V enlightenments and a local-time clock for Windows", () => {
      const hyperv = domain.features.hyperv;
      expect(hyperv["@mode"]).toBe("custom");
      for (const name of ["relaxed", "vapic", "vpindex", "runtime", "synic", "stimer", "reset", "frequencies"]) expect(hyperv[name]["@state"]).toBe("on");
      expect(hyperv.spinlocks["@retries"]).toBe("8191");
      expect(domain.clock["@offset"]).toBe("localtime");
      const timers = Object.fromEntries((domain.clock.timer as Node[]).map((t) => [t["@name"], t["@tickpolicy"] ?? t["@present"]]));
      expect(timers).toEqual({ rtc: "catchup", pit: "delay", hpet: "no", hypervclock: "yes" });
    });

    test("the console listens on loopback only; guest agent channel; no balloon", () => {
      expect(devices.graphics["@type"]).toBe(dev.libvirt.graphics);
      expect(devices.graphics["@listen"]).toBe("127.0.0.1");
      expect(devices.graphics.listen["@type"]).toBe("address");
      expect(devices.graphics.listen["@address"]).toBe("127.0.0.1");
      expect(devices.channel.target["@name"]).toBe("org.qemu.guest_agent.0");
      expect(devices.memballoon["@model"]).toBe("none");
      expect(devices.controller["@model"]).toBe("qemu-xhci");
      expect(devices.input["@type"]).toBe("tablet");
    });
  });
});

// The dev stack's domains, written out from Pulumi.dev.yaml (names, memory, vCPUs, ISOs; unattended, the
// default: the installer is the ISO rebuilt without the "press any key" prompt, and the answer CD comes last) and from the
// identities derived for it (UUIDs and MACs, checked against Python's uuid5/sha256 in test/lab/identity.test.ts).
const DEV_DOMAINS = [
  {
    name: "DC01",
    uuid: "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01",
    memory: "2048",
    vcpus: "2",
    install: "/var/lib/libvirt/iso/homelab-noprompt/windows-server-2022.iso",
    media: true,
    nics: [
      ["52:54:00:69:1b:44", "lab-net"],
      ["52:54:00:e8:af:93", "default"],
    ],
  },
  {
    name: "SCCM01",
    uuid: "e4b2fa3f-dbc6-53a0-8a73-17e4f5b09851",
    memory: "8192",
    vcpus: "4",
    install: "/var/lib/libvirt/iso/homelab-noprompt/windows-server-2022.iso",
    media: true,
    nics: [
      ["52:54:00:e8:6b:4c", "lab-net"],
      ["52:54:00:e9:18:a9", "default"],
    ],
  },
  {
    name: "CLIENT01",
    uuid: "ed496bea-3589-5e3a-9075-c7f155c60221",
    memory: "4096",
    vcpus: "2",
    install: "/var/lib/libvirt/iso/homelab-noprompt/windows-11.iso",
    media: false,
    nics: [
      ["52:54:00:0d:5a:b7", "lab-net"],
      ["52:54:00:3a:5e:3d", "default"],
    ],
  },
  {
    name: "CLIENT02",
    uuid: "f6c6bf75-5333-5259-9f6b-1e300bff3327",
    memory: "4096",
    vcpus: "2",
    install: "/var/lib/libvirt/iso/homelab-noprompt/windows-11.iso",
    media: false,
    nics: [
      ["52:54:00:e5:4f:46", "lab-net"],
      ["52:54:00:24:ee:34", "default"],
    ],
  },
];

describe.each(DEV_DOMAINS)("dev domain $name, literally", (want) => {
  let domain: Node;
  beforeEach(() => {
    domain = domainOf(dev, want.name);
  });
  test("identity, size, NICs, disk, ISOs and NVRAM", () => {
    expect([domain["@type"], domain.name, domain.uuid, textOf(domain.memory), domain.memory["@unit"], textOf(domain.currentMemory), domain.vcpu]).toEqual([
      "kvm",
      want.name,
      want.uuid,
      want.memory,
      "MiB",
      want.memory,
      want.vcpus,
    ]);
    expect(domain.cpu.topology["@cores"]).toBe(want.vcpus);
    expect((domain.devices.interface as Node[]).map((i) => [i.mac["@address"], i.source["@network"], i.model["@type"]])).toEqual(
      want.nics.map(([mac, network]) => [mac, network, "e1000e"]),
    );
    const [disk, ...cdroms] = domain.devices.disk as Node[];
    expect([disk.source["@pool"], disk.source["@volume"], disk.driver["@discard"]]).toEqual(["homelab", `${want.name}.qcow2`, "unmap"]);
    expect(cdroms.map((c) => [c.source["@file"], c.target["@dev"], c.driver["@type"]])).toEqual([
      [want.install, "sdb", "raw"],
      ["/var/lib/libvirt/iso/virtio-win.iso", "sdc", "raw"],
      ...(want.media ? [["/var/lib/libvirt/iso/homelab-media.iso", "sdd", "raw"]] : []),
      [`/var/lib/libvirt/images/homelab-answers/${want.name}-autounattend.iso`, want.media ? "sde" : "sdd", "raw"],
    ]);
    expect(textOf(domain.os.nvram)).toBe(`/var/lib/libvirt/qemu/nvram/${want.name}_VARS.fd`);
    expect([domain.os.type["@arch"], domain.cpu["@check"]]).toEqual(["x86_64", "none"]);
  });

  test("lifecycle: power-off and crash stop the guest, a reboot restarts it; no suspend", () => {
    // libvirt formatdomain "Events configuration": on_reboot restart lets Windows setup's own reboots
    // complete; on_crash destroy keeps a crashed guest down for inspection instead of looping.
    expect([domain.on_poweroff, domain.on_reboot, domain.on_crash]).toEqual(["destroy", "restart", "destroy"]);
    expect(domain.pm).toEqual({ "suspend-to-mem": { "@enabled": "no" }, "suspend-to-disk": { "@enabled": "no" } });
    expect(domain.features).toHaveProperty("acpi");
    expect(domain.features).toHaveProperty("apic");
  });
});

test("the dev lab's networks, pool and volumes, literally", () => {
  const objects = renderLab(dev);
  const network = (name: string) => parse(objects.find((o) => o.kind === "network" && o.name === name)!.xml).network;
  expect([network("lab-net").uuid, network("lab-net").mac["@address"], network("lab-net").bridge["@name"]]).toEqual([
    "f42a8bd8-ab64-5db7-8973-bf7db387db75",
    "52:54:00:87:c5:b2",
    "virbr56",
  ]);
  expect([network("default").uuid, network("default").mac["@address"], network("default").bridge["@name"]]).toEqual([
    "0194d3b9-53c3-5d96-8581-c3aa5f4e6332",
    "52:54:00:4a:51:d7",
    "virbr0",
  ]);
  expect((network("default").ip.dhcp.host as Node[]).map((h) => [h["@mac"], h["@name"], h["@ip"]])).toEqual([
    ["52:54:00:3a:5e:3d", "CLIENT01", "192.168.122.101"],
    ["52:54:00:24:ee:34", "CLIENT02", "192.168.122.102"],
  ]);
  expect([network("default").ip.dhcp.range["@start"], network("default").ip.dhcp.range["@end"]]).toEqual(["192.168.122.100", "192.168.122.254"]);
  const pool = parse(objects.find((o) => o.kind === "pool")!.xml).pool;
  expect([pool["@type"], pool.name, pool.uuid, pool.target.path]).toEqual([
    "dir",
    "homelab",
    "e59e5edf-c2eb-55ff-9a43-a3314e178e4b",
    "/var/lib/libvirt/images/homelab",
  ]);
  // 60, 100, 64 and 64 GiB from Pulumi.dev.yaml, in bytes.
  expect(
    objects
      .filter((o) => o.kind === "volume")
      .map((o) => {
        const v = parse(o.xml).volume;
        return [v.name, textOf(v.capacity)];
      }),
  ).toEqual([
    ["DC01.qcow2", "64424509440"],
    ["SCCM01.qcow2", "107374182400"],
    ["CLIENT01.qcow2", "68719476736"],
    ["CLIENT02.qcow2", "68719476736"],
  ]);
});

describe("dev networks", () => {
  const net = (name: string) => parse(renderNetworkXml(dev.networks.find((n) => n.name === name)!)).network;

  test("lab-net: the DC serves DHCP, so libvirt has no <dhcp> and no DNS there", () => {
    const labNet = net("lab-net");
    expect(labNet.ip["@address"]).toBe("192.168.56.1");
    expect(labNet.ip["@netmask"]).toBe("255.255.255.0");
    expect(labNet.ip).not.toHaveProperty("dhcp");
    expect(labNet.dns["@enable"]).toBe("no");
  });

  test("default: libvirt serves DHCP with the range and one reservation per client", () => {
    const spec = dev.networks.find((n) => n.name === "default")!;
    const network = net("default");
    expect(network).not.toHaveProperty("dns");
    expect(network.ip.dhcp.range["@start"]).toBe(spec.dhcp!.start);
    expect(network.ip.dhcp.range["@end"]).toBe(spec.dhcp!.end);
    const hosts = (network.ip.dhcp.host as Node[]).map((h) => ({ mac: h["@mac"], name: h["@name"], ip: h["@ip"] }));
    expect(hosts).toHaveLength(2);
    expect(hosts).toEqual(
      ["CLIENT01", "CLIENT02"].map((name) => {
        const nic = vmOf(dev, name).nics.find((n) => n.network === "default")!;
        return { mac: nic.mac, name, ip: nic.ip };
      }),
    );
  });

  test.each(dev.networks.map((n) => [n.name, n] as const))("%s: NAT, identity, bridge and an explicit MAC", (_name, spec) => {
    const network = parse(renderNetworkXml(spec)).network;
    expect(network.name).toBe(spec.name);
    expect(network.uuid).toBe(spec.uuid);
    expect(network.forward["@mode"]).toBe("nat");
    expect(network.bridge["@name"]).toBe(spec.bridge);
    expect(network.bridge["@stp"]).toBe("on");
    expect(network.mac["@address"]).toBe(spec.mac);
  });

  test("an isolated network has no <forward>", () => {
    const network = parse(renderNetworkXml(nokvm.networks[0])).network;
    expect(nokvm.networks[0].mode).toBe("isolated");
    expect(network).not.toHaveProperty("forward");
  });

  test("a network without DHCP keeps libvirt's DNS and has no <dhcp>", () => {
    const spec = { ...clone(dev.networks[1]), dhcp: undefined };
    const network = parse(renderNetworkXml(spec)).network;
    expect(network).not.toHaveProperty("dns");
    expect(network.ip).not.toHaveProperty("dhcp");
  });
});

describe("storage", () => {
  test("pool: a dir pool at the spec's path", () => {
    const pool = parse(renderPoolXml(dev.pool)).pool;
    expect(pool["@type"]).toBe("dir");
    expect(pool.name).toBe(dev.pool.name);
    expect(pool.uuid).toBe(dev.pool.uuid);
    expect(pool.target.path).toBe(dev.pool.path);
  });

  test.each(dev.volumes.map((v) => [v.name, v] as const))("volume %s: thin qcow2 v3 of the spec's capacity", (_name, spec) => {
    const volume = parse(renderVolumeXml(spec)).volume;
    expect(volume.name).toBe(spec.name);
    expect(volume.capacity["@unit"]).toBe("bytes");
    expect(textOf(volume.capacity)).toBe(String(spec.capacityBytes));
    expect(textOf(volume.allocation)).toBe("0");
    expect(volume.target.format["@type"]).toBe("qcow2");
    expect(volume.target.compat).toBe("1.1");
  });
});

describe("nokvm: software emulation", () => {
  test.each(nokvm.vms.map((vm) => [vm.name, vm] as const))("%s is type qemu with TCG's maximum CPU and no Hyper-V enlightenments", (name, vm) => {
    const domain = domainOf(nokvm, name);
    expect(nokvm.libvirt.domainType).toBe("qemu");
    expect(vm.template).toBe("windows");
    expect(domain["@type"]).toBe("qemu");
    expect(domain.cpu["@mode"]).toBe("maximum");
    expect(domain.features).not.toHaveProperty("hyperv");
    expect((domain.clock.timer as Node[]).map((t) => t["@name"])).toEqual(["rtc", "pit", "hpet"]);
    // Everything else Windows needs stays: local-time clock, Secure Boot with SMM, TPM.
    expect(domain.clock["@offset"]).toBe("localtime");
    expect(domain.features.smm["@state"]).toBe("on");
    expect(domain.devices.tpm["@model"]).toBe("tpm-crb");
  });
});

describe("linux variant", () => {
  test.each(linux.vms.map((vm) => [vm.name, vm] as const))("%s: virtio disk and NICs, no Hyper-V, UTC clock, no TPM", (name, vm) => {
    const domain = domainOf(linux, name);
    const [disk, cdrom] = domain.devices.disk as Node[];
    expect(disk.target["@dev"]).toBe("vda");
    expect(disk.target["@bus"]).toBe("virtio");
    expect(cdrom.target["@dev"]).toBe("sda");
    expect(cdrom.target["@bus"]).toBe("sata");
    expect((domain.devices.interface as Node[]).map((i) => i.model["@type"])).toEqual(vm.nics.map(() => "virtio"));
    expect(domain.features).not.toHaveProperty("hyperv");
    expect(domain.clock["@offset"]).toBe("utc");
    expect((domain.clock.timer as Node[]).map((t) => t["@name"])).not.toContain("hypervclock");
    expect(domain.devices).not.toHaveProperty("tpm");
    expect(domain.devices.video.model["@type"]).toBe("virtio");
  });

  test("db01 (uefi: false) boots plain BIOS: no firmware attribute, no NVRAM, no SMM", () => {
    expect(vmOf(linux, "db01").firmware.uefi).toBe(false);
    const domain = domainOf(linux, "db01");
    expect(domain.os).not.toHaveProperty("@firmware");
    expect(domain.os).not.toHaveProperty("firmware");
    expect(domain.os).not.toHaveProperty("loader");
    expect(domain.os).not.toHaveProperty("nvram");
    expect(domain.features).not.toHaveProperty("smm");
  });

  test("web01 (uefi, no Secure Boot) gets UEFI with both features off and no secure loader", () => {
    const vm = vmOf(linux, "web01");
    expect(vm.firmware).toEqual({ uefi: true, secureBoot: false });
    const domain = domainOf(linux, "web01");
    expect(domain.os["@firmware"]).toBe("efi");
    expect((domain.os.firmware.feature as Node[]).map((f) => f["@enabled"])).toEqual(["no", "no"]);
    expect(domain.os).not.toHaveProperty("loader");
    expect(textOf(domain.os.nvram)).toBe(vm.nvramPath);
    expect(domain.features).not.toHaveProperty("smm");
  });
});

describe("renderLab", () => {
  test("applies networks, then the pool, then volumes, then domains", () => {
    const objects = renderLab(dev);
    expect(objects.map((o) => `${o.kind}:${o.name}`)).toEqual([
      "network:lab-net",
      "network:default",
      "pool:homelab",
      "volume:DC01.qcow2",
      "volume:SCCM01.qcow2",
      "volume:CLIENT01.qcow2",
      "volume:CLIENT02.qcow2",
      "domain:DC01",
      "domain:SCCM01",
      "domain:CLIENT01",
      "domain:CLIENT02",
    ]);
  });

  test("leaves the spec it renders unchanged", () => {
    const before = clone(dev);
    renderLab(dev);
    expect(dev).toEqual(before);
  });

  test("text and attribute values are escaped by the builder and read back unchanged", () => {
    const path = "/iso/a&b <x>'\".iso";
    const vm = { ...clone(vmOf(dev, "DC01")), isos: { install: path }, nvramPath: "/nvram/a&b<c>.fd" };
    const xml = renderDomainXml(vm, dev);
    expect(xml).toContain("a&amp;b &lt;x&gt;'&quot;.iso");
    const domain = parse(xml).domain;
    expect((domain.devices.disk as Node[])[1].source["@file"]).toBe(noPromptIsoPath(path));
    expect(textOf(domain.os.nvram)).toBe(vm.nvramPath);
  });
});
