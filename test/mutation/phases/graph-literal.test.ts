// Every phase of the dev graph with its script, title, reboot flag and secret names, and the
// parameters of the phases the other tests do not pin, written out (mutation testing of phases/graph.ts).
import { buildPhaseGraph } from "../../../phases";
import type { Phase } from "../../../phases";
import { stackSpec, REPO_MANIFEST } from "../../support/stacks";

const DEV_PHASES: Array<[string, string, string, boolean, Record<string, string>]> = [
  ["dc01-winrm", "scripts/common/Test-LabReady.ps1", "DC01: WinRM runs a command", false, {}],
  ["dc01-rename", "scripts/common/Rename-LabComputer.ps1", "DC01: rename to DC01", true, {}],
  ["sccm01-winrm", "scripts/common/Test-LabReady.ps1", "SCCM01: WinRM runs a command", false, {}],
  ["sccm01-rename", "scripts/common/Rename-LabComputer.ps1", "SCCM01: rename to SCCM01", true, {}],
  ["client01-winrm", "scripts/common/Test-LabReady.ps1", "CLIENT01: WinRM runs a command", false, {}],
  ["client01-rename", "scripts/common/Rename-LabComputer.ps1", "CLIENT01: rename to CLIENT01", true, {}],
  ["client02-winrm", "scripts/common/Test-LabReady.ps1", "CLIENT02: WinRM runs a command", false, {}],
  ["client02-rename", "scripts/common/Rename-LabComputer.ps1", "CLIENT02: rename to CLIENT02", true, {}],
  ["dc01-network", "scripts/common/Set-LabNetwork.ps1", "DC01: static addresses", false, {}],
  ["dc01-ad-forest", "scripts/dc/Install-AdForest.ps1", "DC01: AD DS forest corp.homelab.test", true, { DsrmPassword: "dsrmPassword" }],
  ["dc01-domain-ready", "scripts/common/Wait-LabDomain.ps1", "DC01: the domain answers after the reboot", false, {}],
  ["dc01-dns", "scripts/dc/Set-LabDns.ps1", "DC01: DNS forwarders and reverse zones", false, {}],
  ["dc01-dhcp-lab-net", "scripts/dc/Set-LabDhcpScope.ps1", "DC01: DHCP scope on lab-net", false, {}],
  [
    "dc01-accounts",
    "scripts/dc/New-LabAccounts.ps1",
    "DC01: OUs and service accounts",
    false,
    { SqlServicePassword: "sqlServicePassword", NetworkAccessPassword: "networkAccessPassword", ClientPushPassword: "clientPushPassword" },
  ],
  ["sccm01-network", "scripts/common/Set-LabNetwork.ps1", "SCCM01: static addresses and the DC as DNS server", false, {}],
  ["sccm01-join", "scripts/common/Join-LabDomain.ps1", "SCCM01: join corp.homelab.test", true, { JoinPassword: "adminPassword" }],
  ["client01-network", "scripts/common/Set-LabNetwork.ps1", "CLIENT01: static addresses and the DC as DNS server", false, {}],
  ["client01-join", "scripts/common/Join-LabDomain.ps1", "CLIENT01: join corp.homelab.test", true, { JoinPassword: "adminPassword" }],
  ["client02-network", "scripts/common/Set-LabNetwork.ps1", "CLIENT02: static addresses and the DC as DNS server", false, {}],
  ["client02-join", "scripts/common/Join-LabDomain.ps1", "CLIENT02: join corp.homelab.test", true, { JoinPassword: "adminPassword" }],
  ["dc01-schema-extension", "scripts/dc/Invoke-SchemaExtension.ps1", "DC01: AD schema extension for ConfigMgr", false, {}],
  ["dc01-system-management", "scripts/dc/Set-SystemManagementContainer.ps1", "DC01: System Management container, full control for SCCM01$", false, {}],
  [
    "sccm01-sql-install",
    "scripts/sql/Install-SqlServer.ps1",
    "SCCM01: SQL Server 2022",
    true,
    { SqlServicePassword: "sqlServicePassword", InstallPassword: "adminPassword" },
  ],
  ["sccm01-sql-site-server-access", "scripts/sql/Grant-SiteServerAccess.ps1", "SCCM01: SCCM01$ as sysadmin", false, {}],
  [
    "sccm01-sccm-prerequisites",
    "scripts/sccm/Install-SccmPrerequisites.ps1",
    "SCCM01: .NET 3.5, IIS, BITS, RDC, VC++, ODBC 18",
    true,
    { InstallPassword: "adminPassword" },
  ],
  ["sccm01-adk", "scripts/sccm/Install-Adk.ps1", "SCCM01: ADK and WinPE add-on", false, { InstallPassword: "adminPassword" }],
  [
    "sccm01-sccm-prereq-download",
    "scripts/sccm/Invoke-SetupDownload.ps1",
    "SCCM01: ConfigMgr setup prerequisites (setupdl)",
    false,
    { InstallPassword: "adminPassword" },
  ],
  ["sccm01-sccm-site-install", "scripts/sccm/Install-SccmSite.ps1", "SCCM01: ConfigMgr primary site PS1", true, { InstallPassword: "adminPassword" }],
  [
    "sccm01-sccm-site-settings",
    "scripts/sccm/Set-SccmSiteSettings.ps1",
    "SCCM01: boundaries, AD System Discovery, accounts, administrators; the MP answers",
    false,
    { NetworkAccessPassword: "networkAccessPassword", ClientPushPassword: "clientPushPassword", InstallPassword: "adminPassword" },
  ],
  ["client01-sccm-client", "scripts/client/Install-SccmClient.ps1", "CLIENT01: ConfigMgr client for site PS1", false, { SharePassword: "adminPassword" }],
  ["client02-sccm-client", "scripts/client/Install-SccmClient.ps1", "CLIENT02: ConfigMgr client for site PS1", false, { SharePassword: "adminPassword" }],
  [
    "dc01-no-secrets",
    "scripts/common/Test-LabNoSecrets.ps1",
    "DC01: no lab secret left on the disk or in a task",
    false,
    {
      AdminPassword: "adminPassword",
      ClientPushPassword: "clientPushPassword",
      DsrmPassword: "dsrmPassword",
      NetworkAccessPassword: "networkAccessPassword",
      SqlServicePassword: "sqlServicePassword",
    },
  ],
  [
    "sccm01-no-secrets",
    "scripts/common/Test-LabNoSecrets.ps1",
    "SCCM01: no lab secret left on the disk or in a task",
    false,
    {
      AdminPassword: "adminPassword",
      ClientPushPassword: "clientPushPassword",
      NetworkAccessPassword: "networkAccessPassword",
      SqlServicePassword: "sqlServicePassword",
    },
  ],
  [
    "client01-no-secrets",
    "scripts/common/Test-LabNoSecrets.ps1",
    "CLIENT01: no lab secret left on the disk or in a task",
    false,
    { AdminPassword: "adminPassword" },
  ],
  [
    "client02-no-secrets",
    "scripts/common/Test-LabNoSecrets.ps1",
    "CLIENT02: no lab secret left on the disk or in a task",
    false,
    { AdminPassword: "adminPassword" },
  ],
];

