// Pure: how a running network reaches its new definition. libvirt's net-update changes DHCP hosts
// and ranges of a running network (dnsmasq rereads its host file); anything else (addresses,
// bridge MAC, forward mode, DNS) only takes effect when the network restarts.
// https://libvirt.org/manpages/virsh.html#net-update ("ip-dhcp-host", "ip-dhcp-range", --live --config)
import { XMLParser } from "fast-xml-parser";
import { xmlMissing } from "./summary";

export interface NetUpdate {
  command: "add-last" | "delete";
  section: "ip-dhcp-host" | "ip-dhcp-range";
  /** The element, e.g. <host mac='..' name='..' ip='..'/>. */
  xml: string;
  /** Which <ip> element it belongs to (net-update --parent-index). */
  parentIndex: number;
}

export interface LivePlan {
  /** The running network already has everything the XML asks for. */
  inSync: boolean;
  /** net-update calls that bring hosts and ranges in line, in order. */
  updates: NetUpdate[];
  /** Something other than hosts and ranges differs: only a restart applies it. */
  restart?: string;
}

type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  parseTagValue: false,
  isArray: (name) => ["ip", "host", "range"].includes(name),
});
const builder = (el: string, attrs: Node): string =>
  `<${el} ${Object.entries(attrs)
    .filter(([k]) => k.startsWith("@"))
    .map(([k, v]) => `${k.slice(1)}='${String(v).replace(/&/g, "&amp;").replace(/'/g, "&apos;").replace(/</g, "&lt;")}'`)
    .join(" ")}/>`;

function ips(xml: string): Node[] {
  const doc = parser.parse(xml) as { network?: { ip?: Node[] } };
  return doc.network?.ip ?? [];
}

const dhcpOf = (ip: Node | undefined) => (ip?.dhcp ?? {}) as { host?: Node[]; range?: Node[] };
const key = (n: Node) =>
  Object.entries(n)
    .filter(([k]) => k.startsWith("@"))
    .map(([k, v]) => `${k}=${String(v).toLowerCase()}`)
    .sort()
    .join(" ");

/** The XML with every <dhcp> host and range removed: what must match for net-update to suffice. */
function withoutDhcpEntries(xml: string): string {
  return xml.replace(/<(host|range)\b[^>]*\/>/g, "").replace(/<(host|range)\b[^>]*>[\s\S]*?<\/\1>/g, "");
}

export function liveNetworkPlan(wantedXml: string, runningXml: string): LivePlan {
  const other = xmlMissing(withoutDhcpEntries(wantedXml), withoutDhcpEntries(runningXml));
  if (other !== undefined) return { inSync: false, updates: [], restart: other };
  const wantedIps = ips(wantedXml);
  const runningIps = ips(runningXml);
  const updates: NetUpdate[] = [];
  wantedIps.forEach((ip, parentIndex) => {
    const want = dhcpOf(ip);
    const have = dhcpOf(runningIps[parentIndex]);
    for (const [section, el, wanted, running] of [
      ["ip-dhcp-range", "range", want.range ?? [], have.range ?? []],
      ["ip-dhcp-host", "host", want.host ?? [], have.host ?? []],
    ] as const) {
      const wantedKeys = new Set(wanted.map(key));
      const runningKeys = new Set(running.map(key));
      // Deletes first: a host re-addressed keeps its MAC, and libvirt refuses a second entry for it.
      for (const r of running) if (!wantedKeys.has(key(r))) updates.push({ command: "delete", section, xml: builder(el, r), parentIndex });
      for (const w of wanted) if (!runningKeys.has(key(w))) updates.push({ command: "add-last", section, xml: builder(el, w), parentIndex });
    }
  });
  // Containment alone would miss a reservation the lab no longer has: the deletes count too.
  return { inSync: updates.length === 0, updates };
}
