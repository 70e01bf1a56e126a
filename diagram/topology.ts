// The lab's topology as Graphviz DOT: pure, so the picture is a function of the spec.
import { ROLE_LABELS as ROLE_LABEL } from "../lab";
import type { LabSpec, NetworkSpec, VmSpec } from "../lab";
import { formatBytes } from "../lab/units";

const ROLE_COLOR: Record<VmSpec["role"], string> = {
  dc: "#dbeafe",
  sql: "#fef3c7",
  "site-server": "#dcfce7",
  client: "#f3e8ff",
  windows: "#f1f5f9",
  linux: "#ffedd5",
};

/** Escapes text for a DOT HTML-like label. */
const html = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const id = (kind: string, name: string): string => `"${kind}:${name.replace(/"/g, "")}"`;

function dhcpText(n: NetworkSpec): string {
  if (!n.dhcp) return "no DHCP";
  const who = n.dhcp.server === "dc" ? "DC" : "libvirt";
  return `DHCP ${n.dhcp.start} to ${n.dhcp.end} (${who})`;
}

function networkNode(n: NetworkSpec): string {
  const rows = [`<B>${html(n.name)}</B>`, `${html(n.subnet)} · ${html(n.bridge)} · ${n.mode.toUpperCase()}`, html(dhcpText(n))];
  return `  ${id("net", n.name)} [shape=box, style="rounded,filled", fillcolor="#e2e8f0", label=<${rows.join("<BR/>")}>];`;
}

function vmRole(vm: VmSpec, spec: LabSpec): string {
  if (vm.role === "site-server" && spec.sccm?.sqlColocated) return `${ROLE_LABEL[vm.role]} + SQL (${spec.sccm.siteCode})`;
  if (vm.role === "site-server" && spec.sccm) return `${ROLE_LABEL[vm.role]} (${spec.sccm.siteCode})`;
  return ROLE_LABEL[vm.role];
}

function vmNode(vm: VmSpec, spec: LabSpec, phases: string[]): string {
  const rows = [
    `<B>${html(vm.name)}</B>`,
    html(vmRole(vm, spec)),
    html(vm.os),
    `${vm.vcpus} vCPU · ${html(formatBytes(vm.memoryBytes))} · ${html(formatBytes(vm.diskBytes))} disk`,
    ...(vm.managementIp ? [`reached at ${html(vm.managementIp)}`] : []),
    // Three phases a line keeps the boxes narrow enough to sit side by side.
    ...chunk(phases, 3).map((line) => `<I>${html(line.join(" → "))}</I>`),
  ];
  return `  ${id("vm", vm.name)} [shape=box, style="filled", fillcolor="${ROLE_COLOR[vm.role]}", label=<${rows.join("<BR/>")}>];`;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function nicLabel(ip: string | undefined, addressing: string): string {
  if (!ip) return "DHCP";
  return addressing === "reserved" ? `${ip} (reserved)` : ip;
}

/**
 * @param phasesByVm short names of the guest phases that run on each VM, in order.
 */
export function topologyDot(spec: LabSpec, phasesByVm: Record<string, string[]> = {}): string {
  const title = [
    `homelab-sccm · stack ${spec.stack}`,
    spec.domain ? `domain ${spec.domain.fqdn} (${spec.domain.netbios})` : "no domain",
    spec.sccm ? `site ${spec.sccm.siteCode}` : "no SCCM site",
    `pool ${spec.pool.name} at ${spec.pool.path}`,
    `${spec.libvirt.uri} · type ${spec.libvirt.domainType}`,
  ].join(" · ");
  const lines = [
    "digraph lab {",
    `  graph [rankdir=TB, fontname="Helvetica", fontsize=11, labelloc=t, label=<${html(title)}>, nodesep=0.4, ranksep=0.9];`,
    '  node [fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=9, arrowhead=none, color="#64748b"];',
    `  host [shape=box3d, label=<<B>Linux host</B><BR/>libvirt · QEMU>];`,
    ...spec.networks.map(networkNode),
    "  { rank=same; " + spec.networks.map((n) => id("net", n.name)).join("; ") + "; }",
    ...spec.networks.map((n) => `  host -> ${id("net", n.name)} [label=<${html(n.gateway)}>];`),
    ...spec.vms.map((vm) => vmNode(vm, spec, phasesByVm[vm.name] ?? [])),
    "  { rank=same; " + spec.vms.map((vm) => id("vm", vm.name)).join("; ") + "; }",
    ...spec.vms.flatMap((vm) =>
      vm.nics.map((nic) => `  ${id("net", nic.network)} -> ${id("vm", vm.name)} [label=<${html(nicLabel(nic.ip, nic.addressing))}>];`),
    ),
    "}",
  ];
  return lines.join("\n") + "\n";
}
