// The phase graph: from a LabSpec to the ordered list of PowerShell phases, as plain data.
// Phases on one VM run one after another (two installers at once on one Windows would fight
// over the Windows Installer mutex); phases on different VMs run in parallel unless `after`
// says otherwise.
import { isWindows } from "../lab";
import type { AdDomainSpec, LabSpec, VmSpec } from "../lab";
import { guestMediaPath } from "../media/manifest-schema";
import type { MediaManifest } from "../media/manifest-schema";
import { boundaryRanges, dhcpScopes, dnsSettings, sccmSetupIni, sqlConfigurationIni } from "./generated";
import { computerAccount, dnsServerFor, domainUser, fqdn, GUEST_PATHS, LAB_DIRECTORY, managementHost, networkNamed } from "./lab-facts";
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
  /** Unscaled bound of one run in seconds (KVM speed); DEFAULT_PHASE_SECONDS when absent. */
  seconds?: number;
  checkpoint?: boolean;
  /** Runs allowed in a row; MAX_RUNS_AFTER_REBOOT when the phase may reboot, else 1. */
  maxRuns?: number;
}

const phaseId = (vm: VmSpec, step: string): string => `${vm.name.toLowerCase()}-${step}`;

/** Bound of a phase without a literal one: the WinRM client's own default for a run. */
export const DEFAULT_PHASE_SECONDS = 3600;
/** A phase that may reboot runs at most this often in a row: reboot first, do the work (may reboot), say "already done". */
export const MAX_RUNS_AFTER_REBOOT = 3;
/** Guests under TCG (domainType qemu, no KVM) run Windows setup roughly an order of magnitude slower. */
export const QEMU_TIME_SCALE = 10;

/**
 * Budgets of the long installers at KVM speed, in seconds: what the script gives the installer
 * (passed as its TimeoutSeconds) and what the whole phase may take (the installer plus the
 * waits around it). Normal durations are in the README's "First real run" table.
 */
export const INSTALLER_SECONDS = {
  sqlSetup: 5400,
  adkSetup: 2700,
  setupdl: 1800,
  prerequisiteInstaller: 1800,
  configMgrSetup: 9000,
  siteSettings: 3600,
} as const;
export const PHASE_SECONDS = {
  sqlInstall: 7200,
  adk: 6000,
  setupdl: 7800,
  prerequisites: 5400,
  siteInstall: 10800,
  siteSettings: 7200,
  client: 7800,
} as const;

/** The factor every time bound is multiplied with on this lab's hypervisor. */
export const timeScale = (spec: LabSpec): number => (spec.libvirt.domainType === "qemu" ? QEMU_TIME_SCALE : 1);

/** Collects phases and chains each VM's phases in the order they are added. */
class GraphBuilder {
  readonly phases: Phase[] = [];
  private readonly lastOnVm = new Map<string, string>();

  constructor(private readonly scale: number) {}

