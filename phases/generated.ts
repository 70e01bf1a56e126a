// The files and parameter sets the phase scripts receive, produced from the LabSpec.
// Pure functions: a spec in, a string or a plain object out.
import type { LabSpec, NetworkSpec, SiteOfLab, VmSpec } from "../lab";
import { fromInt, inRange, parseCidr, toInt } from "../lab/ipv4";
import { writeIni } from "./ini";
import { computerAccount, dcAddressOn, domainUser, fqdn, GUEST_PATHS, LAB_DIRECTORY, networkAddress, PhaseSpecError, reverseZoneOf } from "./lab-facts";

const quoted = (value: string): string => `"${value}"`;

/**
 * SQL Server's memory cap: half the VM's memory when the site server shares the VM, all but
 * 2 GiB on a dedicated SQL VM; never below 2 GiB (ConfigMgr's own floor for its database).
 */
export function sqlMaxMemoryMiB(sqlVm: VmSpec, colocated: boolean): number {
  const memoryMiB = sqlVm.memoryBytes / 2 ** 20;
  const cap = colocated ? Math.floor(memoryMiB / 2) : memoryMiB - 2048;
  return Math.max(2048, cap);
}

export function sqlConfigurationIni({ domain, sccm }: SiteOfLab): string {
  const sqlVm = sccm.sqlVm;
  return writeIni([
    [
      "OPTIONS",
      [
        ["ACTION", quoted("Install")],
        ["QUIET", quoted("True")],
        ["IACCEPTSQLSERVERLICENSETERMS", quoted("True")],
        ["ENU", quoted("True")],
        ["UPDATEENABLED", quoted("False")],
        ["FEATURES", "SQLENGINE"],
        ["INSTANCENAME", quoted("MSSQLSERVER")],
        ["INSTANCEID", quoted("MSSQLSERVER")],
        ["SQLCOLLATION", quoted("SQL_Latin1_General_CP1_CI_AS")],
        ["SQLSVCACCOUNT", quoted(domainUser(domain, LAB_DIRECTORY.sqlServiceAccount))],
        ["SQLSVCSTARTUPTYPE", quoted("Automatic")],
        ["AGTSVCSTARTUPTYPE", quoted("Automatic")],
        ["SQLSYSADMINACCOUNTS", `${quoted(`${domain.netbios}\\Domain Admins`)} ${quoted("BUILTIN\\Administrators")}`],
        ["TCPENABLED", quoted("1")],
        ["NPENABLED", quoted("0")],
        ["BROWSERSVCSTARTUPTYPE", quoted("Disabled")],
        ["SQLMAXMEMORY", quoted(String(sqlMaxMemoryMiB(sqlVm, sccm.sqlColocated)))],
        ["SQLMINMEMORY", quoted("0")],
      ],
    ],
  ]);
}

/**
 * The ConfigMgr setup ini for a primary site. Keys follow Microsoft Learn, ConfigMgr "Unattended
 * setup script file keys": every key its tables mark required for InstallPrimarySite is here
 * (Options: ProductID, SiteCode, SiteName, SMSInstallDir, SDKServer, PrerequisiteComp,
 * PrerequisitePath, AdminConsole, JoinCEIP, MobileDeviceLanguage, RoleCommunicationProtocol,
 * ClientsUsePKICertificate; SQLConfigOptions: SQLServerName, DatabaseName; CloudConnectorOptions:
 * CloudConnector; SABranchOptions: SAActive, CurrentBranch).
 */
