import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROLE_LABELS } from "../lab";
import { PROJECT_DIR } from "../lab/project-dir";
import type { LabSpec, NicSpec, VmSpec } from "../lab";
import { comment, fileHeader, indentLines } from "./header";
import { NixAttrs, printNix } from "./nix";

/** The helpers of every export (nixvirt-export/lib.nix), written beside domains.nix as lib.nix. */
export const LIB_NIX = readFileSync(join(PROJECT_DIR, "nixvirt-export", "lib.nix"), "utf8");

const ADDRESSING: Record<NicSpec["addressing"], string> = {
  static: "static",
  reserved: "DHCP reservation",
  dhcp: "DHCP",
};

function describe(vm: VmSpec, spec: LabSpec): string {
  const sqlHere = spec.sccm?.sqlColocated && spec.sccm.siteServer === vm.name ? " with SQL Server" : "";
  const nics = vm.nics.map((n) => `${n.ip ?? "DHCP"} on ${n.network} (${ADDRESSING[n.addressing]})`).join(", ");
  return `${vm.name}: ${ROLE_LABELS[vm.role]}${sqlHere}, ${vm.os}; ${nics}`;
}

function vmArgs(vm: VmSpec): NixAttrs {
  return {
    name: vm.name,
    uuid: vm.uuid,
    vcpus: vm.vcpus,
    memoryMiB: vm.memoryBytes / 2 ** 20,
    volume: vm.volume,
    diskBus: vm.diskBus,
    installIso: vm.isos.install ?? null,
    extraIsos: [vm.isos.virtio, vm.isos.media].filter((iso): iso is string => iso !== undefined),
    nics: vm.nics.map((n) => ({ network: n.network, mac: n.mac, model: n.model })),
    uefi: vm.firmware.uefi,
    nvram: vm.nvramPath,
    tpm: vm.tpm,
    active: vm.start,
  };
}

export function domainsNix(spec: LabSpec): string {
  const settings = [
    "{ nixvirt, ... }:",
    "let",
    "  # Lab-wide settings from the stack config.",
    `  domainType = ${printNix(spec.libvirt.domainType)};`,
    `  pool = ${printNix(spec.pool.name)};`,
    `  console = ${printNix(spec.libvirt.graphics)};`,
    "",
  ].join("\n");
  const items = spec.vms.map((vm) => {
    const helper = vm.template === "windows" ? "windowsVm" : "linuxVm";
    return `${comment(describe(vm, spec))}\n(${helper} ${printNix(vmArgs(vm))})`;
  });
  return [
    fileHeader(spec.stack, "The lab's virtual machines", "domains"),
    settings,
    "  inherit (import ./lib.nix { inherit nixvirt domainType pool console; }) windowsVm linuxVm;",
    "in",
    "[",
    indentLines(items.join("\n"), "  "),
    "]",
    "",
  ].join("\n");
}
