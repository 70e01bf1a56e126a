import type { NetworkSpec } from "../../lab";
import { emptyElement, rootElement, serialize, textElement } from "./xml";

/** libvirt network XML (formatnetwork) for one lab network. */
export function renderNetworkXml(net: NetworkSpec): string {
  const network = rootElement("network");
  textElement(network, "name", net.name);
  textElement(network, "uuid", net.uuid);
  // An isolated network is one without <forward>.
  if (net.mode !== "isolated") emptyElement(network, "forward", { mode: net.mode });
  emptyElement(network, "bridge", { name: net.bridge, stp: "on", delay: 0 });
  // Always explicit: without it libvirt (and NixVirt on every rebuild) invents a new MAC,
  // which restarts the network and power-cycles its guests.
  emptyElement(network, "mac", { address: net.mac });
  // Where the DC serves DHCP it also serves DNS: libvirt's dnsmasq must answer neither, or it
  // races the DC for leases and hands out the gateway as resolver. With DHCP and DNS both off,
  // libvirt starts no dnsmasq on this network at all.
  const dcServes = net.dhcp?.server === "dc";
  if (dcServes) emptyElement(network, "dns", { enable: "no" });
  const ip = network.ele("ip", { address: net.gateway, netmask: net.netmask });
  if (net.dhcp?.server === "libvirt") {
    const dhcp = ip.ele("dhcp");
    emptyElement(dhcp, "range", { start: net.dhcp.start, end: net.dhcp.end });
    for (const r of net.reservations) emptyElement(dhcp, "host", { mac: r.mac, name: r.name, ip: r.ip });
  }
  return serialize(network);
}
