// Checks that a lab makes sense as a whole beyond shape and addressing: names libvirt or Windows
// would misread, paths that name another file than the user meant, members that cannot reach
// their DC, a DNS forwarder that is not there, and sizes QEMU cannot give.
import type { Draft, Located } from "./build";
import { isHostIn, parseCidr } from "./ipv4";
import { configPath, Problems } from "./problems";
import { UUID_PATTERN } from "./schema";
import { ROLE_LABELS } from "./types";
import type { NetworkSpec, VmSpec } from "./types";
import { GiB } from "./units";

type Path = PropertyKey[];

/**
 * Reserved words that Windows refuses as NetBIOS computer and domain names: Microsoft Learn,
 * "Naming conventions in Active Directory for computers, domains, sites, and OUs" (KB 909264),
 * section "Reserved words" (the one-word entries; the others contain a space, which the name
 * patterns already refuse).
 */
export const NETBIOS_RESERVED_WORDS: ReadonlySet<string> = new Set([
  "ANONYMOUS",
  "BATCH",
  "BUILTIN",
  "DIALUP",
  "INTERACTIVE",
  "INTERNET",
  "LOCAL",
  "NETWORK",
  "NULL",
  "PROXY",
  "RESTRICTED",
  "SELF",
  "SERVER",
  "SERVICE",
  "SYSTEM",
  "USERS",
  "WORLD",
]);

/**
 * The largest guest RAM QEMU 7.2's q35 machine maps with a 40-bit physical address width (the
 * default of the CPU models used under domainType qemu): measured, 978 GiB starts and 979 GiB
 * fails with "Address space limit 0xffffffffff < ... phys-bits too low (40)".
 */
export const Q35_MAX_MEMORY_40BIT = 978 * GiB;

const MEMBER_ROLES = new Set(["sql", "site-server", "client"]);

/** virsh takes an all-digit argument as a domain ID and a UUID-shaped one as a UUID before it tries names. */
export function checkLibvirtNames(d: Draft, problems: Problems): void {
  for (const { index, spec: vm } of d.vms) {
    if (/^\d+$/.test(vm.name)) {
      problems.error(
        ["vms", index, "name"],
        `${JSON.stringify(vm.name)} is all digits, which virsh takes as the ID of a running domain (a lookup or destroy could hit another VM): add a letter, e.g. VM${vm.name}`,
      );
    } else if (UUID_PATTERN.test(vm.name)) {
      problems.error(
        ["vms", index, "name"],
        `${JSON.stringify(vm.name)} is shaped like a UUID, which virsh takes as a domain's UUID: pick a name, and put the UUID in uuid:`,
      );
    }
  }
  for (const { index, spec: n } of d.networks) {
    if (UUID_PATTERN.test(n.name))
      problems.error(
        ["networks", index, "name"],
        `${JSON.stringify(n.name)} is shaped like a UUID, which virsh takes as a network's UUID: pick a name, and put the UUID in uuid:`,
      );
  }
  if (d.pool && UUID_PATTERN.test(d.pool.name)) {
    problems.error(
      ["pool", "name"],
      `${JSON.stringify(d.pool.name)} is shaped like a UUID, which virsh takes as a pool's UUID: pick a name, and put the UUID in uuid:`,
    );
  }
}

/**
 * With an unattended install, each Windows VM's logon user becomes a local account in its answer
 * file (Administrator maps to the built-in account, plus a named lab admin). Rules from
 * Microsoft-Windows-Shell-Setup | UserAccounts | LocalAccounts | LocalAccount | Name: none of
 * "/\[]:|<>+=;,?*%@, not NONE; SAM account names stop at 20 characters.
 */
export function checkLogonUsers(d: Draft, stackUser: string, problems: Problems): void {
  const reported = new Set<string>();
  for (const { index, spec: vm } of d.vms) {
    const name = vm.winrmUser;
    if (vm.template !== "windows" || isLocalAccountName(name)) continue;
    const path: Path = name === stackUser ? ["winrmUser"] : ["vms", index, "winrmUser"];
    const key = path.join(".");
    if (reported.has(key)) continue;
    reported.add(key);
    problems.error(
      path,
      `${JSON.stringify(name)} cannot be a local account, which the unattended install creates for the phases to log on with: use at most 20 characters, none of "/\\[]:|<>+=;,?*%@, no spaces at the ends and no DOMAIN\\ prefix, e.g. labadmin`,
    );
  }
}