  add(vm: VmSpec, input: PhaseInput): string {
    const id = phaseId(vm, input.step);
    const previous = this.lastOnVm.get(vm.name);
    const after = [...new Set([...(previous ? [previous] : []), ...(input.after ?? [])])];
    const phase: Phase = {
      id,
      vm: vm.name,
      host: managementHost(vm),
      user: vm.winrmUser,
      title: `${vm.name}: ${input.title}`,
      script: input.script,
      params: input.params ?? {},
      secretParams: input.secretParams ?? {},
      after,
      expectsReboot: input.expectsReboot ?? false,
      maxRuns: input.maxRuns ?? (input.expectsReboot ? MAX_RUNS_AFTER_REBOOT : 1),
      timeoutSeconds: (input.seconds ?? DEFAULT_PHASE_SECONDS) * this.scale,
      checkpoint: input.checkpoint ?? false,
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

/** The phase graph of a lab; `manifest` gives the installer paths on the media drive (loaded at the edges). */
export function buildPhaseGraph(spec: LabSpec, manifest: MediaManifest): PhaseGraph {
  const scale = timeScale(spec);
  const g = new GraphBuilder(scale);
  /** An installer's own bound, scaled, as the string the script's TimeoutSeconds parameter takes. */
  const installerSeconds = (seconds: number): string => String(seconds * scale);
  const windows = spec.vms.filter(isWindows);
  const domain = spec.domain;
  const sccm = spec.sccm;

  // Every Windows VM: WinRM answers a real command, then it gets its lab name.
  for (const vm of windows) {
    g.add(vm, { step: "winrm", title: "WinRM runs a command", script: "scripts/common/Test-LabReady.ps1", params: { ExpectedName: vm.name } });
    g.add(vm, {
      step: "rename",
      title: `rename to ${vm.hostname}`,
      script: "scripts/common/Rename-LabComputer.ps1",
      params: { NewName: vm.hostname },
      expectsReboot: true,
    });
  }
  if (!domain) {
    for (const vm of windows) {
      g.add(vm, { step: "network", title: "static addresses", script: "scripts/common/Set-LabNetwork.ps1", params: { Nic: nicEntries(spec, vm) } });
    }
    return { phases: g.phases };
  }

  const dc = domain.dcVm;
  const domainJoined = windows.filter((vm) => vm.name !== dc.name && vm.role !== "windows");
  const joinSecret = { JoinPassword: "adminPassword" };
  const domainAdmin = domainUser(domain, "Administrator");
  /** The domain admin that installers and ConfigMgr cmdlets run as, through the runner (scripts/modules/Runner.psm1). */
  const runAs = { params: { InstallUser: domainAdmin }, secretParams: { InstallPassword: "adminPassword" } };

  // The domain controller.
  g.add(dc, { step: "network", title: "static addresses", script: "scripts/common/Set-LabNetwork.ps1", params: { Nic: nicEntries(spec, dc) } });
  g.add(dc, {
    step: "ad-forest",
    title: `AD DS forest ${domain.fqdn}`,
    script: "scripts/dc/Install-AdForest.ps1",
    params: { DomainName: domain.fqdn, DomainNetbios: domain.netbios },
    secretParams: { DsrmPassword: "dsrmPassword" },
    expectsReboot: true,
  });
  const domainReady = g.add(dc, {
    step: "domain-ready",
    title: "the domain answers after the reboot",
    script: "scripts/common/Wait-LabDomain.ps1",
    params: { DomainName: domain.fqdn },
  });
  const dns = g.add(dc, { step: "dns", title: "DNS forwarders and reverse zones", script: "scripts/dc/Set-LabDns.ps1", params: { ...dnsSettings(spec) } });
  const dhcp = dhcpScopes(spec).map(({ network, ...params }) =>
    g.add(dc, { step: `dhcp-${network.toLowerCase()}`, title: `DHCP scope on ${network}`, script: "scripts/dc/Set-LabDhcpScope.ps1", params: { ...params } }),
  );

  // With a site, the lab's OUs exist before the joins, so that computers land in them.
  const siteVms = sccm
    ? {
        siteServer: sccm.siteServerVm,
        sqlVm: sccm.sqlVm,
      }
    : undefined;
  const accounts =
    sccm && siteVms
      ? g.add(dc, {
          step: "accounts",
          title: "OUs and service accounts",
          script: "scripts/dc/New-LabAccounts.ps1",
          params: {
            DomainDn: domain.dn,
            DomainNetbios: domain.netbios,
            BaseOu: LAB_DIRECTORY.baseOu,
            ChildOu: [...LAB_DIRECTORY.childOus],
            ServiceAccountOu: LAB_DIRECTORY.serviceAccountOu,
            SqlServiceAccount: LAB_DIRECTORY.sqlServiceAccount,
            SqlHost: siteVms.sqlVm.hostname,
            SqlHostFqdn: fqdn(siteVms.sqlVm, domain),
            NetworkAccessAccount: LAB_DIRECTORY.networkAccessAccount,
            ClientPushAccount: LAB_DIRECTORY.clientPushAccount,
          },
          secretParams: { SqlServicePassword: "sqlServicePassword", NetworkAccessPassword: "networkAccessPassword", ClientPushPassword: "clientPushPassword" },
          after: [domainReady],
        })
      : undefined;

  // Members: their own name and DNS client first, the join once the DC serves DNS (and DHCP).
  const joined = new Map<string, string>();
  for (const vm of windows.filter((v) => v.name !== dc.name)) {
    const member = domainJoined.includes(vm);
    g.add(vm, {
      step: "network",
      title: member ? "static addresses and the DC as DNS server" : "static addresses",
      script: "scripts/common/Set-LabNetwork.ps1",
      params: member ? { Nic: nicEntries(spec, vm), DnsServer: [dnsServerFor(domain, vm)] } : { Nic: nicEntries(spec, vm) },
      after: member ? [dns] : [],
    });
    if (!member) continue;
    joined.set(
      vm.name,
      g.add(vm, {
        step: "join",
        title: `join ${domain.fqdn}`,
        script: "scripts/common/Join-LabDomain.ps1",
        params: { DomainName: domain.fqdn, JoinUser: domainAdmin, ...(accounts ? { OuPath: computerOu(vm, domain) } : {}) },
        secretParams: joinSecret,
        after: [dns, ...dhcp, ...(accounts ? [accounts] : [])],
        expectsReboot: true,
      }),
    );
  }

  if (!sccm || !siteVms || !accounts) {
    addSecretScans(g, windows);
    return { phases: g.phases };
  }

  const { siteServer, sqlVm } = siteVms;
  const siteJoin = joined.get(siteServer.name);
  const sqlJoin = joined.get(sqlVm.name);
  if (!siteJoin || !sqlJoin)
    throw new Error(`the site server ${siteServer.name} and the SQL host ${sqlVm.name} must be domain members (role site-server / sql)`);

  // AD for ConfigMgr, on the DC.
  const schema = g.add(dc, {
    step: "schema-extension",
    title: "AD schema extension for ConfigMgr",
    script: "scripts/dc/Invoke-SchemaExtension.ps1",
    params: { ExtadschPath: guestMediaPath(manifest, "configmgr", "SMSSETUP/BIN/X64/extadsch.exe") },
  });
  const systemManagement = g.add(dc, {
    step: "system-management",
    title: `System Management container, full control for ${siteServer.hostname}$`,
    script: "scripts/dc/Set-SystemManagementContainer.ps1",
    params: { DomainDn: domain.dn, SiteServer: siteServer.hostname },
    after: [siteJoin],
  });

  // SQL Server.
  const sqlInstall = g.add(sqlVm, {
    step: "sql-install",
    title: "SQL Server 2022",
    script: "scripts/sql/Install-SqlServer.ps1",
    params: { MediaPath: guestMediaPath(manifest, "sql2022"), ...runAs.params, TimeoutSeconds: installerSeconds(INSTALLER_SECONDS.sqlSetup) },
    files: { ConfigurationIni: sqlConfigurationIni({ domain, sccm }) },
    secretParams: { SqlServicePassword: "sqlServicePassword", ...runAs.secretParams },
    after: [sqlJoin, accounts],
    expectsReboot: true,
    seconds: PHASE_SECONDS.sqlInstall,
    checkpoint: true,
  });
  const sqlAccess = g.add(sqlVm, {
    step: "sql-site-server-access",
    title: `${siteServer.hostname}$ as sysadmin${sccm.sqlColocated ? "" : ", local administrator, SMB/RPC and Remote Registry"}`,
    script: "scripts/sql/Grant-SiteServerAccess.ps1",
    params: {
      SiteServerAccount: computerAccount(siteServer, domain),
      LocalAdmin: sccm.sqlColocated ? "false" : "true",
      RemoteSiteServer: sccm.sqlColocated ? "false" : "true",
    },
    after: [sqlInstall, siteJoin],
  });

  // The site server.
  const prerequisites = g.add(siteServer, {
    step: "sccm-prerequisites",
    title: ".NET 3.5, IIS, BITS, RDC, VC++, ODBC 18",
    script: "scripts/sccm/Install-SccmPrerequisites.ps1",
    params: {
      VcRedistX64Path: guestMediaPath(manifest, "vcredist-x64"),
      VcRedistX86Path: guestMediaPath(manifest, "vcredist-x86"),
      OdbcMsiPath: guestMediaPath(manifest, "odbc18"),
      OdbcVersionPrefix: manifest.entries.find((e) => e.id === "odbc18")?.version ?? "18.5.",
      ...runAs.params,
      TimeoutSeconds: installerSeconds(INSTALLER_SECONDS.prerequisiteInstaller),
    },
    secretParams: runAs.secretParams,
    after: [siteJoin],
    expectsReboot: true,
    seconds: PHASE_SECONDS.prerequisites,
  });
  const adk = g.add(siteServer, {
    step: "adk",
    title: "ADK and WinPE add-on",
    script: "scripts/sccm/Install-Adk.ps1",
    params: {
      AdkSetupPath: guestMediaPath(manifest, "adk", "adksetup.exe"),
      WinPeSetupPath: guestMediaPath(manifest, "adk-winpe", "adkwinpesetup.exe"),
      ...runAs.params,
      TimeoutSeconds: installerSeconds(INSTALLER_SECONDS.adkSetup),
    },
    secretParams: runAs.secretParams,
    seconds: PHASE_SECONDS.adk,
  });
  const download = g.add(siteServer, {
    step: "sccm-prereq-download",
    title: "ConfigMgr setup prerequisites (setupdl)",
    script: "scripts/sccm/Invoke-SetupDownload.ps1",
    params: {
      SetupDlPath: guestMediaPath(manifest, "configmgr", "SMSSETUP/BIN/X64/setupdl.exe"),
      PrerequisitePath: GUEST_PATHS.cmPrerequisites,
      MediaPrerequisitePath: guestMediaPath(manifest, "configmgr-prereqs"),
      ...runAs.params,
      TimeoutSeconds: installerSeconds(INSTALLER_SECONDS.setupdl),
    },
    secretParams: runAs.secretParams,
    seconds: PHASE_SECONDS.setupdl,
  });
  const siteInstall = g.add(siteServer, {
    step: "sccm-site-install",
    title: `ConfigMgr primary site ${sccm.siteCode}`,
    script: "scripts/sccm/Install-SccmSite.ps1",
    params: {
      SiteCode: sccm.siteCode,
      SetupPath: guestMediaPath(manifest, "configmgr", "SMSSETUP/BIN/X64/setup.exe"),
      ...runAs.params,
      TimeoutSeconds: installerSeconds(INSTALLER_SECONDS.configMgrSetup),
    },
    files: { SetupIni: sccmSetupIni({ domain, sccm }) },
    secretParams: runAs.secretParams,
    after: [sqlAccess, schema, systemManagement, prerequisites, adk, download],
    expectsReboot: true,
    seconds: PHASE_SECONDS.siteInstall,
    checkpoint: true,
  });
  const siteSettings = g.add(siteServer, {
    step: "sccm-site-settings",
    title: "boundaries, AD System Discovery, accounts, administrators; the MP answers",
    script: "scripts/sccm/Set-SccmSiteSettings.ps1",
    params: {
      SiteCode: sccm.siteCode,
      SiteServerFqdn: fqdn(siteServer, domain),
      BoundaryRange: boundaryRanges(spec),
      BoundaryGroup: `${spec.stack} ${sccm.siteCode}`,
      DomainDn: domain.dn,
      NetworkAccessAccount: domainUser(domain, LAB_DIRECTORY.networkAccessAccount),
      ClientPushAccount: domainUser(domain, LAB_DIRECTORY.clientPushAccount),
      FullAdministrator: domainUser(domain, LAB_DIRECTORY.fullAdministratorGroup),
      ...runAs.params,
      TimeoutSeconds: installerSeconds(INSTALLER_SECONDS.siteSettings),
    },
    secretParams: { NetworkAccessPassword: "networkAccessPassword", ClientPushPassword: "clientPushPassword", ...runAs.secretParams },
    after: [siteInstall],
    seconds: PHASE_SECONDS.siteSettings,
  });

  // Clients.
  for (const client of domainJoined.filter((vm) => vm.role === "client")) {
    g.add(client, {
      step: "sccm-client",
      title: `ConfigMgr client for site ${sccm.siteCode}`,
      script: "scripts/client/Install-SccmClient.ps1",
      params: {
        SiteCode: sccm.siteCode,
        SiteServer: siteServer.hostname,
        ManagementPoint: fqdn(siteServer, domain),
        ShareUser: domainAdmin,
        LocalAdministrator: [domainUser(domain, LAB_DIRECTORY.clientPushAccount)],
      },
      secretParams: { SharePassword: "adminPassword" },
      after: [siteSettings],
      seconds: PHASE_SECONDS.client,
    });
  }
  addSecretScans(g, windows);
  return { phases: g.phases };
}

/** The OU a member's computer account goes to: workstations for clients, servers for the rest. */
function computerOu(vm: VmSpec, domain: AdDomainSpec): string {
  const ou = vm.role === "client" ? "Workstations" : "Servers";
  return `OU=${ou},OU=${LAB_DIRECTORY.baseOu},${domain.dn}`;
}

/** Test-LabNoSecrets.ps1 parameter for each secret config key a phase can pass. */
const SECRET_SCAN_PARAM: Record<string, string> = {
  adminPassword: "AdminPassword",
  dsrmPassword: "DsrmPassword",
  sqlServicePassword: "SqlServicePassword",
  networkAccessPassword: "NetworkAccessPassword",
  clientPushPassword: "ClientPushPassword",
};

/**
 * Last on every VM that received a secret: proves none is left on its disk or in a runner task.
 * It also looks for adminPassword everywhere: the host logs on to every VM with it.
 */
function addSecretScans(g: GraphBuilder, windows: VmSpec[]): void {
  for (const vm of windows) {
    const keys = new Set(g.phases.filter((p) => p.vm === vm.name).flatMap((p) => Object.values(p.secretParams)));
    if (keys.size === 0) continue;
    keys.add("adminPassword");
    const secretParams: Record<string, string> = {};
    for (const key of [...keys].sort()) {
      const name = SECRET_SCAN_PARAM[key];
      if (!name) throw new PhaseGraphError(`the secret homelab:${key} has no parameter in scripts/common/Test-LabNoSecrets.ps1: add one`);
      secretParams[name] = key;
    }
    g.add(vm, { step: "no-secrets", title: "no lab secret left on the disk or in a task", script: "scripts/common/Test-LabNoSecrets.ps1", secretParams });
  }
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
    // A graph read from a file (phases.json) may predate these fields or be edited by hand.
    if (!Number.isInteger(p.maxRuns) || p.maxRuns < 1)
      throw new PhaseGraphError(`phase ${p.id} has maxRuns ${JSON.stringify(p.maxRuns)}: it must be a whole number of at least 1 (render the graph again)`);
    if (!Number.isInteger(p.timeoutSeconds) || p.timeoutSeconds < 60)
      throw new PhaseGraphError(
        `phase ${p.id} has timeoutSeconds ${JSON.stringify(p.timeoutSeconds)}: it must be a whole number of at least 60 (render the graph again)`,
      );
    if (typeof p.user !== "string" || p.user === "")
      throw new PhaseGraphError(`phase ${p.id} has user ${JSON.stringify(p.user)}: it must name the account WinRM logs on with (render the graph again)`);
    if (typeof p.checkpoint !== "boolean")
      throw new PhaseGraphError(`phase ${p.id} has checkpoint ${JSON.stringify(p.checkpoint)}: it must be true or false (render the graph again)`);
    if (p.expectsReboot && p.maxRuns < 2)
      throw new PhaseGraphError(`phase ${p.id} may reboot but maxRuns is ${p.maxRuns}: it needs at least 2 runs to be run again after its reboot`);
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
