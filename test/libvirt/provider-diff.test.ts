// The pure decisions behind the providers' diff: tables of old state vs new inputs.
import { diffDomain, diffNetwork, diffPool, diffVolume, domainUpdateNote, toDiffResult, volumeShrinkProblem } from "../../libvirt/providers/diff";
import type { CheckedDomain, CheckedNetwork, CheckedPool, CheckedVolume } from "../../libvirt/providers/inputs";
import { domainSummary, networkSummary, poolSummary, sizeInBytes, volumeSummary, xmlMissing } from "../../libvirt/providers/summary";

const URI = "qemu:///system";
const GiB = 1024 ** 3;

const domainXml = (o: { name?: string; uuid?: string; memMiB?: number; vcpus?: number; macs?: string[]; iso?: string } = {}) => `
<domain type='qemu'>
  <name>${o.name ?? "DC01"}</name><uuid>${o.uuid ?? "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01"}</uuid>
  <memory unit='MiB'>${o.memMiB ?? 2048}</memory><vcpu>${o.vcpus ?? 2}</vcpu>
  <os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>
    <firmware><feature enabled='yes' name='secure-boot'/><feature enabled='yes' name='enrolled-keys'/></firmware>
    <loader secure='yes'/></os>
  <features><acpi/><smm state='on'/></features>
  <devices>
    <disk type='volume' device='disk'><source pool='homelab' volume='DC01.qcow2'/><target dev='sda' bus='sata'/></disk>
    <disk type='file' device='cdrom'><source file='${o.iso ?? "/iso/ws2022.iso"}'/><target dev='sdb' bus='sata'/><readonly/></disk>
    ${(o.macs ?? ["52:54:00:00:00:01"]).map((m) => `<interface type='network'><mac address='${m}'/><source network='lab-net'/><model type='e1000e'/></interface>`).join("")}
    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
  </devices>
</domain>`;

function domain(o: Parameters<typeof domainXml>[0] & { start?: boolean } = {}): CheckedDomain {
  const xml = domainXml(o);
  const summary = domainSummary(xml);
  return { uri: URI, name: summary.name, uuid: summary.uuid, xml, start: o.start ?? true, summary };
}

const networkXml = (o: { uuid?: string; bridge?: string; mac?: string; hosts?: string[] } = {}) => `
<network><name>lab-net</name><uuid>${o.uuid ?? "f42a8bd8-ab64-5db7-8973-bf7db387db75"}</uuid><forward mode='nat'/>
  <bridge name='${o.bridge ?? "virbr56"}' stp='on' delay='0'/><mac address='${o.mac ?? "52:54:00:87:c5:b2"}'/>
  <ip address='192.168.56.1' netmask='255.255.255.0'><dhcp><range start='192.168.56.100' end='192.168.56.200'/>
  ${(o.hosts ?? []).map((h) => `<host mac='${h}' ip='192.168.56.50'/>`).join("")}</dhcp></ip></network>`;

function network(o: Parameters<typeof networkXml>[0] & { autostart?: boolean } = {}): CheckedNetwork {
  const xml = networkXml(o);
  const summary = networkSummary(xml);
  return { uri: URI, name: summary.name, uuid: summary.uuid, xml, active: true, autostart: o.autostart ?? true, summary };
}

function pool(path = "/var/lib/libvirt/images/homelab", uuid = "9d7a1f2e-0000-4000-8000-000000000001"): CheckedPool {
  const xml = `<pool type='dir'><name>homelab</name><uuid>${uuid}</uuid><target><path>${path}</path></target></pool>`;
  return { uri: URI, name: "homelab", uuid, xml, active: true, autostart: true, summary: poolSummary(xml) };
}

function volume(o: { capacityBytes?: number; format?: string; deleteOnDestroy?: boolean; name?: string } = {}): CheckedVolume {
  const capacityBytes = o.capacityBytes ?? 60 * GiB;
  const format = o.format ?? "qcow2";
  const name = o.name ?? "DC01.qcow2";
  return {
    uri: URI,
    pool: "homelab",
    name,
    capacityBytes,
    format,
    deleteOnDestroy: o.deleteOnDestroy ?? false,
    xml: `<volume><name>${name}</name><capacity unit='bytes'>${capacityBytes}</capacity><target><format type='${format}'/></target></volume>`,
  };
}

