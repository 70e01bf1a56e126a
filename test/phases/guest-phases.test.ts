// Issue 11: what the first real run on Windows would hit. Literal expectations for the documented
// ini keys, the DC's forwarder, the runner's account, the per-phase bounds, checkpoints, reruns
// after a reboot and the closing secret scan.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderNetworkXml } from "../../libvirt/render/network";
import { buildPhaseGraph, checkPhaseGraph, dnsSettings, parseIni, sccmSetupIni } from "../../phases";
import type { Phase, PhaseGraph } from "../../phases";
import { clone, PROJECT_DIR, REPO_MANIFEST, siteSpec, stackSpec, STACKS } from "../support/stacks";

const phase = (graph: PhaseGraph, id: string): Phase => {
  const p = graph.phases.find((x) => x.id === id);
  if (!p) throw new Error(`no phase ${id}; have ${graph.phases.map((x) => x.id).join(", ")}`);
  return p;
};

describe("the ConfigMgr setup ini has every key Microsoft's 'Unattended setup script file keys' marks required", () => {
  test.each(["dev", "split-sql"])("%s", (stack) => {
    const ini = parseIni(sccmSetupIni(siteSpec(stack)));
    expect(ini.Identification).toEqual({ Action: "InstallPrimarySite" });
    for (const key of [
      "ProductID",
      "SiteCode",
      "SiteName",
      "SMSInstallDir",
      "SDKServer",
      "PrerequisiteComp",
      "PrerequisitePath",
      "AdminConsole",
      "JoinCEIP",
      "MobileDeviceLanguage",
      "RoleCommunicationProtocol",
      "ClientsUsePKICertificate",
    ]) {
      expect(ini.Options[key] === undefined ? `Options.${key} missing` : key).toBe(key);
    }
    expect(ini.Options.MobileDeviceLanguage).toBe("0");
    expect(ini.Options.JoinCEIP).toBe("0");
    expect(ini.SABranchOptions).toEqual({ SAActive: "1", CurrentBranch: "1" });
    expect(ini.CloudConnectorOptions).toEqual({ CloudConnector: "0" });
    expect(Object.keys(ini.SQLConfigOptions)).toEqual(expect.arrayContaining(["SQLServerName", "DatabaseName"]));
  });
  test("split-sql points at SQL01 and its own site code", () => {
    const ini = parseIni(sccmSetupIni(siteSpec("split-sql")));
    expect(ini.SQLConfigOptions).toEqual({ SQLServerName: "SQL01.split.homelab.test", SQLServerPort: "1433", DatabaseName: "CM_SP1", SQLSSBPort: "4022" });
    expect(ini.Options.SiteCode).toBe("SP1");
  });
});

