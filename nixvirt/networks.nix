# Generated from Pulumi.dev.yaml by `npm run export:nixvirt -- --stack dev --out nixvirt/`:
# edit the stack config and export again; hand edits here are overwritten.
#
# The lab's networks for NixVirt 0.6.0: the list that
# virtualisation.libvirt.connections."qemu:///system".networks takes.
# NixVirt removes every libvirt object of this kind that is not in the list.
{ nixvirt, ... }:
let
  # A lab network on its own bridge. The MAC is always explicit: without one NixVirt writes a
  # new MAC on every rebuild, which restarts the network and power-cycles its guests.
  # dhcp is set only where libvirt's dnsmasq answers; where the DC answers, dns is off too,
  # so libvirt starts no dnsmasq on that network at all.
  labNetwork = { name, uuid, mode, bridge, mac, address, netmask, dhcp ? null, dns ? true, active }: {
    definition = nixvirt.lib.network.writeXML ({
      inherit name uuid;
      bridge = { name = bridge; stp = true; delay = 0; };
      mac = { address = mac; };
      ip = { inherit address netmask; } // (if dhcp == null then { } else { inherit dhcp; });
    }
    // (if mode == "isolated" then { } else { forward = { inherit mode; }; })
    // (if dns then { } else { dns = { enable = false; }; }));
    inherit active;
  };
in
[
  # lab-net (nat): 192.168.56.0/24, gateway 192.168.56.1; the DC answers DHCP (192.168.56.100-192.168.56.200); libvirt's dnsmasq stays off
  (labNetwork {
    name = "lab-net";
    uuid = "f42a8bd8-ab64-5db7-8973-bf7db387db75";
    mode = "nat";
    bridge = "virbr56";
    mac = "52:54:00:87:c5:b2";
    address = "192.168.56.1";
    netmask = "255.255.255.0";
    dns = false;
    active = true;
  })
  # default (nat): 192.168.122.0/24, gateway 192.168.122.1; libvirt answers DHCP 192.168.122.100-192.168.122.254, reserving 192.168.122.101 for CLIENT01, 192.168.122.102 for CLIENT02
  (labNetwork {
    name = "default";
    uuid = "0194d3b9-53c3-5d96-8581-c3aa5f4e6332";
    mode = "nat";
    bridge = "virbr0";
    mac = "52:54:00:4a:51:d7";
    address = "192.168.122.1";
    netmask = "255.255.255.0";
    dhcp = {
      range = { start = "192.168.122.100"; end = "192.168.122.254"; };
      host = [
        { mac = "52:54:00:3a:5e:3d"; name = "CLIENT01"; ip = "192.168.122.101"; }
        { mac = "52:54:00:24:ee:34"; name = "CLIENT02"; ip = "192.168.122.102"; }
      ];
    };
    active = true;
  })
]