export function sccmSetupIni({ domain, sccm }: SiteOfLab): string {
  const siteServer = fqdn(sccm.siteServerVm, domain);
  const sqlServer = fqdn(sccm.sqlVm, domain);
  return writeIni([
    ["Identification", [["Action", "InstallPrimarySite"]]],
    [
      "Options",
      [
        ["ProductID", "EVAL"],
        ["SiteCode", sccm.siteCode],
        ["SiteName", sccm.siteName],
        ["SMSInstallDir", GUEST_PATHS.cmInstallDir],
        ["SDKServer", siteServer],
        ["RoleCommunicationProtocol", "HTTPorHTTPS"],
        ["ClientsUsePKICertificate", 0],
        ["PrerequisiteComp", 1],
        ["PrerequisitePath", GUEST_PATHS.cmPrerequisites],
        ["ManagementPoint", siteServer],
        ["ManagementPointProtocol", "HTTP"],
        ["DistributionPoint", siteServer],
        ["DistributionPointProtocol", "HTTP"],
        ["DistributionPointInstallIIS", 1],
        ["AdminConsole", 1],
        ["JoinCEIP", 0],
        ["MobileDeviceLanguage", 0],
      ],
    ],
    [
      "SQLConfigOptions",
      [
        ["SQLServerName", sqlServer],
        ["SQLServerPort", 1433],
        ["DatabaseName", `CM_${sccm.siteCode}`],
        ["SQLSSBPort", 4022],
      ],
    ],
    ["CloudConnectorOptions", [["CloudConnector", 0]]],
    // Current branch; SAActive=1 as in Microsoft's own example script (an evaluation install has no licence to attest either way).
    [
      "SABranchOptions",
      [
        ["SAActive", 1],
        ["CurrentBranch", 1],
      ],
    ],
  ]);
}

export interface DhcpScopeParams {
  network: string;
  ScopeName: string;
  ScopeId: string;
  SubnetMask: string;
  StartRange: string;
  EndRange: string;
  Router: string;
  DnsServer: string[];
  DnsDomain: string;
  DcFqdn: string;
  DcAddress: string;
  Exclusion: string[];
  Reservation: string[];
}

/** One DHCP scope per network whose DHCP server is the DC (libvirt's dnsmasq is silent there). */
export function dhcpScopes(spec: LabSpec): DhcpScopeParams[] {
  if (!spec.domain) return [];
  const domain = spec.domain;
  const dc = domain.dcVm;
  return spec.networks
    .filter((n) => n.dhcp?.server === "dc")
    .map((n: NetworkSpec) => {
      const range = n.dhcp!;
      const dcAddress = dcAddressOn(domain, n.name);
      if (!dcAddress) throw new PhaseSpecError(`network ${n.name} has dhcp.server dc but the DC ${dc.name} has no static address on it`);
      // Statically addressed guests inside the range (validation keeps them out; this is the DHCP server's own guard).
      const statics = spec.vms.flatMap((vm) =>
        vm.nics
          .filter((nic) => nic.network === n.name && nic.addressing === "static" && nic.ip && inRange(nic.ip, range.start, range.end))
          .map((nic) => nic.ip!),
      );
      return {
        network: n.name,
        ScopeName: n.name,
        ScopeId: networkAddress(n),
        SubnetMask: n.netmask,
        StartRange: range.start,
        EndRange: range.end,
        Router: n.gateway,
        DnsServer: [dcAddress],
        DnsDomain: domain.fqdn,
        DcFqdn: fqdn(dc, domain),
        DcAddress: dcAddress,
        Exclusion: statics.map((ip) => `${ip}-${ip}`),
        Reservation: n.reservations.map((r) => `${r.mac}|${r.ip}|${r.name}`),
      };
    });
}

export interface DnsParams {
  Forwarder: string[];
  ReverseZone: string[];
}

/** The network whose subnet holds an address (network or broadcast address included), if any. */
function networkHolding(spec: LabSpec, ip: string): NetworkSpec | undefined {
  return spec.networks.find((n) => {
    const cidr = parseCidr(n.subnet);
    return cidr !== undefined && toInt(ip) >= cidr.network && toInt(ip) < cidr.network + cidr.size;
  });
}

/** Networks where libvirt's DNS answers the DC: libvirt serves them (DHCP not the DC's, so no <dns enable='no'/>) and the DC has an address there. */
export function libvirtResolversForDc(spec: LabSpec): NetworkSpec[] {
  if (!spec.domain) return [];
  const dc = spec.domain.dcVm;
  return spec.networks.filter((n) => n.dhcp?.server !== "dc" && dc.nics.some((nic) => nic.network === n.name && nic.addressing === "static"));
}

