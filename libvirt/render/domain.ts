import type { LabSpec, NicSpec, VmSpec } from "../../lab";
import { answerIsoPath, installsUnattended, noPromptIsoPath, serialLogPath } from "../../unattend/paths";
import { emptyElement, rootElement, serialize, textElement, XMLBuilder } from "./xml";

/** `guest` (optional) says whether Windows installs unattended (issue 12); without it, by hand. */
export type DomainContext = Pick<LabSpec, "libvirt" | "pool" | "networks"> & Partial<Pick<LabSpec, "guest">>;

/**
 * libvirt domain XML (formatdomain) for one VM, elements in the order libvirt writes them so
 * the output reads side by side with `virsh dumpxml`.
 */
export function renderDomainXml(vm: VmSpec, lab: DomainContext): string {
  const windows = vm.template === "windows";
  const domain = rootElement("domain", { type: lab.libvirt.domainType });
  textElement(domain, "name", vm.name);
  textElement(domain, "uuid", vm.uuid);
  textElement(domain, "memory", vm.memoryBytes / 2 ** 20, { unit: "MiB" });
  textElement(domain, "currentMemory", vm.memoryBytes / 2 ** 20, { unit: "MiB" });
  textElement(domain, "vcpu", vm.vcpus);
  addOs(domain, vm);
  // Hyper-V enlightenments are a KVM interface (the kernel implements them). Under TCG, QEMU 7.2
  // refuses to start with vpindex ("kernel doesn't allow setting HyperV VP_INDEX"), so TCG
  // domains get none.
  const hyperv = windows && lab.libvirt.domainType === "kvm";
  addFeatures(domain, vm, hyperv);
  addCpu(domain, vm, lab.libvirt.domainType);
  addClock(domain, windows, hyperv);
  textElement(domain, "on_poweroff", "destroy");
  textElement(domain, "on_reboot", "restart");
  textElement(domain, "on_crash", "destroy");
  const pm = domain.ele("pm");
  emptyElement(pm, "suspend-to-mem", { enabled: "no" });
  emptyElement(pm, "suspend-to-disk", { enabled: "no" });
  addDevices(domain.ele("devices"), vm, lab, windows, lab.libvirt.domainType === "kvm");
  return serialize(domain);
}

/** Secure Boot needs SMM so the firmware's variable store cannot be written from the OS. */
const secureBoot = (vm: VmSpec): boolean => vm.firmware.uefi && vm.firmware.secureBoot;

function addOs(domain: XMLBuilder, vm: VmSpec): void {
  // Firmware auto-selection: libvirt picks the OVMF build whose descriptor matches the features.
  const os = domain.ele("os", vm.firmware.uefi ? { firmware: "efi" } : {});
  textElement(os, "type", "hvm", { arch: "x86_64", machine: "q35" });
  if (vm.firmware.uefi) {
    const yesNo = vm.firmware.secureBoot ? "yes" : "no";
    const firmware = os.ele("firmware");
    // Enrolled Microsoft keys: without them Secure Boot is on but refuses the Windows loader.
    emptyElement(firmware, "feature", { enabled: yesNo, name: "enrolled-keys" });
    emptyElement(firmware, "feature", { enabled: yesNo, name: "secure-boot" });
    if (vm.firmware.secureBoot) emptyElement(os, "loader", { secure: "yes" });
    // A fixed per-VM path so NixVirt and Pulumi point the same domain at the same variables.
    textElement(os, "nvram", vm.nvramPath);
  }
  // --- unattended install (issue 12): no <os><boot dev>; the disk and the installer CD carry
  // per-device <boot order> instead (libvirt allows one or the other), see addDevices.
}

