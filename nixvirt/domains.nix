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

  inherit (import ./lib.nix { inherit nixvirt domainType pool console; }) windowsVm linuxVm;
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