/**
 * Why the DC cannot use a forwarder, or undefined when it can. Inside a lab network the only
 * resolver is libvirt's dnsmasq on that network's gateway address, and only where libvirt
 * serves the network: where the DC answers DHCP, libvirt renders <dns enable='no'/> and starts
 * no dnsmasq (libvirt formatnetwork, "DNS": enable='no'). The DC must have an address on that
 * network, since libvirt's dnsmasq listens on its own bridge. An address outside every lab
 * network is a resolver the user names (reached through NAT) and is taken as given.
 */
export function forwarderProblem(spec: LabSpec, forwarder: string): string | undefined {
  const network = networkHolding(spec, forwarder);
  // Without a domain there is no DC to forward from.
  if (!network || !spec.domain) return undefined;
  const dc = spec.domain.dcVm;
  const alternatives = libvirtResolversForDc(spec).map((n) => `${n.gateway} (libvirt's DNS on ${n.name})`);
  const fix =
    alternatives.length > 0
      ? `set homelab:domain.forwarders to ${alternatives.join(" or ")}, or to a resolver outside the lab`
      : `give the DC a static address on a network libvirt serves (dhcp.server libvirt) and forward to its gateway, or set homelab:domain.forwarders to a resolver outside the lab`;
  if (forwarder !== network.gateway)
    return `${forwarder} is inside network ${network.name} but is not its gateway ${network.gateway}, where libvirt's DNS listens: ${fix}`;
  if (network.dhcp?.server === "dc") return `${forwarder} is the gateway of ${network.name}, where the DC serves DHCP and libvirt runs no DNS: ${fix}`;
  if (!dc.nics.some((nic) => nic.network === network.name && nic.addressing === "static")) {
    return `${forwarder} is libvirt's DNS on ${network.name}, where the DC ${dc.name} has no static address: ${fix}`;
  }
  return undefined;
}

/** Forwarders from the spec (each one a resolver that exists); a reverse zone for every network the DC has an address on. None without a domain. */
export function dnsSettings(spec: LabSpec): DnsParams {
  if (!spec.domain) return { Forwarder: [], ReverseZone: [] };
  const domain = spec.domain;
  const dc = domain.dcVm;
  const zones = dc.nics
    .filter((nic) => nic.addressing === "static")
    .map((nic) => spec.networks.find((n) => n.name === nic.network))
    .filter((n): n is NetworkSpec => n !== undefined)
    .map(reverseZoneOf);
  if (domain.forwarders.length === 0)
    throw new PhaseSpecError("homelab:domain.forwarders is empty and the DC has no static address on a network libvirt serves: set forwarders");
  const problems = domain.forwarders.map((f, i) => [i, forwarderProblem(spec, f)] as const).filter((x): x is readonly [number, string] => x[1] !== undefined);
  if (problems.length > 0) {
    throw new PhaseSpecError(problems.map(([i, why]) => `homelab:domain.forwarders[${i}] = ${JSON.stringify(domain.forwarders[i])}: ${why}`).join("\n"));
  }
  return { Forwarder: [...domain.forwarders], ReverseZone: [...new Set(zones)] };
}

/** "NAME|FIRST-LAST" IP range boundaries: every host address of each network a client is on. */
export function boundaryRanges(spec: LabSpec): string[] {
  const clientNets = new Set(spec.vms.filter((vm) => vm.role === "client").flatMap((vm) => vm.nics.map((n) => n.network)));
  return spec.networks
    .filter((n) => clientNets.has(n.name))
    .map((n) => {
      const cidr = parseCidr(n.subnet);
      if (!cidr) throw new PhaseSpecError(`network ${n.name} has an unusable subnet ${n.subnet}`);
      return `${spec.stack} ${n.name}|${fromInt(cidr.network + 1)}-${fromInt(cidr.network + cidr.size - 2)}`;
    });
}

export { computerAccount };
