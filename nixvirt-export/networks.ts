import type { LabSpec, NetworkSpec } from "../lab";
import { comment, fileHeader, indentLines } from "./header";
import { NixAttrs, printNix } from "./nix";

const HELPER = `{ nixvirt, ... }:
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
in`;

function describe(net: NetworkSpec): string {
  const dhcp = !net.dhcp
    ? "no DHCP"
    : net.dhcp.server === "dc"
      ? `the DC answers DHCP (${net.dhcp.start}-${net.dhcp.end}); libvirt's dnsmasq stays off`
      : `libvirt answers DHCP ${net.dhcp.start}-${net.dhcp.end}` +
        (net.reservations.length ? `, reserving ${net.reservations.map((r) => `${r.ip} for ${r.vm}`).join(", ")}` : "");
  return `${net.name} (${net.mode}): ${net.subnet}, gateway ${net.gateway}; ${dhcp}`;
}

function networkArgs(net: NetworkSpec): NixAttrs {
  const args: NixAttrs = {
    name: net.name,
    uuid: net.uuid,
    mode: net.mode,
    bridge: net.bridge,
    mac: net.mac,
    address: net.gateway,
    netmask: net.netmask,
  };
  if (net.dhcp?.server === "libvirt") {
    args.dhcp = {
      range: { start: net.dhcp.start, end: net.dhcp.end },
      host: net.reservations.map((r) => ({ mac: r.mac, name: r.name, ip: r.ip })),
    };
  }
  if (net.dhcp?.server === "dc") args.dns = false;
  args.active = net.active;
  return args;
}

export function networksNix(spec: LabSpec): string {
  const items = spec.networks.map((net) => `${comment(describe(net))}\n(labNetwork ${printNix(networkArgs(net))})`);
  return [fileHeader(spec.stack, "The lab's networks", "networks"), HELPER, "[", indentLines(items.join("\n"), "  "), "]", ""].join("\n");
}