describe("domains", () => {
  test.each([
    ["the same spec", domain(), { updates: [], replaces: [] }],
    ["more memory", domain({ memMiB: 4096 }), { updates: ["summary.memoryMiB"], replaces: [] }],
    ["more vCPUs", domain({ vcpus: 4 }), { updates: ["summary.vcpus"], replaces: [] }],
    ["a second NIC", domain({ macs: ["52:54:00:00:00:01", "52:54:00:00:00:02"] }), { updates: ["summary.nics"], replaces: [] }],
    ["another install ISO", domain({ iso: "/iso/ws2025.iso" }), { updates: ["summary.disks"], replaces: [] }],
    ["start turned off", domain({ start: false }), { updates: ["start"], replaces: [] }],
    ["a new UUID", domain({ uuid: "0f0e0d0c-0b0a-4909-8807-060504030201" }), { updates: [], replaces: ["uuid"] }],
    ["a new name", domain({ name: "DC02" }), { updates: [], replaces: ["name"] }],
    ["memory and UUID", domain({ memMiB: 4096, uuid: "0f0e0d0c-0b0a-4909-8807-060504030201" }), { updates: ["summary.memoryMiB"], replaces: ["uuid"] }],
  ])("%s", (_label, news, expected) => {
    const d = diffDomain({ ...domain(), liveXml: "", state: "running" }, news);
    expect(d).toEqual(expected);
  });

  test("an XML change no summary field covers is still a change, named xml", () => {
    const olds = domain();
    const news = { ...olds, xml: olds.xml.replace("<acpi/>", "<acpi/><apic/>") };
    expect(diffDomain(olds, news)).toEqual({ updates: ["xml"], replaces: [] });
  });

  test("drift made by hand (a refresh put libvirt's summary in the state) shows as an update back to the spec", () => {
    const refreshed = { ...domain(), summary: domainSummary(domainXml({ memMiB: 1024 })) };
    expect(diffDomain(refreshed, domain()).updates).toEqual(["summary.memoryMiB"]);
  });

  test("the note for an in-place update says when it applies", () => {
    const d = diffDomain(domain(), domain({ memMiB: 4096, vcpus: 4 }));
    expect(domainUpdateNote("DC01", d, true)).toBe(
      "domain DC01: memoryMiB, vcpus changed in the persistent definition; the running guest picks the change up at its next boot (shut it down and start it)",
    );
    expect(domainUpdateNote("DC01", d, false)).toMatch(/applies when the domain next starts$/);
    expect(domainUpdateNote("DC01", diffDomain(domain(), domain({ start: false })), true)).toBeUndefined();
  });
});

describe("networks", () => {
  test.each([
    ["the same spec", network(), [], []],
    ["a new bridge name", network({ bridge: "virbr57" }), [], ["summary.bridge"]],
    ["a new UUID", network({ uuid: "f42a8bd8-ab64-5db7-8973-bf7db387db76" }), [], ["uuid"]],
    ["a new MAC", network({ mac: "52:54:00:87:c5:b3" }), ["summary.mac"], []],
    ["a new DHCP reservation", network({ hosts: ["52:54:00:00:00:09"] }), ["summary.dhcp"], []],
    ["autostart off", network({ autostart: false }), ["autostart"], []],
  ])("%s", (_label, news, updates, replaces) => {
    const d = diffNetwork(network(), news);
    expect(d.updates).toEqual(updates);
    expect(d.replaces.sort()).toEqual([...replaces].sort());
  });
});

describe("pools", () => {
  test.each([
    ["the same spec", pool(), [], []],
    ["another path", pool("/srv/homelab"), [], ["summary.path"]],
    ["a trailing slash is the same path", pool("/var/lib/libvirt/images/homelab/"), ["xml"], []],
    ["a new UUID", pool(undefined, "9d7a1f2e-0000-4000-8000-000000000002"), [], ["uuid"]],
  ])("%s", (_label, news, updates, replaces) => {
    const d = diffPool(pool(), news);
    expect(d.updates).toEqual(updates);
    expect(d.replaces.sort()).toEqual([...replaces].sort());
  });
});

