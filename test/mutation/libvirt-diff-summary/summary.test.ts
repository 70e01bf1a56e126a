// The summaries the diff compares, written out literally for each kind of XML libvirt or the
// renderer produces, and the containment check's rules one by one (written for mutation testing).
import { domainSummary, networkSummary, poolSummary, sizeInBytes, volumeSummary, xmlMissing } from "../../../libvirt/providers/summary";

describe("networkSummary", () => {
  test("a NAT network with DHCP range and hosts; MACs and UUIDs lower-cased", () => {
    const xml = `<network><name>lab-net</name><uuid>F42A8BD8-AB64-5DB7-8973-BF7DB387DB75</uuid><forward mode='nat'/>
      <bridge name='virbr56'/><mac address='52:54:00:87:C5:B2'/>
      <ip address='192.168.56.1' netmask='255.255.255.0'><dhcp><range start='192.168.56.100' end='192.168.56.200'/>
      <host mac='52:54:00:AA:00:01' name='CLIENT01' ip='192.168.56.101'/><host mac='52:54:00:aa:00:02' ip='192.168.56.102'/></dhcp></ip></network>`;
    expect(networkSummary(xml)).toEqual({
      name: "lab-net",
      uuid: "f42a8bd8-ab64-5db7-8973-bf7db387db75",
      bridge: "virbr56",
      mac: "52:54:00:87:c5:b2",
      mode: "nat",
      ips: ["192.168.56.1/255.255.255.0"],
      dhcp: ["192.168.56.100-192.168.56.200", "52:54:00:aa:00:01=192.168.56.101", "52:54:00:aa:00:02=192.168.56.102"],
    });
  });

  test("no <forward> is isolated; <forward/> without a mode is libvirt's default nat; a prefix stands in for a netmask", () => {
    expect(networkSummary("<network><name>a</name><ip address='10.0.0.1' prefix='24'/></network>")).toEqual({
      name: "a",
      uuid: "",
      bridge: "",
      mac: "",
      mode: "isolated",
      ips: ["10.0.0.1/24"],
      dhcp: [],
    });
    expect(networkSummary("<network><name>a</name><forward/></network>").mode).toBe("nat");
    expect(networkSummary("<network><name>a</name><forward mode='route'/></network>").mode).toBe("route");
    expect(
      networkSummary(
        "<network><name>a</name><ip address='10.0.0.1' netmask='255.0.0.0'/><ip address='10.1.0.1' prefix='16'><dhcp><range start='10.1.0.10' end='10.1.0.20'/></dhcp></ip></network>",
      ),
    ).toMatchObject({ ips: ["10.0.0.1/255.0.0.0", "10.1.0.1/16"], dhcp: ["10.1.0.10-10.1.0.20"] });
  });
});

describe("poolSummary", () => {
  test("type, path without trailing slashes, lower-case UUID", () => {
    expect(
      poolSummary("<pool type='dir'><name>homelab</name><uuid>9D7A1F2E-0000-4000-8000-000000000001</uuid><target><path>/srv/homelab//</path></target></pool>"),
    ).toEqual({ name: "homelab", uuid: "9d7a1f2e-0000-4000-8000-000000000001", type: "dir", path: "/srv/homelab" });
    expect(poolSummary("<pool type='fs'><name> p </name><target><path>/srv/a/b</path></target></pool>")).toEqual({
      name: "p",
      uuid: "",
      type: "fs",
      path: "/srv/a/b",
    });
  });
});

describe("volumeSummary", () => {
  test("capacity in libvirt's units, bytes when none is given", () => {
    expect(volumeSummary("<volume><name>v.qcow2</name><capacity unit='G'>64</capacity><target><format type='raw'/></target></volume>")).toEqual({
      name: "v.qcow2",
      capacityBytes: 64 * 1024 ** 3,
      format: "raw",
    });
    expect(volumeSummary("<volume><name>v</name><capacity>4096</capacity></volume>")).toEqual({ name: "v", capacityBytes: 4096, format: "" });
  });
});

describe("sizeInBytes", () => {
  test.each([
    ["1", "b", 1],
    ["1", "bytes", 1],
    ["1", "k", 1024],
    ["1", "KiB", 1024],
    ["1", "KB", 1000],
    ["1", "m", 1024 ** 2],
    ["1", "MiB", 1024 ** 2],
    ["1", "MB", 1e6],
    ["1", "g", 1024 ** 3],
    ["1", "GiB", 1024 ** 3],
    ["1", "GB", 1e9],
    ["1", "t", 1024 ** 4],
    ["1", "TiB", 1024 ** 4],
    ["1", "TB", 1e12],
  ])("%s %s", (value, unit, bytes) => expect(sizeInBytes(value, unit)).toBe(bytes));

  test("the fallback unit applies when none is given; an unknown unit is refused by name", () => {
    expect(sizeInBytes("2", "", "KiB")).toBe(2048);
    expect(sizeInBytes("2", "MiB", "KiB")).toBe(2 * 1024 ** 2);
    expect(() => sizeInBytes("2", "parsecs")).toThrow('unknown size unit "parsecs"');
  });
});

