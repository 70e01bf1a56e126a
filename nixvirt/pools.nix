# Generated from Pulumi.dev.yaml by `npm run export:nixvirt -- --stack dev --out nixvirt/`:
# edit the stack config and export again; hand edits here are overwritten.
#
# The lab's storage pool and its volumes for NixVirt 0.6.0: the list that
# virtualisation.libvirt.connections."qemu:///system".pools takes.
# NixVirt removes every libvirt object of this kind that is not in the list.
{ nixvirt, ... }:
let
  # A VM's system disk: sparse qcow2, compat 1.1 as the Pulumi path creates it (qemu-img
  # would otherwise write compat 0.10, without lazy refcounts and zero clusters).
  qcow2Volume = name: capacity: {
    inherit name;
    definition = nixvirt.lib.volume.writeXML {
      inherit name capacity;
      allocation = { count = 0; unit = "bytes"; };
      target = { format = { type = "qcow2"; }; compat = "1.1"; };
    };
  };
in
[
  # homelab: the lab's dir pool at /var/lib/libvirt/images/homelab, holding every VM's disk
  {
    definition = nixvirt.lib.pool.writeXML {
      name = "homelab";
      uuid = "e59e5edf-c2eb-55ff-9a43-a3314e178e4b";
      type = "dir";
      target = { path = "/var/lib/libvirt/images/homelab"; };
    };
    active = true;
    volumes = [
      # DC01's system disk, 60 GiB
      (qcow2Volume "DC01.qcow2" { count = 60; unit = "GiB"; })
      # SCCM01's system disk, 100 GiB
      (qcow2Volume "SCCM01.qcow2" { count = 100; unit = "GiB"; })
      # CLIENT01's system disk, 64 GiB
      (qcow2Volume "CLIENT01.qcow2" { count = 64; unit = "GiB"; })
      # CLIENT02's system disk, 64 GiB
      (qcow2Volume "CLIENT02.qcow2" { count = 64; unit = "GiB"; })
    ];
  }
]