let dev: Phase[];
beforeEach(() => {
  dev = buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST).phases;
});
const byId = (id: string) => dev.find((p) => p.id === id)!;

test("dev: every phase's script, title, reboot flag and secret parameters", () => {
  expect(dev.map((p) => [p.id, p.script, p.title, p.expectsReboot, p.secretParams])).toEqual(DEV_PHASES);
});

test("dev: the VM, host and files of each phase", () => {
  expect(dev.filter((p) => p.files).map((p) => [p.id, Object.keys(p.files!)])).toEqual([
    ["sccm01-sql-install", ["ConfigurationIni"]],
    ["sccm01-sccm-site-install", ["SetupIni"]],
  ]);
  expect([byId("client02-join").vm, byId("client02-join").host, byId("dc01-dns").host]).toEqual(["CLIENT02", "192.168.122.102", "192.168.56.10"]);
});

test("dev: parameters of the DC, SQL and site-server phases", () => {
  expect(byId("dc01-winrm").params).toEqual({ ExpectedName: "DC01" });
  expect(byId("dc01-domain-ready").params).toEqual({ DomainName: "corp.homelab.test" });
  // The forwarder is libvirt's DNS on default, a network libvirt serves and the DC is on (lab-net is the DC's own DHCP and DNS).
  expect(byId("dc01-dns").params).toEqual({ Forwarder: ["192.168.122.1"], ReverseZone: ["56.168.192.in-addr.arpa", "122.168.192.in-addr.arpa"] });
  // One default gateway per guest (two equal default routes make Windows pick one at random).
  expect(byId("dc01-network").params).toEqual({ Nic: ["52:54:00:69:1b:44|192.168.56.10/24|192.168.56.1", "52:54:00:e8:af:93|192.168.122.10/24|"] });
  expect(byId("sccm01-network").params).toEqual({
    Nic: ["52:54:00:e8:6b:4c|192.168.56.11/24|192.168.56.1", "52:54:00:e9:18:a9|192.168.122.11/24|"],
    DnsServer: ["192.168.56.10"],
  });
  expect(byId("client01-network").params).toEqual({ Nic: ["52:54:00:0d:5a:b7|dhcp|", "52:54:00:3a:5e:3d|dhcp|"], DnsServer: ["192.168.56.10"] });
  // Workstations join into the OU the accounts phase creates.
  expect(byId("client01-join").params).toEqual({
    DomainName: "corp.homelab.test",
    JoinUser: "CORP\\Administrator",
    OuPath: "OU=Workstations,OU=Homelab,DC=corp,DC=homelab,DC=test",
  });
  expect(byId("dc01-accounts").params).toEqual({
    DomainDn: "DC=corp,DC=homelab,DC=test",
    DomainNetbios: "CORP",
    BaseOu: "Homelab",
    ChildOu: ["Servers", "Workstations", "Service Accounts"],
    ServiceAccountOu: "Service Accounts",
    SqlServiceAccount: "svc-sql",
    SqlHost: "SCCM01",
    SqlHostFqdn: "SCCM01.corp.homelab.test",
    NetworkAccessAccount: "svc-cm-naa",
    ClientPushAccount: "svc-cm-push",
  });
  expect(byId("dc01-schema-extension").params).toEqual({ ExtadschPath: "configmgr\\SMSSETUP\\BIN\\X64\\extadsch.exe" });
  // Installers run through the domain-admin runner with their own bound, a share of the phase's.
  expect(byId("sccm01-sql-install").params).toEqual({ MediaPath: "sql2022", InstallUser: "CORP\\Administrator", TimeoutSeconds: "5400" });
  expect(byId("sccm01-sccm-prerequisites").params).toEqual({
    VcRedistX64Path: "vcredist\\vc_redist.x64.exe",
    VcRedistX86Path: "vcredist\\vc_redist.x86.exe",
    OdbcMsiPath: "odbc\\msodbcsql.msi",
    OdbcVersionPrefix: "18.5.",
    InstallUser: "CORP\\Administrator",
    TimeoutSeconds: "1800",
  });
  expect(byId("sccm01-adk").params).toEqual({
    AdkSetupPath: "adk\\adksetup.exe",
    WinPeSetupPath: "adkwinpe\\adkwinpesetup.exe",
    InstallUser: "CORP\\Administrator",
    TimeoutSeconds: "2700",
  });
  expect(byId("sccm01-sccm-prereq-download").params).toEqual({
    SetupDlPath: "configmgr\\SMSSETUP\\BIN\\X64\\setupdl.exe",
    PrerequisitePath: "C:\\Lab\\cm-prereqs",
    MediaPrerequisitePath: "configmgr-prereqs",
    InstallUser: "CORP\\Administrator",
    TimeoutSeconds: "1800",
  });
  expect(byId("sccm01-sccm-site-install").params).toEqual({
    SiteCode: "PS1",
    SetupPath: "configmgr\\SMSSETUP\\BIN\\X64\\setup.exe",
    InstallUser: "CORP\\Administrator",
    TimeoutSeconds: "9000",
  });
  expect(byId("sccm01-sccm-site-settings").params).toEqual({
    SiteCode: "PS1",
    SiteServerFqdn: "SCCM01.corp.homelab.test",
    BoundaryRange: ["dev lab-net|192.168.56.1-192.168.56.254", "dev default|192.168.122.1-192.168.122.254"],
    BoundaryGroup: "dev PS1",
    DomainDn: "DC=corp,DC=homelab,DC=test",
    NetworkAccessAccount: "CORP\\svc-cm-naa",
    ClientPushAccount: "CORP\\svc-cm-push",
    FullAdministrator: "CORP\\Domain Admins",
    InstallUser: "CORP\\Administrator",
    TimeoutSeconds: "3600",
  });
});