describe("domainSummary", () => {
  test("a BIOS domain with no TPM, a bridge NIC, a block disk and an empty CD-ROM; memory in KiB by default; vcpu 1 by default", () => {
    const xml = `<domain type='kvm'><name>web01</name><uuid>AAAAAAAA-0000-4000-8000-000000000001</uuid><memory>1048576</memory>
      <os><type>hvm</type></os><devices>
        <disk type='block' device='disk'><source dev='/dev/vg/web01'/><target dev='vda' bus='virtio'/></disk>
        <disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
        <interface type='bridge'><mac address='52:54:00:AB:00:01'/><source bridge='br0'/><model type='virtio'/></interface>
      </devices></domain>`;
    expect(domainSummary(xml)).toEqual({
      name: "web01",
      uuid: "aaaaaaaa-0000-4000-8000-000000000001",
      type: "kvm",
      memoryMiB: 1024,
      vcpus: 1,
      nics: ["52:54:00:ab:00:01 br0 virtio"],
      disks: ["disk virtio /dev/vg/web01", "cdrom sata (empty)"],
      firmware: "bios",
      tpm: "",
    });
  });

  test("firmware: a loader without the efi attribute, features that are off, SMM off, secure loader", () => {
    const os = (inner: string, attrs = "") =>
      domainSummary(`<domain><name>a</name><os${attrs}>${inner}</os><features><smm state='off'/></features></domain>`).firmware;
    expect(os("<loader readonly='yes'>/usr/share/OVMF/OVMF_CODE.fd</loader>")).toBe("loader");
    expect(os("<firmware><feature enabled='no' name='secure-boot'/><feature enabled='yes' name='enrolled-keys'/></firmware>", " firmware='efi'")).toBe(
      "efi enrolled-keys",
    );
    expect(os("<loader secure='yes'/>", " firmware='efi'")).toBe("efi loader-secure");
    expect(os("<loader secure='no'/>", " firmware='efi'")).toBe("efi");
    expect(domainSummary("<domain><name>a</name><os firmware='efi'/><features><smm/></features></domain>").firmware).toBe("efi smm");
  });

  test("a TPM with a backend lists model, type and version; without one only the model", () => {
    expect(domainSummary("<domain><name>a</name><devices><tpm model='tpm-tis'><backend type='passthrough'/></tpm></devices></domain>").tpm).toBe(
      "tpm-tis passthrough",
    );
    expect(domainSummary("<domain><name>a</name><devices><tpm model='tpm-crb'/></devices></domain>").tpm).toBe("tpm-crb");
  });

  test("text is trimmed", () => {
    expect(domainSummary("<domain><name>  DC01 </name><vcpu> 4 </vcpu><memory unit='MiB'>512</memory></domain>")).toMatchObject({
      name: "DC01",
      vcpus: 4,
      memoryMiB: 512,
    });
  });
});

describe("parse errors name the document", () => {
  test.each([
    [() => domainSummary("<domain><name>a</name>"), /^the domain XML does not parse: /],
    [() => networkSummary("<pool type='dir'><name>a</name></pool>"), /^the XML is not a <network> document \(root: pool\)$/],
    [() => poolSummary(""), /^the pool XML does not parse: /],
    [() => volumeSummary("<?xml version='1.0'?><pool/>"), /^the XML is not a <volume> document \(root: \?xml, pool\)$/],
  ])("%#", (call, message) => expect(call).toThrow(message));
});

