# Generated from Pulumi.dev.yaml by `npm run export:nixvirt -- --stack dev --out nixvirt/`:
# edit the stack config and export again; hand edits here are overwritten.
#
# The lab's virtual machines for NixVirt 0.6.0: the list that
# virtualisation.libvirt.connections."qemu:///system".domains takes.
# NixVirt removes every libvirt object of this kind that is not in the list.
{ nixvirt, ... }:
let
  # Lab-wide settings from the stack config.
  domainType = "kvm";
  pool = "homelab";
  console = "vnc";

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
[
  # DC01: domain controller, windows-server-2022; 192.168.56.10 on lab-net (static), 192.168.122.10 on default (static)
  (windowsVm {
    name = "DC01";
    uuid = "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01";
    vcpus = 2;
    memoryMiB = 2048;
    volume = "DC01.qcow2";
    diskBus = "sata";
    installIso = "/var/lib/libvirt/iso/windows-server-2022.iso";
    extraIsos = [ "/var/lib/libvirt/iso/virtio-win.iso" "/var/lib/libvirt/iso/homelab-media.iso" ];
    nics = [
      { network = "lab-net"; mac = "52:54:00:69:1b:44"; model = "e1000e"; }
      { network = "default"; mac = "52:54:00:e8:af:93"; model = "e1000e"; }
    ];
    uefi = true;
    nvram = "/var/lib/libvirt/qemu/nvram/DC01_VARS.fd";
    tpm = true;
    active = true;
  })
  # SCCM01: SCCM site server with SQL Server, windows-server-2022; 192.168.56.11 on lab-net (static), 192.168.122.11 on default (static)
  (windowsVm {
    name = "SCCM01";
    uuid = "e4b2fa3f-dbc6-53a0-8a73-17e4f5b09851";
    vcpus = 4;
    memoryMiB = 8192;
    volume = "SCCM01.qcow2";
    diskBus = "sata";
    installIso = "/var/lib/libvirt/iso/windows-server-2022.iso";
    extraIsos = [ "/var/lib/libvirt/iso/virtio-win.iso" "/var/lib/libvirt/iso/homelab-media.iso" ];
    nics = [
      { network = "lab-net"; mac = "52:54:00:e8:6b:4c"; model = "e1000e"; }
      { network = "default"; mac = "52:54:00:e9:18:a9"; model = "e1000e"; }
    ];
    uefi = true;
    nvram = "/var/lib/libvirt/qemu/nvram/SCCM01_VARS.fd";
    tpm = true;
    active = true;
  })
  # CLIENT01: SCCM client, windows-11; 192.168.56.101 on lab-net (DHCP reservation), 192.168.122.101 on default (DHCP reservation)
  (windowsVm {
    name = "CLIENT01";
    uuid = "ed496bea-3589-5e3a-9075-c7f155c60221";
    vcpus = 2;
    memoryMiB = 4096;
    volume = "CLIENT01.qcow2";
    diskBus = "sata";
    installIso = "/var/lib/libvirt/iso/windows-11.iso";
    extraIsos = [ "/var/lib/libvirt/iso/virtio-win.iso" ];
    nics = [
      { network = "lab-net"; mac = "52:54:00:0d:5a:b7"; model = "e1000e"; }
      { network = "default"; mac = "52:54:00:3a:5e:3d"; model = "e1000e"; }
    ];
    uefi = true;
    nvram = "/var/lib/libvirt/qemu/nvram/CLIENT01_VARS.fd";
    tpm = true;
    active = true;
  })
  # CLIENT02: SCCM client, windows-11; 192.168.56.102 on lab-net (DHCP reservation), 192.168.122.102 on default (DHCP reservation)
  (windowsVm {
    name = "CLIENT02";
    uuid = "f6c6bf75-5333-5259-9f6b-1e300bff3327";
    vcpus = 2;
    memoryMiB = 4096;
    volume = "CLIENT02.qcow2";
    diskBus = "sata";
    installIso = "/var/lib/libvirt/iso/windows-11.iso";
    extraIsos = [ "/var/lib/libvirt/iso/virtio-win.iso" ];
    nics = [
      { network = "lab-net"; mac = "52:54:00:e5:4f:46"; model = "e1000e"; }
      { network = "default"; mac = "52:54:00:24:ee:34"; model = "e1000e"; }
    ];
    uefi = true;
    nvram = "/var/lib/libvirt/qemu/nvram/CLIENT02_VARS.fd";
    tpm = true;
    active = true;
  })
]
