# The helpers that turn NixVirt 0.6.0's domain templates into the machine the Pulumi path
# renders (libvirt/render/domain.ts). Copied as is into every export by
# `npm run export:nixvirt`; domains.nix calls windowsVm and linuxVm with each VM's data.
# What NixVirt 0.6.0 cannot write at all is listed in the README.
{ nixvirt, domainType, pool, console }:
let
  inherit (nixvirt.lib) domain;

  # A NIC on a lab network, with the MAC the Pulumi path gives it too.
  nic = { network, mac, model }: {
    type = "network";
    mac = { address = mac; };
    source = { inherit network; };
    model = { type = model; };
  };

  # q35 has no IDE: the CD-ROMs sit on SATA after the system disk, installer first.
  sataNames = [ "sda" "sdb" "sdc" "sdd" "sde" "sdf" ];
  cdroms = diskBus: isos:
    let first = if diskBus == "sata" then 1 else 0;
    in builtins.genList
      (i: {
        type = "file";
        device = "cdrom";
        driver = { name = "qemu"; type = "raw"; };
        source = { file = builtins.elemAt isos i; };
        target = { dev = builtins.elemAt sataNames (first + i); bus = "sata"; };
        readonly = true;
      })
      (builtins.length isos);

  tpm2 = { model = "tpm-crb"; backend = { type = "emulator"; version = "2.0"; }; };

  # KVM: the host's CPU as is. TCG can neither pass the host CPU through nor offer Hyper-V
  # enlightenments (QEMU 7.2 refuses vpindex there), so type qemu gets every CPU feature TCG
  # emulates (Windows 11 24H2 needs SSE4.2 and POPCNT) and no enlightenments.
  kvm = domainType == "kvm";
  labCpu = vcpus: {
    mode = if kvm then "host-passthrough" else "maximum";
    check = "none";
    # One socket of N cores: Windows client editions use at most two sockets.
    topology = { sockets = 1; dies = 1; cores = vcpus; threads = 1; };
  };

  # What both templates are changed to: the domain type and CPU, disk first in the boot order,
  # the lab's ISOs, one NIC per lab network, the guest agent channel, a VNC/SPICE console that
  # listens where libvirt's qemu.conf says (127.0.0.1 unless changed there), no SPICE-only
  # devices, no memory balloon.
  labMachine = base: { vcpus, os, diskBus, isos, nics, tpm, video }:
    base // {
      type = domainType;
      cpu = labCpu vcpus;
      os = os // { boot = [ { dev = "hd"; } { dev = "cdrom"; } ]; };
      features = if kvm then base.features else builtins.removeAttrs base.features [ "hyperv" ];
      clock = base.clock // { timer = builtins.filter (t: kvm || t.name != "hypervclock") base.clock.timer; };
      on_poweroff = "destroy";
      on_reboot = "restart";
      on_crash = "destroy";
      devices = builtins.removeAttrs base.devices [ "tpm" "sound" "audio" "redirdev" ] // {
        disk = [ (builtins.head base.devices.disk) ] ++ cdroms diskBus isos;
        controller = [ { type = "usb"; model = "qemu-xhci"; } ];
        interface = map nic nics;
        channel = [ { type = "unix"; target = { type = "virtio"; name = "org.qemu.guest_agent.0"; }; } ];
        input = [ { type = "tablet"; bus = "usb"; } ];
        graphics = { type = console; autoport = true; listen = { type = "address"; }; };
        video = { model = { type = video; }; };
        memballoon = { model = "none"; };
      } // (if tpm then { tpm = tpm2; } else { });
    };

  # Windows through NixVirt's template: q35, OVMF's Secure Boot build with Microsoft keys,
  # Hyper-V enlightenments, TPM 2.0.
  windowsVm = { name, uuid, vcpus, memoryMiB, volume, diskBus, installIso, extraIsos, nics, uefi, nvram, tpm, active }:
    let
      base = domain.templates.windows {
        inherit name uuid;
        vcpu = { count = vcpus; };
        memory = { count = memoryMiB; unit = "MiB"; };
        storage_vol = { inherit pool volume; };
        install_vol = installIso;
        nvram_path = nvram;
        # The first install: Windows has no VirtIO drivers yet, so disk and NICs are emulated
        # hardware, and the driver ISO is the lab's own (extraIsos), not NixVirt's copy.
        virtio_drive = diskBus == "virtio";
        virtio_net = false;
        virtio_video = false;
        install_virtio = false;
      };
    in
    {
      definition = domain.writeXML (labMachine base {
        inherit vcpus diskBus nics tpm;
        # BIOS boot drops the template's OVMF loader and variable store.
        os = if uefi then base.os else builtins.removeAttrs base.os [ "loader" "nvram" ];
        isos = (if installIso == null then [ ] else [ installIso ]) ++ extraIsos;
        # Windows has no in-box virtio-gpu driver; the standard VGA adapter needs none.
        video = "vga";
      });
      inherit active;
    };

  # Linux through NixVirt's template: q35, VirtIO disk and NICs, the guest agent.
  linuxVm = { name, uuid, vcpus, memoryMiB, volume, diskBus, installIso, extraIsos, nics, uefi, nvram, tpm, active }:
    let
      base = domain.templates.linux {
        inherit name uuid;
        memory = { count = memoryMiB; unit = "MiB"; };
        storage_vol = { inherit pool volume; };
        install_vol = installIso;
        virtio_drive = diskBus == "virtio";
      };
    in
    {
      definition = domain.writeXML (labMachine base {
        inherit vcpus diskBus nics tpm;
        # UEFI without Secure Boot: libvirt picks the firmware and keeps the variables at nvram.
        os = base.os // (if uefi then { firmware = "efi"; nvram = { path = nvram; }; } else { });
        isos = (if installIso == null then [ ] else [ installIso ]) ++ extraIsos;
        video = "virtio";
      } // {
        # templates.linux takes no vcpu argument.
        vcpu = { count = vcpus; };
      });
      inherit active;
    };
in
{
  inherit windowsVm linuxVm;
}