describe("volumes", () => {
  const olds = { ...volume(), path: "/p/DC01.qcow2", liveCapacityBytes: 60 * GiB, liveFormat: "qcow2" };
  test.each([
    ["the same spec", volume(), [], []],
    ["growth", volume({ capacityBytes: 80 * GiB }), ["capacityBytes"], []],
    ["deleteOnDestroy on", volume({ deleteOnDestroy: true }), ["deleteOnDestroy"], []],
    ["another format", volume({ format: "raw" }), [], ["format"]],
  ])("%s", (_label, news, updates, replaces) => {
    expect(diffVolume(olds, news)).toEqual({ updates, replaces });
  });

  test.each([
    ["smaller than the spec before", olds, 30 * GiB, "volume homelab/DC01.qcow2 would shrink from 64424509440 to 32212254720 bytes (60 GiB -> 30 GiB)"],
    [
      "smaller than libvirt has (grown by hand)",
      { ...olds, liveCapacityBytes: 100 * GiB },
      80 * GiB,
      "would shrink from 107374182400 to 85899345920 bytes (100 GiB -> 80 GiB)",
    ],
  ])("refuses shrinking: %s", (_label, state, requested, message) => {
    expect(() => diffVolume(state, volume({ capacityBytes: requested }))).toThrow(message);
  });

  test("the refusal says how to get out", () => {
    expect(volumeShrinkProblem("homelab", "DC01.qcow2", 60 * GiB, 40 * GiB)).toMatch(
      /homelab never shrinks a disk\. Set the VM's disk back to at least 60 GiB/,
    );
    expect(volumeShrinkProblem("homelab", "DC01.qcow2", 60 * GiB, 60 * GiB)).toBeUndefined();
  });
});

describe("toDiffResult", () => {
  test.each([
    [
      { updates: [], replaces: [] },
      { changes: false, replaces: [], deleteBeforeReplace: false },
    ],
    [
      { updates: ["summary.memoryMiB"], replaces: [] },
      { changes: true, replaces: [], deleteBeforeReplace: false },
    ],
    // libvirt names are unique: the old object must go first. Paths become top-level input names.
    [
      { updates: [], replaces: ["uuid", "summary.bridge"] },
      { changes: true, replaces: ["uuid", "summary"], deleteBeforeReplace: true },
    ],
  ])("%j", (decision, result) => {
    expect(toDiffResult(decision)).toEqual(result);
  });
});