export function isLocalAccountName(name: string): boolean {
  return name !== "" && name.length <= 20 && !/["/\\[\]:|<>+=;,?*%@]/.test(name) && name.toUpperCase() !== "NONE" && name.trim() === name;
}

/** The path of a VM's hostname as the user wrote it: hostname:, or name: when the hostname is the VM name. */
export function hostnamePath(d: Draft, index: number): Path {
  return ["vms", index, d.explicitHostnames.has(index) ? "hostname" : "name"];
}

export function checkReservedWords(d: Draft, problems: Problems): void {
  for (const { index, spec: vm } of d.vms) {
    if (vm.template !== "windows" || !NETBIOS_RESERVED_WORDS.has(vm.hostname.toUpperCase())) continue;
    const derived = d.explicitHostnames.has(index) ? "" : " (the computer name is the VM name unless hostname: is set)";
    problems.error(
      hostnamePath(d, index),
      `${vm.hostname} is a word Windows reserves (${[...NETBIOS_RESERVED_WORDS].slice(0, 4).join(", ")}, ... per Microsoft's AD naming conventions) and refuses as a computer name${derived}: pick another`,
    );
  }
  if (d.domain && NETBIOS_RESERVED_WORDS.has(d.domain.netbios)) {
    problems.error(
      ["domain", "netbios"],
      `${d.domain.netbios} is a word Windows reserves (per Microsoft's AD naming conventions) and refuses as a NetBIOS domain name: pick another, e.g. CORP`,
    );
  }
}

export function checkMacs(d: Draft, problems: Problems): void {
  const macs = [
    ...d.networks.map((n) => ({ mac: n.spec.mac, path: ["networks", n.index, "mac"] as Path })),
    ...d.vms.flatMap((v) => v.spec.nics.map((nic, i) => ({ mac: nic.mac, path: ["vms", v.index, "nics", i, "mac"] as Path }))),
  ];
  for (const m of macs) {
    if (/^(00:){5}00$/.test(m.mac))
      problems.error(m.path, `${m.mac} is the all-zero MAC, which no NIC may use: leave mac: out to derive one, or write one like 52:54:00:12:34:56`);
  }
}

export function checkLimits(d: Draft, problems: Problems): void {
  for (const { index, spec: vm } of d.vms) {
    const { memoryBytes } = vm;
    if (memoryBytes <= Q35_MAX_MEMORY_40BIT) continue;
    const limit = "QEMU's q35 machine maps at most 978 GiB of guest RAM with a 40-bit physical address width";
    if (d.libvirt.domainType === "qemu")
      problems.error(["vms", index, "memory"], `${memoryBytes / GiB} GiB is more than ${limit}, which emulated CPUs have: give at most 978GiB`);
    else
      problems.warn(
        ["vms", index, "memory"],
        `${memoryBytes / GiB} GiB may be more than the host CPU's physical address width lets QEMU map (${limit}): check the host's phys-bits`,
      );
  }
}

/** The media ISO is built from media.dir: it must be a file of its own, outside that folder. */
export function checkMediaPaths(d: Draft, problems: Problems): void {
  if (!d.media) return;
  const iso = d.media.iso.replace(/\/+$/, "");
  const dir = d.media.dir.replace(/\/+$/, "");
  if (iso === dir || iso.startsWith(`${dir}/`)) {
    problems.error(
      ["media", "iso"],
      `${d.media.iso} is inside ${configPath(["media", "dir"])} ${d.media.dir}, the folder the ISO is built from: the next build would pack the old ISO into the new one; put it beside the folder`,
    );
  }
  for (const { index, spec: vm } of d.vms) {
    for (const [key, path] of [
      ["iso", vm.isos.install],
      ["virtioIso", vm.isos.virtio],
    ] as const) {
      if (path !== undefined && path.replace(/\/+$/, "") === iso) {
        problems.error(
          ["media", "iso"],
          `${d.media.iso} is also ${configPath(["vms", index, key])}: building the media ISO would overwrite that installer; give the media ISO a path of its own`,
        );
      }
    }
  }
}

/** The DC's static addresses, by network name. */
function dcAddresses(dc: VmSpec): Map<string, string> {
  return new Map(dc.nics.flatMap((nic) => (nic.addressing === "static" ? [[nic.network, nic.ip] as const] : [])));
}

/** A domain member uses the DC as its DNS server, so it needs a NIC on a network where the DC has a static address. */
export function checkMembership(d: Draft, problems: Problems): void {
  const dcName = d.domain?.dc;
  const dc = d.vms.find((v) => v.spec.name === dcName && v.spec.role === "dc");
  if (!dc) return;
  const addresses = dcAddresses(dc.spec);
  if (addresses.size === 0) return; // checkReachability reports a DC without static addresses
  for (const { index, spec: vm } of d.vms) {
    if (!MEMBER_ROLES.has(vm.role)) continue;
    if (vm.nics.some((nic) => addresses.has(nic.network))) continue;
    problems.error(
      ["vms", index, "nics"],
      `${vm.name} (${ROLE_LABELS[vm.role]}) shares no network with its DC ${dc.spec.name} (static on ${[...addresses.keys()].join(", ")}): a domain member uses the DC as its DNS server, so attach a NIC to one of those networks`,
    );
  }
}

/** A network whose gateway answers DNS: libvirt's dnsmasq runs there unless the DC serves DHCP (and so DNS) on it. */
const libvirtDnsAnswers = (n: NetworkSpec): boolean => n.dhcp?.server !== "dc";

/**
 * Forwarders written in the config: the DC forwards names it does not own to the gateway of one
 * of its networks where libvirt's DNS answers, or to a resolver it can reach. Never to itself.
 */
export function checkForwarders(d: Draft, problems: Problems): void {
  const domain = d.domain;
  if (!domain) return;
  const dc = d.vms.find((v) => v.spec.name === domain.dc && v.spec.role === "dc");
  if (!dc) return;
  const own = new Set(dc.spec.nics.map((nic) => nic.ip).filter((ip): ip is string => ip !== undefined));
  const dcNetworks = dc.spec.nics.map((nic) => d.networks.find((n) => n.spec.name === nic.network)).filter((n): n is Located<NetworkSpec> => n !== undefined);
  domain.forwarders.forEach((ip, i) => {
    const path: Path = ["domain", "forwarders", i];
    if (own.has(ip)) {
      problems.error(
        path,
        `${ip} is the DC ${dc.spec.name}'s own address: a DNS server forwarding to itself loops; name the resolver it should ask (e.g. a gateway where libvirt answers DNS)`,
      );
      return;
    }
    const labNet = d.networks.find((n) => {
      const cidr = parseCidr(n.spec.subnet);
      return cidr !== undefined && isHostIn(cidr, ip);
    });
    if (!labNet) {
      if (!dcNetworks.some((n) => n.spec.mode !== "isolated")) {
        problems.error(
          path,
          `${ip} is outside the lab, and the DC ${dc.spec.name} is only on isolated networks, which reach nothing outside: attach it to a nat network or forward to an address inside the lab`,
        );
      }
      return;
    }
    const n = labNet.spec;
    if (!dcNetworks.some((x) => x.spec.name === n.name)) {
      problems.error(
        path,
        `${ip} is on ${n.name}, where the DC ${dc.spec.name} has no NIC: forward to a resolver on one of its networks (${dcNetworks.map((x) => x.spec.name).join(", ")})`,
      );
    } else if (ip === n.gateway && !libvirtDnsAnswers(n)) {
      problems.error(
        path,
        `${ip} is the gateway of ${n.name}, where the DC serves DHCP and DNS, so libvirt's DNS does not answer there: forward to the gateway of a network where libvirt serves DHCP, or to another resolver`,
      );
    } else if (ip !== n.gateway && !d.vms.some((v) => v.spec.nics.some((nic) => nic.network === n.name && nic.ip === ip))) {
      problems.error(
        path,
        `${ip} on ${n.name} is neither its gateway nor a lab VM's address, so no resolver answers there: forward to the gateway of a network where libvirt serves DNS, or to a resolver outside the lab`,
      );
    }
  });
}
