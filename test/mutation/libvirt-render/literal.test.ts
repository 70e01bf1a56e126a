// What the dev goldens do not reach, written out: a linked clone's backing store (libvirt
// formatstorage, "Backing store elements"), a TCG domain's CPU model and disk driver (formatdomain
// "CPU model and topology" and "Hard drives": QEMU's defaults under TCG, see domain.ts), and a Linux
// domain without the Windows install's serial log.
import { renderDomainXml, renderVolumeXml } from "../../../libvirt/render";
import { clone, stackSpec } from "../../support/stacks";

test("a linked clone's volume names its base image and the base image's format", () => {
  const xml = renderVolumeXml({
    name: "CLIENT01.qcow2",
    pool: "homelab",
    vm: "CLIENT01",
    capacityBytes: 64 * 2 ** 30,
    format: "qcow2",
    deleteOnDestroy: false,
    backingStore: { path: "/var/lib/libvirt/images/homelab/base-windows-11.qcow2", format: "qcow2" },
  });
  expect(xml).toBe(
    [
      "<volume>",
      "  <name>CLIENT01.qcow2</name>",
      '  <capacity unit="bytes">68719476736</capacity>',
      '  <allocation unit="bytes">0</allocation>',
      "  <target>",
      '    <format type="qcow2"/>',
      "    <compat>1.1</compat>",
      "  </target>",
      "  <backingStore>",
      "    <path>/var/lib/libvirt/images/homelab/base-windows-11.qcow2</path>",
      '    <format type="qcow2"/>',
      "  </backingStore>",
      "</volume>",
      "",
    ].join("\n"),
  );
});

describe("a domain under TCG (domainType qemu)", () => {
  const spec = stackSpec("nokvm");
  const xml = renderDomainXml(spec.vms[0], spec);
  it("emulates every CPU feature TCG has instead of passing the host CPU through", () => {
    expect(xml).toContain('<cpu mode="maximum" check="none">');
    expect(xml).not.toContain("host-passthrough");
  });
  it("keeps QEMU's cache and I/O defaults for the system disk, still freeing trimmed space", () => {
    expect(xml).toContain('<driver name="qemu" type="qcow2" discard="unmap"/>');
    expect(xml).not.toContain('cache="none"');
  });
});

test("under KVM the disk bypasses the host cache with native AIO", () => {
  const spec = stackSpec("dev");
  expect(renderDomainXml(spec.vms[0], spec)).toContain('<driver name="qemu" type="qcow2" cache="none" io="native" discard="unmap" detect_zeroes="unmap"/>');
});

test("a Linux domain has no serial log (the install wait reads it only for Windows)", () => {
  const spec = clone(stackSpec("linux"));
  const xml = renderDomainXml(spec.vms[0], spec);
  expect(xml).not.toContain("<serial");
  expect(xml).toContain('<model type="virtio"/>');
});
