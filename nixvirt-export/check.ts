// What NixVirt 0.6.0 cannot declare. A spec that needs it gets every problem at once,
// each naming the object and the config field, instead of a Nix file that silently differs.
import type { LabProblem, LabSpec } from "../lab";
import { configPath } from "../lab/problems";

export class NixVirtExportError extends Error {
  constructor(readonly problems: ReadonlyArray<LabProblem>) {
    super(
      `NixVirt 0.6.0 cannot declare this lab (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`,
    );
    this.name = "NixVirtExportError";
  }
}

// writeXML names its store file after the object ("NixVirt-domain-" + name): Nix accepts only these characters there.
const STORE_NAME = /^[A-Za-z0-9+_?=-][A-Za-z0-9+._?=-]*$/;
const DISK_BUSES = new Set(["sata", "virtio"]);

export function nixVirtProblems(spec: LabSpec): LabProblem[] {
  const problems: LabProblem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path: configPath(path), message });
  const storeName = (path: PropertyKey[], what: string, name: string) => {
    if (!STORE_NAME.test(name))
      add(
        path,
        `${what} ${JSON.stringify(name)}: NixVirt's writeXML names a Nix store file after it, and store names allow only letters, digits and + - . _ ? =: rename it`,
      );
  };

  spec.networks.forEach((net, i) => {
    storeName(["networks", i, "name"], "network", net.name);
    if (net.autostart !== net.active) {
      add(
        ["networks", i, "autostart"],
        `network ${net.name}: NixVirt sets autostart to match active, so autostart ${net.autostart} with active ${net.active} cannot be declared: make them equal`,
      );
    }
  });

  storeName(["pool", "name"], "pool", spec.pool.name);
  if (spec.pool.type !== "dir") add(["pool", "type"], `pool ${spec.pool.name}: only dir pools are exported, got ${JSON.stringify(spec.pool.type)}`);
  if (spec.pool.autostart !== spec.pool.active) {
    add(
      ["pool", "autostart"],
      `pool ${spec.pool.name}: NixVirt sets autostart to match active, so autostart ${spec.pool.autostart} with active ${spec.pool.active} cannot be declared: make them equal`,
    );
  }

  spec.vms.forEach((vm, i) => {
    storeName(["vms", i, "name"], "VM", vm.name);
    if (!DISK_BUSES.has(vm.diskBus)) {
      add(
        ["vms", i, "diskBus"],
        `VM ${vm.name}: NixVirt's templates put the system disk on sata or virtio only (virtio_drive), not ${JSON.stringify(vm.diskBus)}`,
      );
    }
    const { uefi, secureBoot } = vm.firmware;
    if (vm.template === "windows" && uefi && !secureBoot) {
      add(
        ["vms", i, "firmware", "secureBoot"],
        `VM ${vm.name}: NixVirt 0.6.0's Windows template always boots OVMF's Secure Boot build with Microsoft keys, and its domain XML has no <firmware><feature> to ask for another: set secureBoot to true, or uefi to false for BIOS`,
      );
    }
    if (vm.template === "linux" && uefi && secureBoot) {
      add(
        ["vms", i, "firmware", "secureBoot"],
        `VM ${vm.name}: NixVirt 0.6.0's domain XML can write neither <loader secure='yes'> nor <smm> nor <firmware><feature>, so a Linux VM cannot ask for Secure Boot firmware: set secureBoot to false, or deploy this stack through Pulumi`,
      );
    }
  });
  // ---- base images (issue 13)
  if (spec.disks === "linked") {
    add(
      ["disks"],
      "linked: NixVirt's volume XML can name a backing store (backingStore path and format), so a clone of an existing base image is expressible, " +
        "but nothing in NixVirt builds the base image (build VM, install marker, sysprep, read-only): leave homelab:disks unset for the export, or deploy this stack through Pulumi",
    );
  }
  if (spec.disks === "full") {
    add(
      ["disks"],
      "full: each VM's disk would be a copy of its edition's base image, but nothing in NixVirt builds the base image to copy " +
        "(build VM, install marker, sysprep, read-only): leave homelab:disks unset for the export, or deploy this stack through Pulumi",
    );
  }
  // ---- end base images
  return problems;
}

export function assertNixVirtExpressible(spec: LabSpec): void {
  const problems = nixVirtProblems(spec);
  if (problems.length > 0) throw new NixVirtExportError(problems);
}
