// The phase graph: from a LabSpec to the ordered list of PowerShell phases, as plain data.
// Phases on one VM run one after another (two installers at once on one Windows would fight
// over the Windows Installer mutex); phases on different VMs run in parallel unless `after`
// says otherwise.
import { isWindows } from "../lab";
import type { LabSpec, VmSpec } from "../lab";
import { guestMediaPath, loadMediaManifest, MediaManifest } from "../media/manifest-schema";
import { boundaryRanges, dhcpScopes, dnsSettings, sccmSetupIni, sqlConfigurationIni } from "./generated";
import {
  computerAccount, dnsServerFor, domainController, domainUser, fqdn, GUEST_PATHS, LAB_DIRECTORY, managementHost, networkNamed, vmNamed,
} from "./lab-facts";
import type { ParamValue, Phase, PhaseGraph } from "./types";

export type { Phase, PhaseGraph, ParamValue } from "./types";

interface PhaseInput {
  step: string;
  title: string;
  script: string;
  params?: Record<string, ParamValue>;
  secretParams?: Record<string, string>;
  after?: string[];
  expectsReboot?: boolean;
  files?: Record<string, string>;
}

const phaseId = (vm: VmSpec, step: string): string => `${vm.name.toLowerCase()}-${step}`;

/** Collects phases and chains each VM's phases in the order they are added. */
class GraphBuilder {
  readonly phases: Phase[] = [];
  private readonly lastOnVm = new Map<string, string>();

  add(vm: VmSpec, input: PhaseInput): string {
    const id = phaseId(vm, input.step);
    const previous = this.lastOnVm.get(vm.name);
    const after = [...new Set([...(previous ? [previous] : []), ...(input.after ?? [])])];
    const phase: Phase = {
      id,
      vm: vm.name,
      host: managementHost(vm),
      title: `${vm.name}: ${input.title}`,
      script: input.script,
      params: input.params ?? {},
      secretParams: input.secretParams ?? {},
      after,
      expectsReboot: input.expectsReboot ?? false,
    };
    if (input.files) phase.files = input.files;
    this.phases.push(phase);
    this.lastOnVm.set(vm.name, id);
    return id;
  }
}

/** NIC entries for Set-LabNetwork: "MAC|ADDRESS/PREFIX|GATEWAY" (static) or "MAC|dhcp|". */
function nicEntries(spec: LabSpec, vm: VmSpec): string[] {
  let gatewayGiven = false;
  return vm.nics.map((nic) => {
    if (nic.addressing !== "static") return `${nic.mac}|dhcp|`;
    const network = networkNamed(spec, nic.network);
    // One default gateway per guest: two equal default routes make Windows pick one at random.
    const gateway = gatewayGiven ? "" : network.gateway;
    gatewayGiven = true;
    return `${nic.mac}|${nic.ip}/${network.prefix}|${gateway}`;
  });
}

export interface PhaseGraphOptions {
  /** The media manifest the script paths come from (tests pass their own). */
  manifest?: MediaManifest;
}

