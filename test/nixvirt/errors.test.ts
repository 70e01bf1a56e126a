// A spec NixVirt 0.6.0 cannot declare gets an error naming the object and the field, never a file.
import type { LabSpec } from "../../lab";
import { exportNixVirt, NixVirtExportError } from "../../nixvirt-export";
import { clone, stackSpec } from "../support/stacks";
import { evalExport } from "./nix-tools";

function exportError(spec: LabSpec): NixVirtExportError {
  try {
    exportNixVirt(spec);
  } catch (error) {
    if (error instanceof NixVirtExportError) return error;
    throw error;
  }
  throw new Error("exportNixVirt returned files for a spec NixVirt cannot declare");
}

const dev = stackSpec("dev");
const linux = stackSpec("linux");

describe.each<[string, LabSpec, (s: LabSpec) => void, string, RegExp]>([
  ["Windows UEFI without Secure Boot", dev, (s) => { s.vms[1].firmware.secureBoot = false; }, "homelab:vms[1].firmware.secureBoot", /VM SCCM01: .*Secure Boot build/],
  ["Linux with Secure Boot", linux, (s) => { s.vms[0].firmware.secureBoot = true; }, "homelab:vms[0].firmware.secureBoot", /VM router01: .*loader secure='yes'/],
  ["a disk bus the templates cannot set", dev, (s) => { (s.vms[2] as { diskBus: string }).diskBus = "scsi"; }, "homelab:vms[2].diskBus", /VM CLIENT01: .*sata or virtio only.*"scsi"/],
  ["a network whose autostart differs from active", dev, (s) => { s.networks[1].autostart = false; }, "homelab:networks[1].autostart", /network default: NixVirt sets autostart to match active/],
  ["a pool whose autostart differs from active", dev, (s) => { s.pool.active = false; }, "homelab:pool.autostart", /pool homelab: /],
  ["a VM name Nix cannot use as a store name", dev, (s) => { s.vms[3].name = "CLIENT 02"; }, "homelab:vms[3].name", /VM "CLIENT 02": .*store names allow only/],
])("%s", (_title, base, change, path, message) => {
  test("is refused with the config path and a message naming the object", () => {
    const spec = clone(base);
    change(spec);
    const error = exportError(spec);
    expect(error.problems).toEqual([{ path, message: expect.stringMatching(message) }]);
    expect(error.message).toContain(`${path}: `);
  });
});

test("every problem is reported at once", () => {
  const spec = clone(dev);
  spec.vms[0].firmware.secureBoot = false;
  spec.vms[3].firmware.secureBoot = false;
  spec.networks[0].autostart = false;
  expect(exportError(spec).problems.map((p) => p.path)).toEqual([
    "homelab:networks[0].autostart",
    "homelab:vms[0].firmware.secureBoot",
    "homelab:vms[3].firmware.secureBoot",
  ]);
});

describe("what NixVirt can declare through overrides", () => {
  test("a Windows VM with BIOS boots without the template's OVMF loader and variable store", () => {
    const spec = clone(dev);
    spec.vms[0].firmware = { uefi: false, secureBoot: false };
    const { os } = evalExport(exportNixVirt(spec)).domains[0].definition.args;
    expect(os).toEqual({ type: "hvm", arch: "x86_64", machine: "q35", boot: [{ dev: "hd" }, { dev: "cdrom" }] });
  });

  test("a Windows VM without a TPM has no TPM device", () => {
    const spec = clone(dev);
    spec.vms[2].tpm = false;
    const lists = evalExport(exportNixVirt(spec));
    expect(lists.domains[2].definition.args.devices.tpm).toBeUndefined();
    expect(lists.domains[3].definition.args.devices.tpm).toEqual({ model: "tpm-crb", backend: { type: "emulator", version: "2.0" } });
  });

  test("a Linux VM with UEFI asks libvirt for EFI firmware and keeps its variables at the spec's path", () => {
    const { os } = evalExport(exportNixVirt(linux)).domains[0].definition.args;
    expect(os).toMatchObject({ firmware: "efi", nvram: { path: linux.vms[0].nvramPath } });
  });

  test("names and paths with Nix's special characters arrive unchanged", () => {
    const spec = clone(dev);
    const iso = '/iso/"quoted" \\back ${HOME} $x.iso';
    spec.vms[0].isos.install = iso;
    spec.pool.path = "/var/lib/${pool}";
    const lists = evalExport(exportNixVirt(spec));
    expect(lists.domains[0].definition.args.devices.disk[1].source).toEqual({ file: iso });
    expect(lists.pools[0].definition.args.target.path).toBe("/var/lib/${pool}");
  });
});
