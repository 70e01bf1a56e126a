// Checks, before anything is created, that the files a lab needs exist on the hypervisor host.
// Only for local connections: for a remote URI the files live on another machine.
import { execFileSync } from "node:child_process";
import { accessSync, closeSync, constants, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import type { LabSpec, OsName, VmSpec } from "../lab";
import { formatMediaCheck, loadMediaManifest, mediaPresence } from "../media";
import type { MediaManifest } from "../media";
import { networkCollisions, parseIpJson } from "./host-network";
import type { HostNetworkView } from "./host-network";

export { networkCollisions, parseIpJson } from "./host-network";
export type { HostAddress, HostNetworkView, HostRoute, NetworkCollision } from "./host-network";

export interface PreflightProblem {
  what: string;
  /** Where it was looked for. */
  where: string;
  /** How to get it. */
  fix: string;
  /** What is wrong, when it is not simply missing (default: "not found at WHERE"). */
  problem?: string;
}

/** Whether QEMU can use KVM here: the device exists and this user can open it read-write. */
export type KvmState = { usable: true } | { usable: false; reason: string };

export interface PreflightResult {
  skipped?: string;
  problems: PreflightProblem[];
}

/** The file system as the preflight sees it; tests give their own. */
export interface HostView {
  exists(path: string): boolean;
  /** Names in a folder, or [] when it does not exist. */
  list(dir: string): string[];
  read(path: string): string;
  /** The PATH to search for executables. */
  path: string;
  isExecutable(path: string): boolean;
  kvm(): KvmState;
  /** The host's IPv4 interfaces and routes, or undefined when `ip` cannot tell. */
  network(): HostNetworkView | undefined;
}

// The device QEMU opens for KVM; HOMELAB_KVM_DEVICE lets a test harness stage one, as it stages ISOs.
const KVM_DEVICE = "/dev/kvm";

function kvmState(device: string): KvmState {
  try {
    closeSync(openSync(device, "r+"));
    return { usable: true };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      return { usable: false, reason: `${device} does not exist (no hardware virtualization, or the kvm_intel/kvm_amd module is not loaded)` };
    return { usable: false, reason: `${device} cannot be opened read-write (${code}): add the user to the kvm group, or check the device's permissions` };
  }
}

function hostNetwork(): HostNetworkView | undefined {
  try {
    const ip = (...args: string[]) => execFileSync("ip", ["-j", ...args], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "ignore"] });
    return parseIpJson(ip("addr"), ip("route"));
  } catch {
    return undefined; // no iproute2: the check is skipped, not failed
  }
}

export const realHost: HostView = {
  exists: (p) => existsSync(p),
  list: (d) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  },
  read: (p) => readFileSync(p, "utf8"),
  path: process.env.PATH ?? "/usr/bin:/bin",
  isExecutable: (p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
  kvm: () => kvmState(process.env.HOMELAB_KVM_DEVICE || KVM_DEVICE),
  network: hostNetwork,
};

const DOWNLOAD_PAGES: Record<OsName, string> = {
  "windows-server-2022": "download the Windows Server 2022 evaluation ISO from https://www.microsoft.com/en-us/evalcenter/download-windows-server-2022",
  "windows-server-2025": "download the Windows Server 2025 evaluation ISO from https://www.microsoft.com/en-us/evalcenter/download-windows-server-2025",
  "windows-11": "download the Windows 11 Enterprise evaluation ISO from https://www.microsoft.com/en-us/evalcenter/download-windows-11-enterprise",
  "windows-10": "download the Windows 10 Enterprise evaluation ISO from https://www.microsoft.com/en-us/evalcenter/download-windows-10-enterprise",
  linux: "download your distribution's installer ISO",
};
const VIRTIO_HINT = "download virtio-win.iso (stable) from https://fedorapeople.org/groups/virt/virtio-win/direct-downloads/stable-virtio/";
const FIRMWARE_HINT =
  "install UEFI firmware with Secure Boot: `apt install ovmf` (Debian/Ubuntu), `dnf install edk2-ovmf` (Fedora), or on NixOS enable virtualisation.libvirtd.qemu.ovmf";
const SWTPM_HINT =
  "install swtpm: `apt install swtpm swtpm-tools` (Debian/Ubuntu), `dnf install swtpm swtpm-tools` (Fedora), or on NixOS set virtualisation.libvirtd.qemu.swtpm.enable";

/** libvirt reads firmware descriptors from these folders (QEMU's firmware.json interop spec). */
export const FIRMWARE_DESCRIPTOR_DIRS = ["/etc/qemu/firmware", "/usr/share/qemu/firmware", "/run/libvirt/nix-ovmf"];

/** A URI names a remote hypervisor when it has a host part (qemu+ssh://user@host/system). */
export function isRemoteUri(uri: string): boolean {
  const m = /^[a-z0-9+]+:\/\/([^/?]*)\//.exec(uri);
  return m !== null && m[1] !== "" && m[1] !== "localhost";
}