describe("the DC forwards DNS to a resolver that exists", () => {
  const expected: Record<string, string[]> = { dev: ["192.168.122.1"], "split-sql": ["192.168.58.1"], minimal: ["192.168.56.1"], nokvm: ["10.59.0.1"] };
  test("every stack with a domain is listed here", () => {
    expect(STACKS.filter((s) => stackSpec(s).domain !== undefined).sort()).toEqual(Object.keys(expected).sort());
  });
  test.each(Object.entries(expected))("%s forwards to %j, where libvirt renders a DNS server and the DC has an address", (stack, forwarders) => {
    const spec = stackSpec(stack);
    expect(dnsSettings(spec).Forwarder).toEqual(forwarders);
    const dc = spec.vms.find((v) => v.name === spec.domain!.dc)!;
    for (const f of forwarders) {
      const network = spec.networks.find((n) => n.gateway === f)!;
      expect(network).toBeDefined();
      // Independent of the phases code: the network XML libvirt gets does not switch its DNS off.
      expect(renderNetworkXml(network)).not.toMatch(/<dns enable="no"\s*\/>|<dns enable='no'\s*\/>/);
      expect(dc.nics.some((nic) => nic.network === network.name && nic.addressing === "static")).toBe(true);
    }
  });
  test("the network where the DC answers DHCP has libvirt's DNS off (the reason its gateway cannot be a forwarder)", () => {
    const spec = stackSpec("dev");
    expect(renderNetworkXml(spec.networks.find((n) => n.name === "lab-net")!)).toMatch(/<dns enable=["']no["']\s*\/>/);
  });
  test("a forwarder on a network whose DNS libvirt does not serve is refused with the config path, the value and the fix", () => {
    const spec = clone(stackSpec("dev"));
    spec.domain!.forwarders = ["192.168.56.1"];
    expect(() => dnsSettings(spec)).toThrow(
      'homelab:domain.forwarders[0] = "192.168.56.1": 192.168.56.1 is the gateway of lab-net, where the DC serves DHCP and libvirt runs no DNS: ' +
        "set homelab:domain.forwarders to 192.168.122.1 (libvirt's DNS on default), or to a resolver outside the lab",
    );
  });
  test("an address inside a lab network that is not its gateway is refused", () => {
    const spec = clone(stackSpec("dev"));
    spec.domain!.forwarders = ["192.168.122.53"];
    expect(() => dnsSettings(spec)).toThrow(
      'homelab:domain.forwarders[0] = "192.168.122.53": 192.168.122.53 is inside network default but is not its gateway 192.168.122.1',
    );
  });
  test("a network the DC has no address on is refused", () => {
    const spec = clone(stackSpec("split-sql"));
    spec.vms.find((v) => v.name === "DC01")!.nics = spec.vms.find((v) => v.name === "DC01")!.nics.filter((n) => n.network !== "mgmt");
    spec.domain!.forwarders = ["192.168.58.1"];
    expect(() => dnsSettings(spec)).toThrow("192.168.58.1 is libvirt's DNS on mgmt, where the DC DC01 has no static address");
  });
  test("a resolver outside every lab network is the user's to name", () => {
    const spec = clone(stackSpec("dev"));
    spec.domain!.forwarders = ["9.9.9.9"];
    expect(dnsSettings(spec).Forwarder).toEqual(["9.9.9.9"]);
  });
});

describe("installers and ConfigMgr cmdlets run as the domain admin through the runner", () => {
  test.each([
    [
      "dev",
      ["sccm01-sql-install", "sccm01-sccm-prerequisites", "sccm01-adk", "sccm01-sccm-prereq-download", "sccm01-sccm-site-install", "sccm01-sccm-site-settings"],
      "CORP\\Administrator",
    ],
    [
      "split-sql",
      ["sql01-sql-install", "sccm01-sccm-prerequisites", "sccm01-adk", "sccm01-sccm-prereq-download", "sccm01-sccm-site-install", "sccm01-sccm-site-settings"],
      "SPLIT\\Administrator",
    ],
  ])("%s", (stack, ids, user) => {
    const graph = buildPhaseGraph(stackSpec(stack), REPO_MANIFEST);
    for (const id of ids) {
      const p = phase(graph, id);
      expect([id, p.params.InstallUser, p.secretParams.InstallPassword]).toEqual([id, user, "adminPassword"]);
    }
  });
  test("site settings make the domain admins Full Administrators", () => {
    expect(phase(buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST), "sccm01-sccm-site-settings").params.FullAdministrator).toBe("CORP\\Domain Admins");
  });
});

describe("per-phase time bounds", () => {
  const dev = buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST);
  test("the long installers have literal bounds (KVM); their scripts get the installer's own share", () => {
    const bounds = Object.fromEntries(dev.phases.filter((p) => p.vm === "SCCM01").map((p) => [p.id, [p.timeoutSeconds, p.params.TimeoutSeconds ?? null]]));
    expect(bounds).toEqual({
      "sccm01-winrm": [3600, null],
      "sccm01-rename": [3600, null],
      "sccm01-network": [3600, null],
      "sccm01-join": [3600, null],
      "sccm01-sql-install": [7200, "5400"],
      "sccm01-sql-site-server-access": [3600, null],
      "sccm01-sccm-prerequisites": [5400, "1800"],
      "sccm01-adk": [6000, "2700"],
      "sccm01-sccm-prereq-download": [7800, "1800"],
      "sccm01-sccm-site-install": [10800, "9000"],
      "sccm01-sccm-site-settings": [7200, "3600"],
      "sccm01-no-secrets": [3600, null],
    });
  });
  test("under domainType qemu (TCG) every bound is ten times longer", () => {
    const spec = clone(stackSpec("dev"));
    spec.libvirt.domainType = "qemu";
    const slow = buildPhaseGraph(spec, REPO_MANIFEST);
    expect(phase(slow, "sccm01-sql-install").timeoutSeconds).toBe(72000);
    expect(phase(slow, "sccm01-sql-install").params.TimeoutSeconds).toBe("54000");
    expect(phase(slow, "sccm01-sccm-site-install").timeoutSeconds).toBe(108000);
    expect(phase(slow, "dc01-winrm").timeoutSeconds).toBe(36000);
    expect(buildPhaseGraph(stackSpec("nokvm"), REPO_MANIFEST).phases.map((p) => p.timeoutSeconds)).toEqual(Array(12).fill(36000));
  });
  test("an installer's own bound leaves room inside its phase's bound", () => {
    for (const p of dev.phases.filter((x) => x.params.TimeoutSeconds !== undefined)) {
      expect(Number(p.params.TimeoutSeconds)).toBeLessThan(p.timeoutSeconds);
    }
  });
});

describe("checkpoints and reruns after a reboot", () => {
  test.each([
    ["dev", ["sccm01-sql-install", "sccm01-sccm-site-install"]],
    ["split-sql", ["sql01-sql-install", "sccm01-sccm-site-install"]],
    ["minimal", []],
  ])("%s marks exactly SQL setup and the site install for a checkpoint", (stack, ids) => {
    expect(
      buildPhaseGraph(stackSpec(stack), REPO_MANIFEST)
        .phases.filter((p) => p.checkpoint)
        .map((p) => p.id),
    ).toEqual(ids);
  });
  test("a phase that may reboot may run three times in a row; the others once", () => {
    const dev = buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST);
    expect(dev.phases.filter((p) => p.maxRuns === 3).map((p) => p.id)).toEqual([
      "dc01-rename",
      "sccm01-rename",
      "client01-rename",
      "client02-rename",
      "dc01-ad-forest",
      "sccm01-join",
      "client01-join",
      "client02-join",
      "sccm01-sql-install",
      "sccm01-sccm-prerequisites",
      "sccm01-sccm-site-install",
    ]);
    for (const p of dev.phases) expect([p.id, p.maxRuns]).toEqual([p.id, p.expectsReboot ? 3 : 1]);
  });
});