function addFeatures(domain: XMLBuilder, vm: VmSpec, hypervEnlightenments: boolean): void {
  const features = domain.ele("features");
  emptyElement(features, "acpi");
  emptyElement(features, "apic");
  if (hypervEnlightenments) {
    // The enlightenments virt-manager enables for Windows; without them Windows spins on
    // locks and its timers drift.
    const hyperv = features.ele("hyperv", { mode: "custom" });
    for (const name of ["relaxed", "vapic"]) emptyElement(hyperv, name, { state: "on" });
    emptyElement(hyperv, "spinlocks", { state: "on", retries: 8191 });
    for (const name of ["vpindex", "runtime", "synic", "stimer", "reset", "frequencies"]) emptyElement(hyperv, name, { state: "on" });
    // Paravirtual TLB flush and IPIs: Windows asks the hypervisor instead of interrupting every
    // vCPU. Both need vpindex. libvirt: https://libvirt.org/formatdomain.html#hypervisor-features
    // (tlbflush since 4.7.0, ipi since 4.10.0); QEMU: docs/system/i386/hyperv.rst (hv-tlbflush, hv-ipi).
    for (const name of ["tlbflush", "ipi"]) emptyElement(hyperv, name, { state: "on" });
  }
  if (secureBoot(vm)) emptyElement(features, "smm", { state: "on" });
}

function addCpu(domain: XMLBuilder, vm: VmSpec, type: DomainContext["libvirt"]["domainType"]): void {
  // KVM: the host's CPU as is. TCG cannot pass a host CPU through, and its default model
  // (qemu64) lacks SSE4.2 and POPCNT, without which Windows 11 24H2 and Server 2025 do not
  // boot; "maximum" is every feature TCG emulates.
  const cpu = domain.ele("cpu", type === "kvm" ? { mode: "host-passthrough", check: "none" } : { mode: "maximum", check: "none" });
  // One socket of N cores: Windows client editions use at most one or two sockets, and libvirt's
  // default is one socket per vCPU.
  emptyElement(cpu, "topology", { sockets: 1, dies: 1, cores: vm.vcpus, threads: 1 });
}

function addClock(domain: XMLBuilder, windows: boolean, hypervClock: boolean): void {
  // Windows keeps the RTC in local time; Linux in UTC.
  const clock = domain.ele("clock", { offset: windows ? "localtime" : "utc" });
  emptyElement(clock, "timer", { name: "rtc", tickpolicy: "catchup" });
  emptyElement(clock, "timer", { name: "pit", tickpolicy: "delay" });
  emptyElement(clock, "timer", { name: "hpet", present: "no" });
  if (hypervClock) emptyElement(clock, "timer", { name: "hypervclock", present: "yes" });
}

/**
 * The system disk's driver. On KVM: no host page cache (cache='none', O_DIRECT: the guest has its
 * own cache, and writes reach the disk when the guest flushes) with Linux native AIO (io='native',
 * which libvirt allows only with cache='none' or 'directsync'); trims and written zeros free space
 * in the qcow2 image (discard='unmap'; detect_zeroes='unmap' requires it).
 * libvirt: https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms ("driver":
 * cache, io, discard, detect_zeroes); QEMU: docs/system/qemu-block-drivers.rst and
 * `-drive cache=none,aio=native,discard=unmap,detect-zeroes=unmap` in qemu(1).
 * io='native' rather than io_uring: QEMU 7.2 has io_uring, but whether it works depends on the host
 * kernel and on QEMU being built with liburing; native AIO works wherever O_DIRECT does.
 * TCG guests keep QEMU's defaults: they are test guests, often on tmpfs, which has no O_DIRECT.
 */
function diskDriver(kvm: boolean): Record<string, string> {
  return kvm
    ? { name: "qemu", type: "qcow2", cache: "none", io: "native", discard: "unmap", detect_zeroes: "unmap" }
    : { name: "qemu", type: "qcow2", discard: "unmap" };
}