export function buildPhaseGraph(spec: LabSpec, options: PhaseGraphOptions = {}): PhaseGraph {
  const g = new GraphBuilder();
  const windows = spec.vms.filter(isWindows);
  const domain = spec.domain;
  const sccm = spec.sccm;

  // Every Windows VM: WinRM answers a real command, then it gets its lab name.
  for (const vm of windows) {
    g.add(vm, { step: "winrm", title: "WinRM runs a command", script: "scripts/common/Test-LabReady.ps1", params: { ExpectedName: vm.name } });
    g.add(vm, { step: "rename", title: `rename to ${vm.hostname}`, script: "scripts/common/Rename-LabComputer.ps1", params: { NewName: vm.hostname }, expectsReboot: true });
  }
  if (!domain) {
    for (const vm of windows) {
      g.add(vm, { step: "network", title: "static addresses", script: "scripts/common/Set-LabNetwork.ps1", params: { Nic: nicEntries(spec, vm) } });
    }
    return { phases: g.phases };
  }

  const dc = domainController(spec);
  const domainJoined = windows.filter((vm) => vm.name !== dc.name && vm.role !== "windows");
  const joinSecret = { JoinPassword: "adminPassword" };
  const domainAdmin = domainUser(domain, "Administrator");

  // The domain controller.
  g.add(dc, { step: "network", title: "static addresses", script: "scripts/common/Set-LabNetwork.ps1", params: { Nic: nicEntries(spec, dc) } });
  g.add(dc, {
    step: "ad-forest", title: `AD DS forest ${domain.fqdn}`, script: "scripts/dc/Install-AdForest.ps1",
    params: { DomainName: domain.fqdn, DomainNetbios: domain.netbios }, secretParams: { DsrmPassword: "dsrmPassword" }, expectsReboot: true,
  });
  const domainReady = g.add(dc, { step: "domain-ready", title: "the domain answers after the reboot", script: "scripts/common/Wait-LabDomain.ps1", params: { DomainName: domain.fqdn } });
  const dns = g.add(dc, { step: "dns", title: "DNS forwarders and reverse zones", script: "scripts/dc/Set-LabDns.ps1", params: { ...dnsSettings(spec) } });
  const dhcp = dhcpScopes(spec).map(({ network, ...params }) =>
    g.add(dc, { step: `dhcp-${network.toLowerCase()}`, title: `DHCP scope on ${network}`, script: "scripts/dc/Set-LabDhcpScope.ps1", params: { ...params } }));

  // Members: their own name and DNS client first, the join once the DC serves DNS (and DHCP).
  const joined = new Map<string, string>();
  for (const vm of windows.filter((v) => v.name !== dc.name)) {
    const member = domainJoined.includes(vm);
    g.add(vm, {
      step: "network", title: member ? "static addresses and the DC as DNS server" : "static addresses", script: "scripts/common/Set-LabNetwork.ps1",
      params: member ? { Nic: nicEntries(spec, vm), DnsServer: [dnsServerFor(spec, vm)] } : { Nic: nicEntries(spec, vm) },
      after: member ? [dns] : [],
    });
    if (!member) continue;
    joined.set(vm.name, g.add(vm, {
      step: "join", title: `join ${domain.fqdn}`, script: "scripts/common/Join-LabDomain.ps1",
      params: { DomainName: domain.fqdn, JoinUser: domainAdmin }, secretParams: joinSecret, after: [dns, ...dhcp], expectsReboot: true,
    }));
  }

  if (!sccm) return { phases: g.phases };

  const manifest = options.manifest ?? loadMediaManifest();
  const siteServer = vmNamed(spec, sccm.siteServer, "homelab:sccm.siteServer");
  const sqlVm = vmNamed(spec, sccm.sqlServer, "homelab:sccm.sqlServer");
  const siteJoin = joined.get(siteServer.name);
  const sqlJoin = joined.get(sqlVm.name);
  if (!siteJoin || !sqlJoin) throw new Error(`the site server ${siteServer.name} and the SQL host ${sqlVm.name} must be domain members (role site-server / sql)`);

  // AD for ConfigMgr, on the DC.
  const accounts = g.add(dc, {
    step: "accounts", title: "OUs and service accounts", script: "scripts/dc/New-LabAccounts.ps1",
    params: {
      DomainDn: domain.dn, DomainNetbios: domain.netbios, BaseOu: LAB_DIRECTORY.baseOu, ChildOu: [...LAB_DIRECTORY.childOus],
      ServiceAccountOu: LAB_DIRECTORY.serviceAccountOu, SqlServiceAccount: LAB_DIRECTORY.sqlServiceAccount, SqlHost: sqlVm.hostname,
      SqlHostFqdn: fqdn(sqlVm, domain), NetworkAccessAccount: LAB_DIRECTORY.networkAccessAccount, ClientPushAccount: LAB_DIRECTORY.clientPushAccount,
    },
    secretParams: { SqlServicePassword: "sqlServicePassword", NetworkAccessPassword: "networkAccessPassword", ClientPushPassword: "clientPushPassword" },
    after: [domainReady],
  });
  const schema = g.add(dc, {
    step: "schema-extension", title: "AD schema extension for ConfigMgr", script: "scripts/dc/Invoke-SchemaExtension.ps1",
    params: { ExtadschPath: guestMediaPath(manifest, "configmgr", "SMSSETUP/BIN/X64/extadsch.exe") },
  });
  const systemManagement = g.add(dc, {
    step: "system-management", title: `System Management container, full control for ${siteServer.hostname}$`,
    script: "scripts/dc/Set-SystemManagementContainer.ps1", params: { DomainDn: domain.dn, SiteServer: siteServer.hostname }, after: [siteJoin],
  });

  // SQL Server.
  const sqlInstall = g.add(sqlVm, {
    step: "sql-install", title: "SQL Server 2022", script: "scripts/sql/Install-SqlServer.ps1",
    params: { MediaPath: guestMediaPath(manifest, "sql2022") }, files: { ConfigurationIni: sqlConfigurationIni(spec) },
    secretParams: { SqlServicePassword: "sqlServicePassword" }, after: [sqlJoin, accounts], expectsReboot: true,
  });
  const sqlAccess = g.add(sqlVm, {
    step: "sql-site-server-access", title: `${siteServer.hostname}$ as sysadmin${sccm.sqlColocated ? "" : " and local administrator"}`,
    script: "scripts/sql/Grant-SiteServerAccess.ps1",
    params: { SiteServerAccount: computerAccount(siteServer, domain), LocalAdmin: sccm.sqlColocated ? "false" : "true" },
    after: [sqlInstall, siteJoin],
  });

  // The site server.
  const prerequisites = g.add(siteServer, {
    step: "sccm-prerequisites", title: ".NET 3.5, IIS, BITS, RDC, VC++, ODBC 18", script: "scripts/sccm/Install-SccmPrerequisites.ps1",
    params: {
      VcRedistX64Path: guestMediaPath(manifest, "vcredist-x64"), VcRedistX86Path: guestMediaPath(manifest, "vcredist-x86"),
      OdbcMsiPath: guestMediaPath(manifest, "odbc18"), OdbcVersionPrefix: manifest.entries.find((e) => e.id === "odbc18")?.version ?? "18.5.",
    },
    after: [siteJoin], expectsReboot: true,
  });
  const adk = g.add(siteServer, {
    step: "adk", title: "ADK and WinPE add-on", script: "scripts/sccm/Install-Adk.ps1",
    params: { AdkSetupPath: guestMediaPath(manifest, "adk", "adksetup.exe"), WinPeSetupPath: guestMediaPath(manifest, "adk-winpe", "adkwinpesetup.exe") },
  });
  const download = g.add(siteServer, {
    step: "sccm-prereq-download", title: "ConfigMgr setup prerequisites (setupdl)", script: "scripts/sccm/Invoke-SetupDownload.ps1",
    params: {
      SetupDlPath: guestMediaPath(manifest, "configmgr", "SMSSETUP/BIN/X64/setupdl.exe"), PrerequisitePath: GUEST_PATHS.cmPrerequisites,
      MediaPrerequisitePath: guestMediaPath(manifest, "configmgr-prereqs"),
    },
  });
  const siteInstall = g.add(siteServer, {
    step: "sccm-site-install", title: `ConfigMgr primary site ${sccm.siteCode}`, script: "scripts/sccm/Install-SccmSite.ps1",
    params: { SiteCode: sccm.siteCode, SetupPath: guestMediaPath(manifest, "configmgr", "SMSSETUP/BIN/X64/setup.exe"), InstallUser: domainAdmin },
    files: { SetupIni: sccmSetupIni(spec) }, secretParams: { InstallPassword: "adminPassword" },
    after: [sqlAccess, schema, systemManagement, prerequisites, adk, download], expectsReboot: true,
  });
  const siteSettings = g.add(siteServer, {
    step: "sccm-site-settings", title: "boundaries, AD System Discovery, accounts", script: "scripts/sccm/Set-SccmSiteSettings.ps1",
    params: {
      SiteCode: sccm.siteCode, SiteServerFqdn: fqdn(siteServer, domain), BoundaryRange: boundaryRanges(spec), BoundaryGroup: `${spec.stack} ${sccm.siteCode}`,
      DomainDn: domain.dn, NetworkAccessAccount: domainUser(domain, LAB_DIRECTORY.networkAccessAccount), ClientPushAccount: domainUser(domain, LAB_DIRECTORY.clientPushAccount),
    },
    secretParams: { NetworkAccessPassword: "networkAccessPassword", ClientPushPassword: "clientPushPassword" },
    after: [siteInstall],
  });

  // Clients.
  for (const client of domainJoined.filter((vm) => vm.role === "client")) {
    g.add(client, {
      step: "sccm-client", title: `ConfigMgr client for site ${sccm.siteCode}`, script: "scripts/client/Install-SccmClient.ps1",
      params: {
        SiteCode: sccm.siteCode, SiteServer: siteServer.hostname, ManagementPoint: fqdn(siteServer, domain), ShareUser: domainAdmin,
        LocalAdministrator: [domainUser(domain, LAB_DIRECTORY.clientPushAccount)],
      },
      secretParams: { SharePassword: "adminPassword" }, after: [siteSettings],
    });
  }
  return { phases: g.phases };
}

