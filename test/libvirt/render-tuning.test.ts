// Guest tuning that only KVM gets: Hyper-V TLB flush and IPI enlightenments for Windows, and the
// system disk without host cache, with native AIO, discard and zero detection. TCG stays as it was.
import { renderDomainXml } from "../../libvirt/render";
import { stackSpec } from "../support/stacks";

const domainOf = (stack: string, vm: string) => {
  const lab = stackSpec(stack);
  return renderDomainXml(
    lab.vms.find((v) => v.name === vm)!,
    lab,
  );
};

describe("KVM guests", () => {
  const xml = domainOf("dev", "DC01");

  test("Windows gets tlbflush and ipi after the enlightenments they depend on (vpindex)", () => {
    expect(xml).toContain('<vpindex state="on"/>');
    expect(xml).toMatch(/<frequencies state="on"\/>\s*<tlbflush state="on"\/>\s*<ipi state="on"\/>\s*<\/hyperv>/);
  });

  test("the system disk: cache none, io native, discard and detect_zeroes unmap; CD-ROMs unchanged", () => {
    expect(xml).toContain('<driver name="qemu" type="qcow2" cache="none" io="native" discard="unmap" detect_zeroes="unmap"/>');
    // dev's DC01 is unattended: installer, VirtIO drivers, lab media and the answer CD.
    expect(xml.match(/<driver name="qemu" type="raw"\/>/g)).toHaveLength(4);
  });
});

describe("TCG guests stay as they were", () => {
  const lab = stackSpec("nokvm");
  test.each(lab.vms.map((vm) => [vm.name]))("%s: no enlightenments, the disk driver with discard only", (name) => {
    const xml = domainOf("nokvm", name);
    expect(xml).toContain('<domain type="qemu">');
    expect(xml).not.toContain("<hyperv");
    expect(xml).toContain('<driver name="qemu" type="qcow2" discard="unmap"/>');
    expect(xml).not.toMatch(/cache=|io=|detect_zeroes=/);
  });
});