test("a lab without a domain gets WinRM, rename and static addresses only; a role-windows VM in a domain is no member", () => {
  const minimal = stackSpec("minimal");
  const spec = { ...minimal, domain: undefined, sccm: undefined };
  const phases = buildPhaseGraph(spec, REPO_MANIFEST).phases;
  expect(phases.map((p) => p.id.replace(/^[^-]+-/, ""))).toEqual([...spec.vms.flatMap(() => ["winrm", "rename"]), ...spec.vms.map(() => "network")]);
  for (const p of phases.filter((x) => x.id.endsWith("-network"))) expect(Object.keys(p.params)).toEqual(["Nic"]);
});

test("the site server and the SQL host must be domain members", () => {
  const spec = structuredClone(stackSpec("split-sql"));
  spec.vms[1].role = "windows";
  expect(() => buildPhaseGraph(spec, REPO_MANIFEST)).toThrow("the site server SCCM01 and the SQL host SQL01 must be domain members (role site-server / sql)");
});

test("a role-windows VM in a domain keeps its own DNS and joins nothing", () => {
  const spec = structuredClone(stackSpec("dev"));
  spec.vms[3].role = "windows";
  const phases = buildPhaseGraph(spec, REPO_MANIFEST).phases;
  const own = phases.filter((p) => p.vm === "CLIENT02");
  expect(own.map((p) => [p.id, p.title, p.after])).toEqual([
    ["client02-winrm", "CLIENT02: WinRM runs a command", []],
    ["client02-rename", "CLIENT02: rename to CLIENT02", ["client02-winrm"]],
    ["client02-network", "CLIENT02: static addresses", ["client02-rename"]],
  ]);
  expect(own[2].params).toEqual({ Nic: ["52:54:00:e5:4f:46|dhcp|", "52:54:00:24:ee:34|dhcp|"] });
});