function hasSecureBootFirmware(host: HostView): boolean {
  for (const dir of FIRMWARE_DESCRIPTOR_DIRS) {
    for (const name of host.list(dir).filter((n) => n.endsWith(".json"))) {
      try {
        const d = JSON.parse(host.read(join(dir, name))) as { features?: string[]; targets?: { architecture?: string }[] };
        const x86 = d.targets?.some((t) => t.architecture === "x86_64") ?? false;
        if (x86 && d.features?.includes("secure-boot") && d.features.includes("enrolled-keys")) return true;
      } catch {
        // A descriptor that does not parse is libvirt's concern, not a missing firmware.
      }
    }
  }
  return false;
}

function onPath(host: HostView, binary: string): boolean {
  return host.path.split(delimiter).some((dir) => dir !== "" && host.isExecutable(join(dir, binary)));
}

function isoProblems(vm: VmSpec, host: HostView): PreflightProblem[] {
  const checks: [string | undefined, string, string][] = [
    [vm.isos.install, `the install ISO of ${vm.name}`, DOWNLOAD_PAGES[vm.os]],
    [vm.isos.virtio, `the VirtIO driver ISO of ${vm.name}`, VIRTIO_HINT],
  ];
  return checks
    .filter(([path]) => path !== undefined && !host.exists(path))
    .map(([path, what, fix]) => ({ what, where: path!, fix: `${fix}, and save it as ${path}` }));
}

/**
 * The media ISO is built by `pulumi up` (media/resource.ts), so what must exist is the folder it is
 * built from, with every installer of the manifest (not hashed here: the build checks the hashes).
 */
function mediaProblems(spec: LabSpec, host: HostView, manifest: () => MediaManifest): PreflightProblem[] {
  const media = spec.media;
  if (!media || !spec.vms.some((vm) => vm.isos.media === media.iso)) return [];
  const present = mediaPresence(media.dir, manifest(), (p) => host.exists(p));
  if (present.ok) return [];
  const users = spec.vms.filter((vm) => vm.isos.media === media.iso).map((vm) => vm.name);
  return [
    {
      what: `the installers in the media folder (homelab:media.dir), which the media ISO of ${users.join(", ")} is built from`,
      where: media.dir,
      problem: `it lacks some of them:\n${formatMediaCheck(present, media.lock ?? "media/media.lock.json")
        .trimEnd()
        .split("\n")
        .map((line) => `    ${line}`)
        .join("\n")}\n`,
      fix: "put each one there as listed; pulumi up then checks their hashes and builds homelab:media.iso (`npm run media -- check --stack STACK` checks the folder alone)",
    },
  ];
}

export function preflight(spec: LabSpec, host: HostView = realHost, manifest: () => MediaManifest = () => loadMediaManifest()): PreflightResult {
  if (isRemoteUri(spec.libvirt.uri)) {
    return { skipped: `${spec.libvirt.uri} is a remote hypervisor: its ISOs, firmware and swtpm are not checked from here`, problems: [] };
  }
  const problems: PreflightProblem[] = [...spec.vms.flatMap((vm) => isoProblems(vm, host)), ...mediaProblems(spec, host, manifest)];
  const poolParent = dirname(spec.pool.path);
  if (!host.exists(poolParent)) {
    problems.push({
      what: `the parent folder of pool ${spec.pool.name}`,
      where: poolParent,
      fix: `create it (mkdir -p ${poolParent}); libvirt builds ${spec.pool.path} itself`,
    });
  }
  // libvirt writes each VM's NVRAM file into this folder but does not create it: the start fails.
  if (spec.vms.some((vm) => vm.firmware.uefi) && !host.exists(spec.libvirt.nvramDir)) {
    problems.push({
      what: "the UEFI variable store folder (homelab:nvramDir)",
      where: spec.libvirt.nvramDir,
      fix: `create it (mkdir -p ${spec.libvirt.nvramDir}), or point homelab:nvramDir at libvirt's (/var/lib/libvirt/qemu/nvram)`,
    });
  }
  if (spec.vms.some((vm) => vm.firmware.secureBoot) && !hasSecureBootFirmware(host)) {
    problems.push({
      what: "UEFI firmware with Secure Boot and enrolled keys",
      where: `firmware descriptors in ${FIRMWARE_DESCRIPTOR_DIRS.join(", ")}`,
      fix: FIRMWARE_HINT,
    });
  }
  if (spec.vms.some((vm) => vm.tpm) && !onPath(host, "swtpm")) {
    problems.push({ what: "swtpm, the TPM 2.0 emulator", where: "on PATH", fix: SWTPM_HINT });
  }
  if (spec.libvirt.domainType === "kvm") {
    const kvm = host.kvm();
    if (!kvm.usable) {
      problems.push({
        what: "KVM, which homelab:domainType kvm needs",
        where: KVM_DEVICE,
        problem: kvm.reason,
        fix: "set `pulumi config set homelab:domainType qemu` (software emulation: it works everywhere, much slower), or enable KVM on this host",
      });
    }
  }
  const network = host.network();
  for (const c of network ? networkCollisions(spec.networks, network) : []) {
    problems.push({ what: `network ${c.network}`, where: "the host's interfaces and routes (ip addr, ip route)", problem: c.collision, fix: c.fix });
  }
  return { problems };
}

export function formatPreflight(problems: PreflightProblem[]): string {
  return (
    `the host is missing ${problems.length} thing${problems.length === 1 ? "" : "s"} the lab needs:\n` +
    problems.map((p) => `  ${p.what}: ${p.problem ?? `not found at ${p.where}`}; ${p.fix}`).join("\n")
  );
}