describe("summaries and containment", () => {
  test("a domain summary reads memory in any unit, NICs, disks, firmware and TPM", () => {
    expect(domainSummary(domainXml().replace("<memory unit='MiB'>2048</memory>", "<memory unit='KiB'>2097152</memory>"))).toEqual({
      name: "DC01",
      uuid: "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01",
      type: "qemu",
      memoryMiB: 2048,
      vcpus: 2,
      nics: ["52:54:00:00:00:01 lab-net e1000e"],
      disks: ["disk sata homelab/DC01.qcow2", "cdrom sata /iso/ws2022.iso"],
      firmware: "efi enrolled-keys secure-boot loader-secure smm",
      tpm: "tpm-crb emulator 2.0",
    });
  });

  test.each([
    ["2048", "MiB", 2 * GiB],
    ["2097152", "KiB", 2 * GiB],
    ["60", "G", 60 * GiB],
    ["1000", "KB", 1e6],
    ["5", "", 5],
  ])("sizeInBytes(%s, %s)", (value, unit, bytes) => expect(sizeInBytes(value, unit)).toBe(bytes));

  test("volumeSummary", () => {
    expect(volumeSummary(volume().xml)).toEqual({ name: "DC01.qcow2", capacityBytes: 60 * GiB, format: "qcow2" });
  });

  const live = `<domain type='qemu'><name>DC01</name><memory unit='KiB'>2097152</memory><vcpu placement='static'>2</vcpu>
    <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
    <devices><controller type='usb' index='0' model='qemu-xhci'><address type='pci' bus='0x02'/></controller>
      <controller type='sata' index='0'/>
      <interface type='network'><mac address='52:54:00:00:00:01'/><source network='lab-net'/><model type='e1000e'/><address type='pci'/></interface>
      <interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/><model type='e1000e'/></interface>
    </devices></domain>`;

  test.each([
    [
      "libvirt's expanded XML holds the rendered one (units, machine alias, added attributes and devices)",
      `<domain type="qemu"><name>DC01</name><memory unit="MiB">2048</memory><vcpu>2</vcpu><os><type arch="x86_64" machine="q35">hvm</type></os>
       <devices><controller type="usb" model="qemu-xhci"/><interface type="network"><mac address="52:54:00:00:00:02"/><source network="default"/></interface></devices></domain>`,
      undefined,
    ],
    ["other memory", `<domain type="qemu"><memory unit="MiB">4096</memory></domain>`, "/domain/memory (4294967296 bytes, libvirt has 2147483648)"],
    [
      "a NIC libvirt lacks",
      `<domain><devices><interface type="network"><mac address="52:54:00:00:00:03"/></interface></devices></domain>`,
      "/domain/devices/interface",
    ],
    ["another domain type", `<domain type="kvm"><name>DC01</name></domain>`, '/domain/@type = "kvm"'],
    ["another root", `<network><name>DC01</name></network>`, "/network"],
  ])("%s", (_label, wanted, missing) => {
    expect(xmlMissing(wanted, live)).toBe(missing);
  });
});