describe("xmlMissing", () => {
  const live = `<domain type='kvm'><name>DC01</name><uuid>AABB</uuid><memory unit='KiB'>2097152</memory>
    <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><nvram template='/x'>/var/lib/nvram/DC01.fd</nvram></os>
    <devices><interface type='network'><mac address='52:54:00:AB:CD:EF'/><source network='lab-net'/></interface>
      <interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/></interface>
      <disk type='file' device='cdrom'><source file='/iso/A.iso'/></disk></devices></domain>`;
  test.each([
    ["nothing missing", `<domain type='kvm'><name>DC01</name></domain>`, undefined],
    ["a MAC in another case is the same MAC", `<domain><devices><interface><mac address='52:54:00:ab:cd:ef'/></interface></devices></domain>`, undefined],
    ["a hex-looking value in another case is the same value", `<domain><uuid>aabb</uuid></domain>`, undefined],
    ["a name in another case is another name", `<domain><name>dc01x</name></domain>`, '/domain/name = "dc01x"'],
    ["libvirt's versioned machine type matches the alias", `<domain><os><type machine='q35'>hvm</type></os></domain>`, undefined],
    ["another machine type does not", `<domain><os><type machine='pc'>hvm</type></os></domain>`, '/domain/os/type/@machine = "pc"'],
    [
      "a file name is compared case-sensitively",
      `<domain><devices><disk><source file='/iso/a.iso'/></disk></devices></domain>`,
      '/domain/devices/disk/source/@file = "/iso/a.iso"',
    ],
    ["an empty element asks for no text", `<domain><os><nvram/></os></domain>`, undefined],
    ["a missing text", `<domain><os><nvram>/other.fd</nvram></os></domain>`, '/domain/os/nvram = "/other.fd"'],
    ["the same size in another unit", `<domain><memory unit='MiB'>2048</memory></domain>`, undefined],
    [
      "one of two wanted NICs missing is named by index",
      `<domain><devices><interface><mac address='52:54:00:00:00:02'/></interface><interface><mac address='52:54:00:00:00:03'/></interface></devices></domain>`,
      "/domain/devices/interface[1]",
    ],
    [
      "each live NIC matches one wanted NIC only",
      `<domain><devices><interface><mac address='52:54:00:00:00:02'/></interface><interface><mac address='52:54:00:00:00:02'/></interface></devices></domain>`,
      "/domain/devices/interface[1]",
    ],
    ["a missing attribute", `<domain><name id='1'>DC01</name></domain>`, '/domain/name/@id = "1"'],
    ["a processing instruction is not the root", `<?xml version='1.0'?><domain><name>DC01</name></domain>`, undefined],
  ])("%s", (_label, wanted, missing) => expect(xmlMissing(wanted, live)).toBe(missing));

  test("the closest single candidate says what differs; a size mismatch names both sizes", () => {
    const one = `<pool type='dir'><target><path>/a</path></target><capacity unit='bytes'>10</capacity></pool>`;
    expect(xmlMissing(`<pool><target><path>/b</path></target></pool>`, one)).toBe('/pool/target/path = "/b"');
    expect(xmlMissing(`<pool><capacity unit='KiB'>1</capacity></pool>`, one)).toBe("/pool/capacity (1024 bytes, libvirt has 10)");
    // An unknown unit is no size: then unit and text are compared as they are.
    expect(xmlMissing(`<pool><capacity unit='parsecs'>10</capacity></pool>`, one)).toBe('/pool/capacity/@unit = "parsecs"');
    expect(xmlMissing(`<pool><capacity unit='bytes'>10</capacity></pool>`, `<pool><capacity>10</capacity></pool>`)).toBe('/pool/capacity/@unit = "bytes"');
  });
});

describe("xmlMissing: how values compare", () => {
  const live = `<domain><os><type machine='q35'>hvm</type></os><memory unit='KiB' dumpCore='on'>2097152</memory>
    <devices><x macaddr='xyz' tag='ZZ:ab' id='AB-ZZ'/></devices></domain>`;
  test.each([
    ["a versioned machine type asked for, the alias held", `<domain><os><type machine='pc-q35-7.2'>hvm</type></os></domain>`, undefined],
    [
      "an attribute that only starts like @mac compares with case",
      `<domain><devices><x macaddr='XYZ'/></devices></domain>`,
      '/domain/devices/x/@macaddr = "XYZ"',
    ],
    ["a value that only ends in hex compares with case", `<domain><devices><x tag='zz:AB'/></devices></domain>`, '/domain/devices/x/@tag = "zz:AB"'],
    ["a value that only starts with hex compares with case", `<domain><devices><x id='ab-zz'/></devices></domain>`, '/domain/devices/x/@id = "ab-zz"'],
    ["a sized element's other attributes still count", `<domain><memory unit='MiB' dumpCore='off'>2048</memory></domain>`, '/domain/memory/@dumpCore = "off"'],
    ["an empty attribute value is still asked for", `<domain><devices><x empty=''/></devices></domain>`, '/domain/devices/x/@empty = ""'],
  ])("%s", (_label, wanted, missing) => expect(xmlMissing(wanted, live)).toBe(missing));
});

test("summary values are text: a numeric-looking name keeps its leading zeros", () => {
  expect(networkSummary("<network><name>0042</name><bridge name='007'/></network>")).toMatchObject({ name: "0042", bridge: "007" });
});
