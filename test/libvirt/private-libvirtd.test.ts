// The test daemon must start on machines with and without /dev/kvm (CI runs on both kinds).
import { execFileSync } from "node:child_process";
import { bindMounts, insideScript, startPrivateLibvirtd } from "../support/private-libvirtd";

jest.setTimeout(60_000);

describe("the private libvirtd's namespace", () => {
  it("masks /dev/kvm only where the host has it", () => {
    expect(bindMounts(true).map((m) => m.onto)).toEqual([
      "/etc/libvirt",
      "/var/lib/libvirt",
      "/run/libvirt",
      "/var/log/libvirt",
      "/var/cache/libvirt",
      "/var/lib/swtpm-localca",
      "/var/log/swtpm",
      "/dev/kvm",
    ]);
    expect(bindMounts(true).find((m) => m.onto === "/dev/kvm")).toEqual({ from: "nokvm", onto: "/dev/kvm" });
    expect(bindMounts(false).map((m) => m.onto)).toEqual([
      "/etc/libvirt",
      "/var/lib/libvirt",
      "/run/libvirt",
      "/var/log/libvirt",
      "/var/cache/libvirt",
      "/var/lib/swtpm-localca",
      "/var/log/swtpm",
    ]);
  });

  it("writes a script that bind-mounts exactly those paths and nothing over /dev/kvm without KVM", () => {
    const without = insideScript(bindMounts(false));
    expect(without).not.toContain("/dev/kvm");
    expect(without).toContain(`mount --bind "$1"/'etc' '/etc/libvirt' || exit 1`);
    expect(insideScript(bindMounts(true))).toContain(`mount --bind "$1"/'nokvm' '/dev/kvm' || exit 1`);
    // The script is valid bash either way.
    for (const script of [without, insideScript(bindMounts(true))]) execFileSync("bash", ["-n", "-c", script]);
  });

  it("starts and answers on the path a machine without /dev/kvm takes", async () => {
    const daemon = await startPrivateLibvirtd({ hostHasKvm: false });
    try {
      const out = execFileSync("virsh", ["-c", daemon.uri, "version"], { encoding: "utf8" });
      expect(out).toMatch(/^Running hypervisor: QEMU \d+\.\d+/m);
    } finally {
      await daemon.stop();
    }
  });
});