test("a phase without generated files has no files key at all", () => {
  expect("files" in byId("dc01-winrm")).toBe(false);
  expect("files" in byId("sccm01-sql-install")).toBe(true);
});

test("a domain without SCCM ends with the joins, then each VM's scan for secrets left behind", () => {
  const phases = buildPhaseGraph({ ...stackSpec("dev"), sccm: undefined }, REPO_MANIFEST).phases;
  expect(phases.map((p) => p.id).slice(-7)).toEqual([
    "client01-join",
    "client02-network",
    "client02-join",
    "dc01-no-secrets",
    "sccm01-no-secrets",
    "client01-no-secrets",
    "client02-no-secrets",
  ]);
  expect(phases).toHaveLength(23);
});

test("the ODBC version prefix comes from the manifest, 18.5. when it names none", () => {
  const { loadMediaManifest } = require("../../../media/manifest-schema") as typeof import("../../../media/manifest-schema");
  const manifest = structuredClone(loadMediaManifest());
  const odbc = manifest.entries.find((e) => e.id === "odbc18")!;
  odbc.version = "18.4.";
  expect(buildPhaseGraph(stackSpec("dev"), manifest).phases.find((p) => p.id === "sccm01-sccm-prerequisites")!.params.OdbcVersionPrefix).toBe("18.4.");
  delete (odbc as { version?: string }).version;
  expect(buildPhaseGraph(stackSpec("dev"), manifest).phases.find((p) => p.id === "sccm01-sccm-prerequisites")!.params.OdbcVersionPrefix).toBe("18.5.");
});

describe("topologicalLevels on its own", () => {
  const { topologicalLevels } = require("../../../phases") as typeof import("../../../phases");
  const p = (id: string, after: string[]): Phase => ({
    id,
    vm: "X",
    host: "h",
    user: "Administrator",
    title: id,
    script: "s",
    params: {},
    secretParams: {},
    after,
    expectsReboot: false,
    maxRuns: 1,
    timeoutSeconds: 3600,
    checkpoint: false,
  });
  test("names a missing after and the phase that wants it", () => {
    expect(() => topologicalLevels({ phases: [p("a", []), p("b", ["a", "nope"])] })).toThrow("phase b runs after nope, which is not a phase");
  });
  test("names a cycle from where it closes", () => {
    expect(() => topologicalLevels({ phases: [p("x", []), p("a", ["x", "b"]), p("b", ["a"])] })).toThrow("the phases form a cycle: a -> b -> a");
  });
  test("waves in phase order within a level; a phase after two levels lands after the deeper one", () => {
    const waves = topologicalLevels({ phases: [p("c", ["b"]), p("a", []), p("b", ["a"]), p("d", ["a", "c"]), p("e", [])] });
    expect(waves.map((w) => w.map((x) => x.id))).toEqual([["a", "e"], ["b"], ["c"], ["d"]]);
  });
});