// One row per field each diff classifies, with the outcome written out: a field moved from replace
// to update (or dropped from the table) fails exactly one row here.
describe("every classified field, one row each", () => {
  const edit = <T extends { xml: string }>(o: T, from: string, to: string): string => {
    if (!o.xml.includes(from)) throw new Error(`fixture has no ${from}`);
    return o.xml.replace(from, to);
  };
  const domainFrom = (xml: string, over: Partial<CheckedDomain> = {}): CheckedDomain => {
    const summary = domainSummary(xml);
    return { uri: URI, name: summary.name, uuid: summary.uuid, xml, start: true, summary, ...over };
  };
  const networkFrom = (xml: string, over: Partial<CheckedNetwork> = {}): CheckedNetwork => {
    const summary = networkSummary(xml);
    return { uri: URI, name: summary.name, uuid: summary.uuid, xml, active: true, autostart: true, summary, ...over };
  };
  const poolFrom = (xml: string, over: Partial<CheckedPool> = {}): CheckedPool => {
    const summary = poolSummary(xml);
    return { uri: URI, name: summary.name, uuid: summary.uuid, xml, active: true, autostart: true, summary, ...over };
  };

  const d0 = domain();
  test.each([
    // A re-spelt URI is an update: the provider checks that the object with that UUID is there (issue 17, defect 4).
    ["uri", domainFrom(d0.xml, { uri: "qemu+ssh://lab@hv1/system" }), ["uri"], []],
    ["name", domain({ name: "DC02" }), [], ["name"]],
    ["uuid", domain({ uuid: "0f0e0d0c-0b0a-4909-8807-060504030201" }), [], ["uuid"]],
    ["domain type qemu -> kvm", domainFrom(edit(d0, "<domain type='qemu'>", "<domain type='kvm'>")), ["summary.type"], []],
    ["memory", domain({ memMiB: 3072 }), ["summary.memoryMiB"], []],
    ["vCPUs", domain({ vcpus: 3 }), ["summary.vcpus"], []],
    ["a NIC's MAC", domain({ macs: ["52:54:00:00:00:09"] }), ["summary.nics"], []],
    ["a NIC's model", domainFrom(edit(d0, "<model type='e1000e'/>", "<model type='virtio'/>")), ["summary.nics"], []],
    ["a disk's bus", domainFrom(edit(d0, "<target dev='sda' bus='sata'/>", "<target dev='vda' bus='virtio'/>")), ["summary.disks"], []],
    [
      "firmware: Secure Boot off",
      domainFrom(edit(d0, "<feature enabled='yes' name='secure-boot'/>", "<feature enabled='no' name='secure-boot'/>")),
      ["summary.firmware"],
      [],
    ],
    ["firmware: BIOS instead of UEFI", domainFrom(edit(d0, "<os firmware='efi'>", "<os>")), ["summary.firmware"], []],
    ["firmware: SMM off", domainFrom(edit(d0, "<smm state='on'/>", "<smm state='off'/>")), ["summary.firmware"], []],
    ["TPM removed", domainFrom(edit(d0, "<tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>", "")), ["summary.tpm"], []],
    ["TPM model", domainFrom(edit(d0, "<tpm model='tpm-crb'>", "<tpm model='tpm-tis'>")), ["summary.tpm"], []],
    ["start", domain({ start: false }), ["start"], []],
  ] as const)("domain: %s", (_field, news, updates, replaces) => {
    expect(diffDomain({ ...d0, liveXml: "", state: "running" }, news)).toEqual({ updates, replaces });
  });

  const n0 = network();
  test.each([
    ["uri", networkFrom(n0.xml, { uri: "qemu+ssh://lab@hv1/system" }), ["uri"], []],
    ["name", networkFrom(edit(n0, "<name>lab-net</name>", "<name>lab-net2</name>")), [], ["name"]],
    ["uuid", network({ uuid: "f42a8bd8-ab64-5db7-8973-bf7db387db76" }), [], ["uuid"]],
    ["bridge", network({ bridge: "virbr57" }), [], ["summary.bridge"]],
    ["MAC", network({ mac: "52:54:00:87:c5:b3" }), ["summary.mac"], []],
    ["mode nat -> route", networkFrom(edit(n0, "<forward mode='nat'/>", "<forward mode='route'/>")), ["summary.mode"], []],
    ["mode nat -> isolated", networkFrom(edit(n0, "<forward mode='nat'/>", "")), ["summary.mode"], []],
    [
      "addresses",
      networkFrom(edit(n0, "<ip address='192.168.56.1' netmask='255.255.255.0'>", "<ip address='192.168.56.254' netmask='255.255.255.0'>")),
      ["summary.ips"],
      [],
    ],
    [
      "DHCP range",
      networkFrom(edit(n0, "<range start='192.168.56.100' end='192.168.56.200'/>", "<range start='192.168.56.100' end='192.168.56.150'/>")),
      ["summary.dhcp"],
      [],
    ],
    ["active", networkFrom(n0.xml, { active: false }), ["active"], []],
    ["autostart", networkFrom(n0.xml, { autostart: false }), ["autostart"], []],
  ] as const)("network: %s", (_field, news, updates, replaces) => {
    expect(diffNetwork(n0, news)).toEqual({ updates, replaces });
  });

  const p0 = pool();
  test.each([
    ["uri", poolFrom(p0.xml, { uri: "qemu+ssh://lab@hv1/system" }), ["uri"], []],
    ["name", poolFrom(edit(p0, "<name>homelab</name>", "<name>homelab2</name>")), [], ["name"]],
    ["uuid", pool(undefined, "9d7a1f2e-0000-4000-8000-000000000002"), [], ["uuid"]],
    ["pool type dir -> fs", poolFrom(edit(p0, "<pool type='dir'>", "<pool type='fs'>")), [], ["summary.type"]],
    ["path", pool("/srv/homelab"), [], ["summary.path"]],
    ["active", poolFrom(p0.xml, { active: false }), ["active"], []],
    ["autostart", poolFrom(p0.xml, { autostart: false }), ["autostart"], []],
  ] as const)("pool: %s", (_field, news, updates, replaces) => {
    expect(diffPool(p0, news)).toEqual({ updates, replaces });
  });

  const v0 = { ...volume(), path: "/p/DC01.qcow2", liveCapacityBytes: 60 * GiB, liveFormat: "qcow2" };
  test.each([
    ["uri", { ...volume(), uri: "qemu+ssh://lab@hv1/system" }, ["uri"], []],
    ["volume pool", { ...volume(), pool: "homelab-split" }, [], ["pool"]],
    ["volume name", volume({ name: "DC01-b.qcow2" }), [], ["name"]],
    ["format", volume({ format: "raw" }), [], ["format"]],
    ["capacity (growth)", volume({ capacityBytes: 61 * GiB }), ["capacityBytes"], []],
    ["deleteOnDestroy", volume({ deleteOnDestroy: true }), ["deleteOnDestroy"], []],
  ] as const)("volume: %s", (_field, news, updates, replaces) => {
    expect(diffVolume(v0, news)).toEqual({ updates, replaces });
  });

  test("a volume with no recorded sizes is compared against 0 bytes: any size is growth, never a shrink", () => {
    expect(diffVolume({}, volume({ capacityBytes: GiB }))).toEqual({
      updates: ["uri", "capacityBytes", "deleteOnDestroy"],
      replaces: ["pool", "name", "format"],
    });
  });

  test("an old state with only a spec capacity refuses a shrink below it; the same size is no shrink", () => {
    expect(() => diffVolume({ capacityBytes: 2 * GiB }, volume({ capacityBytes: GiB }))).toThrow(
      "volume homelab/DC01.qcow2 would shrink from 2147483648 to 1073741824 bytes (2 GiB -> 1 GiB), which loses the guest's data: homelab never shrinks a disk. Set the VM's disk back to at least 2 GiB, or shrink the filesystem inside the guest and the image by hand (qemu-img resize --shrink) first",
    );
    expect(() => diffVolume({ liveCapacityBytes: 1.5 * GiB }, volume({ capacityBytes: GiB }))).toThrow("(1.5 GiB -> 1 GiB)");
    // Same size on both sides: no shrink, no capacity change (only the fixture's XML text differs).
    expect(diffVolume({ ...v0, capacityBytes: GiB, liveCapacityBytes: GiB }, volume({ capacityBytes: GiB }))).toEqual({ updates: ["xml"], replaces: [] });
  });

  test("two fields at once: both are named, in table order", () => {
    expect(diffNetwork(n0, networkFrom(network({ bridge: "virbr57", mac: "52:54:00:87:c5:b3" }).xml, { autostart: false }))).toEqual({
      updates: ["summary.mac", "autostart"],
      replaces: ["summary.bridge"],
    });
  });

  test("the xml fallback: only when no field changed, and only when the XML did", () => {
    const xmlOnly = { ...p0, xml: `${p0.xml} ` };
    expect(diffPool(p0, xmlOnly)).toEqual({ updates: ["xml"], replaces: [] });
    expect(diffPool(p0, { ...xmlOnly, active: false })).toEqual({ updates: ["active"], replaces: [] });
    expect(diffPool({ ...p0, xml: undefined }, { ...p0 })).toEqual({ updates: ["xml"], replaces: [] });
  });

  test("a field absent on both sides is no change; absent on one side is", () => {
    expect(diffPool({ ...p0, summary: undefined }, { ...p0, summary: undefined as never })).toEqual({ updates: [], replaces: [] });
    expect(diffPool({ ...p0, summary: undefined }, p0)).toEqual({ updates: [], replaces: ["summary.type", "summary.path"] });
  });

  test("the update note lists every changed field without its summary. prefix, and skips start", () => {
    expect(domainUpdateNote("DC01", { updates: ["start", "summary.tpm", "xml"], replaces: [] }, false)).toBe(
      "domain DC01: tpm, xml changed in the persistent definition; applies when the domain next starts",
    );
    expect(domainUpdateNote("DC01", { updates: ["start"], replaces: [] }, false)).toBeUndefined();
    expect(domainUpdateNote("DC01", { updates: ["mysummary.x"], replaces: [] }, false)).toBe(
      "domain DC01: mysummary.x changed in the persistent definition; applies when the domain next starts",
    );
  });
});

test("a null summary in the old state reads as absent, not as a crash", () => {
  const p = pool();
  expect(diffPool({ ...p, summary: null as never }, p)).toEqual({ updates: [], replaces: ["summary.type", "summary.path"] });
});
