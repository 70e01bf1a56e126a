// What the unattended install adds to a Windows domain's XML: the serial log, per-device boot
// order (disk, then the no-prompt installer), the answer CD on its own SATA port. Read back with
// a real XML parser and checked with virt-xml-validate.
import { XMLParser } from "fast-xml-parser";
import { renderDomainXml } from "../../libvirt/render";
import type { LabSpec } from "../../lab";
import { clone, stackSpec } from "../support/stacks";
import { validateLibvirtXml } from "../support/xml-validate";

type Node = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  isArray: (n) => ["disk", "serial", "boot"].includes(n),
});
const domainOf = (spec: LabSpec, name: string): Node =>
  parser.parse(
    renderDomainXml(
      spec.vms.find((v) => v.name === name)!,
      spec,
    ),
  ).domain;
const cdroms = (d: Node) =>
  (d.devices.disk as Node[])
    .filter((x) => x["@device"] === "cdrom")
    .map((x) => ({
      file: x.source["@file"],
      policy: x.source["@startupPolicy"],
      dev: x.target["@dev"],
      boot: x.boot?.[0]?.["@order"],
    }));

const dev = stackSpec("dev");
const manual: LabSpec = { ...clone(dev), guest: { ...dev.guest, install: "manual" } };

test("DC01, unattended: disk boots first, the rebuilt installer second, the answer CD never, on sde", () => {
  const d = domainOf(dev, "DC01");
  expect(d.os.boot).toBeUndefined();
  expect(d.devices.disk[0].boot).toEqual([{ "@order": "1" }]);
  expect(cdroms(d)).toEqual([
    { file: "/var/lib/libvirt/iso/homelab-noprompt/windows-server-2022.iso", policy: undefined, dev: "sdb", boot: "2" },
    { file: "/var/lib/libvirt/iso/virtio-win.iso", policy: undefined, dev: "sdc", boot: undefined },
    { file: "/var/lib/libvirt/iso/homelab-media.iso", policy: undefined, dev: "sdd", boot: undefined },
    { file: "/var/lib/libvirt/images/homelab-answers/DC01-autounattend.iso", policy: "optional", dev: "sde", boot: undefined },
  ]);
});

test("CLIENT01, unattended: no media ISO, so the answer CD is sdd", () => {
  expect(cdroms(domainOf(dev, "CLIENT01"))).toEqual([
    { file: "/var/lib/libvirt/iso/homelab-noprompt/windows-11.iso", policy: undefined, dev: "sdb", boot: "2" },
    { file: "/var/lib/libvirt/iso/virtio-win.iso", policy: undefined, dev: "sdc", boot: undefined },
    { file: "/var/lib/libvirt/images/homelab-answers/CLIENT01-autounattend.iso", policy: "optional", dev: "sdd", boot: undefined },
  ]);
});

test("every Windows domain logs COM1 to a file the host reads; Linux domains do not", () => {
  expect(domainOf(dev, "SCCM01").devices.serial).toEqual([
    { "@type": "file", source: { "@path": "/var/log/libvirt/qemu/SCCM01-serial.log" }, target: { "@port": "0" } },
  ]);
  expect(domainOf(manual, "DC01").devices.serial).toEqual([
    { "@type": "file", source: { "@path": "/var/log/libvirt/qemu/DC01-serial.log" }, target: { "@port": "0" } },
  ]);
  const linux = stackSpec("linux");
  expect(domainOf(linux, linux.vms[0].name).devices.serial).toBeUndefined();
});

test("manual: the installer ISO as given, no answer CD, the same boot order", () => {
  const d = domainOf(manual, "DC01");
  expect(cdroms(d).map((c) => c.file)).toEqual([
    "/var/lib/libvirt/iso/windows-server-2022.iso",
    "/var/lib/libvirt/iso/virtio-win.iso",
    "/var/lib/libvirt/iso/homelab-media.iso",
  ]);
  expect(d.devices.disk[0].boot).toEqual([{ "@order": "1" }]);
  expect(cdroms(d)[0].boot).toBe("2");
});

test("a Windows VM without an installer ISO gets no answer CD", () => {
  const spec = clone(dev);
  delete spec.vms[0].isos.install;
  expect(cdroms(domainOf(spec, "DC01")).map((c) => c.dev)).toEqual(["sdb", "sdc"]);
});

test.each([
  ["unattended", dev],
  ["manual", manual],
] as const)("%s domains validate against libvirt's schema", async (_mode, spec) => {
  for (const vm of spec.vms) {
    const result = await validateLibvirtXml(renderDomainXml(vm, spec), "domain");
    expect({ vm: vm.name, ...result }).toEqual({ vm: vm.name, ok: true, output: expect.any(String) });
  }
});