export class PhaseGraphError extends Error {
  override name = "PhaseGraphError";
}

/** Throws when an id repeats, an `after` names no phase, or the graph has a cycle (named). */
export function checkPhaseGraph(graph: PhaseGraph): void {
  const ids = new Set<string>();
  for (const p of graph.phases) {
    if (ids.has(p.id)) throw new PhaseGraphError(`phase id ${p.id} appears twice`);
    ids.add(p.id);
  }
  for (const p of graph.phases) {
    for (const a of p.after) if (!ids.has(a)) throw new PhaseGraphError(`phase ${p.id} runs after ${a}, which is not a phase`);
  }
  topologicalLevels(graph);
}

/** Phases grouped in waves: every phase's `after` lies in earlier waves, so a wave can run in parallel. */
export function topologicalLevels(graph: PhaseGraph): Phase[][] {
  const byId = new Map(graph.phases.map((p) => [p.id, p]));
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string, path: string[]): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) throw new PhaseGraphError(`the phases form a cycle: ${[...path.slice(path.indexOf(id)), id].join(" -> ")}`);
    const phase = byId.get(id);
    if (!phase) throw new PhaseGraphError(`phase ${path[path.length - 1]} runs after ${id}, which is not a phase`);
    visiting.add(id);
    const l = phase.after.reduce((max, a) => Math.max(max, visit(a, [...path, id]) + 1), 0);
    visiting.delete(id);
    level.set(id, l);
    return l;
  };
  for (const p of graph.phases) visit(p.id, []);
  const waves: Phase[][] = [];
  for (const p of graph.phases) (waves[level.get(p.id)!] ??= []).push(p);
  return waves;
}