function addDevices(devices: XMLBuilder, vm: VmSpec, lab: DomainContext, windows: boolean, kvm: boolean): void {
  const disk = devices.ele("disk", { type: "volume", device: "disk" });
  emptyElement(disk, "driver", diskDriver(kvm));
  emptyElement(disk, "source", { pool: lab.pool.name, volume: vm.volume });
  emptyElement(disk, "target", vm.diskBus === "virtio" ? { dev: "vda", bus: "virtio" } : { dev: "sda", bus: "sata" });
  // --- unattended install (issue 12): the disk boots first, the installer CD second. Without the
  // media's "press any key" prompt, a CD first would start Setup again on every reboot.
  emptyElement(disk, "boot", { order: 1 });

  // q35 has no IDE: CD-ROMs sit on SATA, after the system disk when that is SATA too.
  const firstCdrom = vm.diskBus === "sata" ? 1 : 0;
  const unattended = installsUnattended(lab, vm);
  for (const [index, iso] of cdromIsos(vm).entries()) {
    const cdrom = devices.ele("disk", { type: "file", device: "cdrom" });
    emptyElement(cdrom, "driver", { name: "qemu", type: "raw" });
    // --- unattended install (issue 12): the installer rebuilt without the boot prompt.
    emptyElement(cdrom, "source", { file: unattended && iso === vm.isos.install ? noPromptIsoPath(iso) : iso });
    emptyElement(cdrom, "target", { dev: sataName(firstCdrom + index), bus: "sata" });
    emptyElement(cdrom, "readonly");
    // --- unattended install (issue 12): the installer CD boots second.
    if (iso === vm.isos.install) emptyElement(cdrom, "boot", { order: 2 });
  }
  if (unattended) {
    // --- unattended install (issue 12): the answer CD on its own SATA port (q35's AHCI has six),
    // never booted. startupPolicy optional: once the install is done the ISO is deleted and
    // libvirt starts the domain without it.
    const answer = devices.ele("disk", { type: "file", device: "cdrom" });
    emptyElement(answer, "driver", { name: "qemu", type: "raw" });
    emptyElement(answer, "source", { file: answerIsoPath(lab.pool, vm), startupPolicy: "optional" });
    emptyElement(answer, "target", { dev: sataName(firstCdrom + cdromIsos(vm).length), bus: "sata" });
    emptyElement(answer, "readonly");
  }

  emptyElement(devices, "controller", { type: "usb", model: "qemu-xhci" });
  for (const nic of vm.nics) addInterface(devices, nic);
  if (windows) {
    // --- unattended install (issue 12): COM1 logged to a file on the host: OVMF's boot lines and
    // the bootstrap's completion marker, which the install wait reads.
    const serial = devices.ele("serial", { type: "file" });
    emptyElement(serial, "source", { path: serialLogPath(vm) });
    emptyElement(serial, "target", { port: 0 });
  }

  const channel = devices.ele("channel", { type: "unix" });
  emptyElement(channel, "target", { type: "virtio", name: "org.qemu.guest_agent.0" });
  // An absolute pointer: the VNC/SPICE cursor follows the host's without grabbing.
  emptyElement(devices, "input", { type: "tablet", bus: "usb" });
  if (vm.tpm) {
    const tpm = devices.ele("tpm", { model: "tpm-crb" });
    emptyElement(tpm, "backend", { type: "emulator", version: "2.0" });
  }
  // Loopback only: the console is reached through an SSH tunnel, never from the network.
  const graphics = devices.ele("graphics", { type: lab.libvirt.graphics, autoport: "yes", listen: "127.0.0.1" });
  emptyElement(graphics, "listen", { type: "address", address: "127.0.0.1" });
  // Windows has no in-box virtio-gpu driver: the standard VGA adapter is driven by OVMF's
  // QemuVideoDxe and SeaBIOS alike and by Windows' basic display driver, so the installer
  // shows up without any driver. Linux ships virtio-gpu.
  const video = devices.ele("video");
  emptyElement(video, "model", { type: windows ? "vga" : "virtio" });
  // No ballooning: a builder's memory must not shrink under SQL or the SCCM setup.
  emptyElement(devices, "memballoon", { model: "none" });
}

function addInterface(devices: XMLBuilder, nic: NicSpec): void {
  const iface = devices.ele("interface", { type: "network" });
  emptyElement(iface, "mac", { address: nic.mac });
  emptyElement(iface, "source", { network: nic.network });
  emptyElement(iface, "model", { type: nic.model });
}

/** The set ISOs in a fixed order: installer first, so the first CD-ROM boots. */
function cdromIsos(vm: VmSpec): string[] {
  return [vm.isos.install, vm.isos.virtio, vm.isos.media].filter((iso): iso is string => iso !== undefined);
}

/** The n-th SATA target name: sda, sdb, ... (a disk, three CD-ROMs and the answer CD: five of q35's six AHCI ports). */
const sataName = (index: number): string => `sd${String.fromCharCode("a".charCodeAt(0) + index)}`;