describe("joins and the closing secret scan", () => {
  test("with a site, computers join into the lab's OUs, after the OUs exist", () => {
    const dev = buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST);
    expect(phase(dev, "sccm01-join").params.OuPath).toBe("OU=Servers,OU=Homelab,DC=corp,DC=homelab,DC=test");
    expect(phase(dev, "client01-join").params.OuPath).toBe("OU=Workstations,OU=Homelab,DC=corp,DC=homelab,DC=test");
    expect(phase(dev, "client01-join").after).toContain("dc01-accounts");
  });
  test("without a site there are no lab OUs, so the join takes the default container", () => {
    expect(phase(buildPhaseGraph(stackSpec("minimal"), REPO_MANIFEST), "client01-join").params.OuPath).toBeUndefined();
  });
  test("every VM that received a secret ends with a scan for exactly those secrets", () => {
    const dev = buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST);
    const last = (vm: string) => dev.phases.filter((p) => p.vm === vm).slice(-1)[0];
    expect([last("DC01").id, last("DC01").script]).toEqual(["dc01-no-secrets", "scripts/common/Test-LabNoSecrets.ps1"]);
    expect(last("DC01").secretParams).toEqual({
      AdminPassword: "adminPassword",
      ClientPushPassword: "clientPushPassword",
      DsrmPassword: "dsrmPassword",
      NetworkAccessPassword: "networkAccessPassword",
      SqlServicePassword: "sqlServicePassword",
    });
    expect(last("SCCM01").id).toBe("sccm01-no-secrets");
    expect(last("SCCM01").secretParams).toEqual({
      AdminPassword: "adminPassword",
      ClientPushPassword: "clientPushPassword",
      NetworkAccessPassword: "networkAccessPassword",
      SqlServicePassword: "sqlServicePassword",
    });
    expect(last("CLIENT01").id).toBe("client01-no-secrets");
    expect(last("CLIENT01").secretParams).toEqual({ AdminPassword: "adminPassword" });
  });
  test("a lab without a domain passes no secret, so it has no scan", () => {
    for (const stack of STACKS.filter((s) => !stackSpec(s).domain)) {
      expect(buildPhaseGraph(stackSpec(stack), REPO_MANIFEST).phases.filter((p) => p.id.endsWith("-no-secrets"))).toEqual([]);
    }
  });
});

describe("a graph read from a file is checked for the new fields", () => {
  const base = (): Phase => ({
    id: "a",
    vm: "X",
    host: "h",
    user: "Administrator",
    title: "a",
    script: "s",
    params: {},
    secretParams: {},
    after: [],
    expectsReboot: false,
    maxRuns: 1,
    timeoutSeconds: 3600,
    checkpoint: false,
  });
  test("a complete phase passes", () => {
    expect(() => checkPhaseGraph({ phases: [base()] })).not.toThrow();
  });
  test.each([
    ["maxRuns 0", { maxRuns: 0 }, "phase a has maxRuns 0: it must be a whole number of at least 1 (render the graph again)"],
    ["no maxRuns", { maxRuns: undefined }, "phase a has maxRuns undefined"],
    ["timeoutSeconds 5", { timeoutSeconds: 5 }, "phase a has timeoutSeconds 5: it must be a whole number of at least 60"],
    ['checkpoint "yes"', { checkpoint: "yes" }, 'phase a has checkpoint "yes": it must be true or false'],
    ["no user", { user: undefined }, "phase a has user undefined: it must name the account WinRM logs on with (render the graph again)"],
    ['user ""', { user: "" }, 'phase a has user "": it must name the account WinRM logs on with (render the graph again)'],
    ["a rebooting phase that may run once", { expectsReboot: true, maxRuns: 1 }, "phase a may reboot but maxRuns is 1: it needs at least 2 runs"],
  ])("%s is refused", (_what, change, message) => {
    expect(() => checkPhaseGraph({ phases: [{ ...base(), ...change } as unknown as Phase] })).toThrow(message);
  });
});

test("the README's Guest phases section states the bounds the graph uses", () => {
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
  const dev = buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST);
  const stated = /SQL (\d+), ADK (\d+), setupdl (\d+), prerequisites (\d+), site install (\d+), site\s+settings (\d+), client (\d+)\)/.exec(readme);
  expect(stated).not.toBeNull();
  const ids = [
    "sccm01-sql-install",
    "sccm01-adk",
    "sccm01-sccm-prereq-download",
    "sccm01-sccm-prerequisites",
    "sccm01-sccm-site-install",
    "sccm01-sccm-site-settings",
    "client01-sccm-client",
  ];
  expect(stated!.slice(1).map(Number)).toEqual(ids.map((id) => phase(dev, id).timeoutSeconds));
});
