import { isWindows } from "../../lab";
import { buildPhaseGraph, checkPhaseGraph, Phase, PhaseGraph, topologicalLevels } from "../../phases";
import { requireLabSpec } from "../../lab";
import { clone, stackConfig, stackSpec, STACKS, REPO_MANIFEST } from "../support/stacks";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../support/stacks";
import { DEV_EDGES, SPLIT_SQL_EDGES } from "../support/phase-edges";

const waveOf = (graph: PhaseGraph): Map<string, number> => {
  const m = new Map<string, number>();
  topologicalLevels(graph).forEach((wave, i) => wave.forEach((p) => m.set(p.id, i)));
  return m;
};

/** Every phase that must finish before `id` (transitively). */
function ancestors(graph: PhaseGraph, id: string): Set<string> {
  const byId = new Map(graph.phases.map((p) => [p.id, p]));
  const out = new Set<string>();
  const stack = [...byId.get(id)!.after];
  while (stack.length) {
    const a = stack.pop()!;
    if (out.has(a)) continue;
    out.add(a);
    stack.push(...byId.get(a)!.after);
  }
  return out;
}

const phase = (graph: PhaseGraph, id: string): Phase => {
  const p = graph.phases.find((x) => x.id === id);
  if (!p) throw new Error(`no phase ${id}; have ${graph.phases.map((x) => x.id).join(", ")}`);
  return p;
};

describe.each(STACKS)("phase graph of stack %s", (stack) => {
  const spec = stackSpec(stack);
  // Built per test, not while jest collects the tests: mutation testing attributes the graph code to each test.
  let graph: PhaseGraph;
  beforeEach(() => {
    graph = buildPhaseGraph(spec, REPO_MANIFEST);
  });

  test("is acyclic, every after exists, ids are unique", () => {
    expect(() => checkPhaseGraph(graph)).not.toThrow();
    const waves = waveOf(graph);
    for (const p of graph.phases) for (const a of p.after) expect(waves.get(a)!).toBeLessThan(waves.get(p.id)!);
  });

  test("has phases for every Windows VM and none for Linux VMs", () => {
    const vms = new Set(graph.phases.map((p) => p.vm));
    for (const vm of spec.vms) expect(vms.has(vm.name)).toBe(isWindows(vm));
  });

  test("every phase reaches its VM at the VM's management address and runs an existing script", () => {
    for (const p of graph.phases) {
      expect(p.host).toBe(spec.vms.find((v) => v.name === p.vm)!.managementIp);
      expect(existsSync(join(PROJECT_DIR, p.script))).toBe(true);
    }
  });

  test("the first phase of every Windows VM waits for WinRM; phases on one VM run one at a time", () => {
    for (const vm of spec.vms.filter(isWindows)) {
      const own = graph.phases.filter((p) => p.vm === vm.name);
      expect(own[0].id).toBe(`${vm.name.toLowerCase()}-winrm`);
      expect(own[0].after).toEqual([]);
      const waves = waveOf(graph);
      const levels = own.map((p) => waves.get(p.id)!);
      expect(new Set(levels).size).toBe(levels.length);
    }
  });

  test("secrets are named by config key only, never carried as values", () => {
    const secretKeys = new Set(spec.secrets.map((s) => s.key));
    for (const p of graph.phases) {
      for (const key of Object.values(p.secretParams)) expect(secretKeys.has(key)).toBe(true);
      for (const name of Object.keys(p.params)) expect(name).not.toMatch(/password|secret/i);
    }
  });

  if (spec.domain) {
    test("forest before DNS before every join; joins after the DC's DHCP scopes", () => {
      const dc = spec.domain!.dc.toLowerCase();
      const joins = graph.phases.filter((p) => p.id.endsWith("-join"));
      expect(joins.length).toBe(spec.vms.filter((v) => ["sql", "site-server", "client"].includes(v.role)).length);
      expect(ancestors(graph, `${dc}-dns`).has(`${dc}-ad-forest`)).toBe(true);
      const dhcp = graph.phases.filter((p) => p.id.startsWith(`${dc}-dhcp-`));
      expect(dhcp.length).toBe(spec.networks.filter((n) => n.dhcp?.server === "dc").length);
      for (const j of joins) {
        const before = ancestors(graph, j.id);
        expect(before.has(`${dc}-dns`)).toBe(true);
        for (const d of dhcp) expect(before.has(d.id)).toBe(true);
        expect(j.params).toMatchObject({ DomainName: spec.domain!.fqdn, JoinUser: `${spec.domain!.netbios}\\Administrator` });
        expect(j.secretParams).toEqual({ JoinPassword: "adminPassword" });
        expect(j.expectsReboot).toBe(true);
      }
      const forest = phase(graph, `${dc}-ad-forest`);
      expect(forest.params).toEqual({ DomainName: spec.domain!.fqdn, DomainNetbios: spec.domain!.netbios });
      expect(forest.secretParams).toEqual({ DsrmPassword: "dsrmPassword" });
      expect(forest.expectsReboot).toBe(true);
    });

    test("members use the DC as DNS server", () => {
      const dcVm = spec.vms.find((v) => v.name === spec.domain!.dc)!;
      const dcIps = dcVm.nics.filter((n) => n.addressing === "static").map((n) => n.ip);
      for (const p of graph.phases.filter((x) => x.id.endsWith("-network") && x.vm !== dcVm.name)) {
        expect(dcIps).toContain((p.params.DnsServer as string[])[0]);
      }
    });
  }

  if (spec.sccm) {
    test("SQL and the AD preparation before the site install, the site before the clients", () => {
      const sccm = spec.sccm!;
      const site = sccm.siteServer.toLowerCase();
      const sql = sccm.sqlServer.toLowerCase();
      const dc = spec.domain!.dc.toLowerCase();
      const install = ancestors(graph, `${site}-sccm-site-install`);
      for (const id of [
        `${sql}-sql-install`,
        `${sql}-sql-site-server-access`,
        `${dc}-schema-extension`,
        `${dc}-system-management`,
        `${site}-sccm-prerequisites`,
        `${site}-adk`,
        `${site}-sccm-prereq-download`,
        `${site}-join`,
      ]) {
        expect(install.has(id)).toBe(true);
      }
      expect(ancestors(graph, `${dc}-system-management`).has(`${site}-join`)).toBe(true);
      expect(ancestors(graph, `${sql}-sql-install`).has(`${dc}-accounts`)).toBe(true);
      const clients = spec.vms.filter((v) => v.role === "client");
      for (const c of clients) {
        const before = ancestors(graph, `${c.name.toLowerCase()}-sccm-client`);
        expect(before.has(`${site}-sccm-site-install`)).toBe(true);
        expect(before.has(`${site}-sccm-site-settings`)).toBe(true);
        expect(before.has(`${c.name.toLowerCase()}-join`)).toBe(true);
      }
      const siteInstall = phase(graph, `${site}-sccm-site-install`);
      expect(siteInstall.params.SiteCode).toBe(sccm.siteCode);
      expect(siteInstall.files?.SetupIni).toContain(`SiteCode=${sccm.siteCode}`);
      expect(siteInstall.secretParams).toEqual({ InstallPassword: "adminPassword" });
      const access = phase(graph, `${sql}-sql-site-server-access`);
      expect(access.params).toEqual({
        SiteServerAccount: `${spec.domain!.netbios}\\${spec.vms.find((v) => v.name === sccm.siteServer)!.hostname}$`,
        LocalAdmin: sccm.sqlColocated ? "false" : "true",
        RemoteSiteServer: sccm.sqlColocated ? "false" : "true",
      });
      // Get-ADComputer -Identity takes the computer (host) name, not the lab's VM name.
      expect(phase(graph, `${dc}-system-management`).params).toEqual({
        DomainDn: spec.domain!.dn,
        SiteServer: spec.vms.find((v) => v.name === sccm.siteServer)!.hostname,
      });
    });

    test("independent client phases share a wave", () => {
      const clients = spec.vms.filter((v) => v.role === "client").map((v) => v.name.toLowerCase());
      const waves = waveOf(graph);
      for (const step of ["winrm", "rename", "join", "sccm-client"]) {
        const levels = new Set(clients.map((c) => waves.get(`${c}-${step}`)));
        expect(levels.size).toBe(1);
      }
    });
  }
});

test("dev runs CLIENT01 and CLIENT02 in the same waves, and the site server's SQL on the site server", () => {
  const graph = buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST);
  const waves = topologicalLevels(graph).map((w) => w.map((p) => p.id));
  expect(waves.some((w) => w.includes("client01-sccm-client") && w.includes("client02-sccm-client"))).toBe(true);
  expect(waves.some((w) => w.includes("client01-join") && w.includes("client02-join"))).toBe(true);
  expect(phase(graph, "sccm01-sql-install").vm).toBe("SCCM01");
  expect(phase(graph, "dc01-dhcp-lab-net").params).toMatchObject({
    StartRange: "192.168.56.100",
    EndRange: "192.168.56.200",
    Router: "192.168.56.1",
    DnsServer: ["192.168.56.10"],
  });
});

test("split-sql installs SQL on SQL01 and gives SCCM01$ local administrator there", () => {
  const graph = buildPhaseGraph(stackSpec("split-sql"), REPO_MANIFEST);
  expect(phase(graph, "sql01-sql-install").vm).toBe("SQL01");
  expect(phase(graph, "sql01-sql-site-server-access").params).toEqual({ SiteServerAccount: "SPLIT\\SCCM01$", LocalAdmin: "true", RemoteSiteServer: "true" });
  expect(graph.phases.some((p) => p.id === "sccm01-sql-install")).toBe(false);
});

test("linux has no phases", () => {
  expect(buildPhaseGraph(stackSpec("linux"), REPO_MANIFEST).phases).toEqual([]);
});

test("a VM without a management address is refused with the fix", () => {
  const spec = clone(stackSpec("minimal"));
  spec.vms[1].managementIp = undefined;
  expect(() => buildPhaseGraph(spec, REPO_MANIFEST)).toThrow(/CLIENT01 has no management address: give one NIC a static ip:/);
});

describe("graph checks fail on bad graphs", () => {
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
  test("a cycle is named", () => {
    expect(() => checkPhaseGraph({ phases: [p("a", ["c"]), p("b", ["a"]), p("c", ["b"])] })).toThrow(/cycle: a -> c -> b -> a/);
  });
  test("a missing after is named", () => {
    expect(() => checkPhaseGraph({ phases: [p("a", []), p("b", ["nope"])] })).toThrow(/phase b runs after nope, which is not a phase/);
  });
  test("a repeated id is named", () => {
    expect(() => checkPhaseGraph({ phases: [p("a", []), p("a", [])] })).toThrow(/phase id a appears twice/);
  });
  test("waves group independent phases", () => {
    const waves = topologicalLevels({ phases: [p("a", []), p("b", []), p("c", ["a", "b"]), p("d", ["a"])] });
    expect(waves.map((w) => w.map((x) => x.id))).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
  });
});

// Every edge of the graph, written out, for the two SCCM layouts. The fixture gives every VM a host
// name other than its VM name (H-<name>), so a phase that uses the one where the other belongs fails.
function withHostnames(stack: string) {
  const input = clone(stackConfig(stack));
  for (const vm of input.config.vms as Array<{ name: string; hostname?: string }>) vm.hostname = `H-${vm.name}`;
  return requireLabSpec(input).spec;
}

const edges = (graph: PhaseGraph) => graph.phases.map((p) => [p.id, p.after]);

test("dev: every after edge, with VM names that differ from host names", () => {
  expect(edges(buildPhaseGraph(withHostnames("dev"), REPO_MANIFEST))).toEqual(DEV_EDGES);
  expect(edges(buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST))).toEqual(DEV_EDGES);
});

test("split-sql: every after edge, with VM names that differ from host names", () => {
  expect(edges(buildPhaseGraph(withHostnames("split-sql"), REPO_MANIFEST))).toEqual(SPLIT_SQL_EDGES);
  expect(edges(buildPhaseGraph(stackSpec("split-sql"), REPO_MANIFEST))).toEqual(SPLIT_SQL_EDGES);
});

test("host names, not VM names, go where Windows wants a computer name", () => {
  const dev = buildPhaseGraph(withHostnames("dev"), REPO_MANIFEST);
  expect(phase(dev, "dc01-winrm").params).toEqual({ ExpectedName: "DC01" });
  expect(phase(dev, "sccm01-rename").params).toEqual({ NewName: "H-SCCM01" });
  expect(phase(dev, "dc01-system-management").params).toEqual({ DomainDn: "DC=corp,DC=homelab,DC=test", SiteServer: "H-SCCM01" });
  expect(phase(dev, "sccm01-sql-site-server-access").params).toEqual({ SiteServerAccount: "CORP\\H-SCCM01$", LocalAdmin: "false", RemoteSiteServer: "false" });
  expect(phase(dev, "dc01-accounts").params).toMatchObject({ SqlHost: "H-SCCM01", SqlHostFqdn: "H-SCCM01.corp.homelab.test" });
  expect(phase(dev, "dc01-dhcp-lab-net").params).toMatchObject({ DcFqdn: "H-DC01.corp.homelab.test", DcAddress: "192.168.56.10" });
  expect(phase(dev, "sccm01-sccm-site-settings").params).toMatchObject({ SiteServerFqdn: "H-SCCM01.corp.homelab.test", BoundaryGroup: "dev PS1" });
  expect(phase(dev, "client02-sccm-client").params).toEqual({
    SiteCode: "PS1",
    SiteServer: "H-SCCM01",
    ManagementPoint: "H-SCCM01.corp.homelab.test",
    ShareUser: "CORP\\Administrator",
    LocalAdministrator: ["CORP\\svc-cm-push"],
  });
  const split = buildPhaseGraph(withHostnames("split-sql"), REPO_MANIFEST);
  expect(phase(split, "sql01-sql-site-server-access").params).toEqual({ SiteServerAccount: "SPLIT\\H-SCCM01$", LocalAdmin: "true", RemoteSiteServer: "true" });
  expect(phase(split, "dc01-accounts").params).toMatchObject({ SqlHost: "H-SQL01", SqlHostFqdn: "H-SQL01.split.homelab.test" });
  expect(phase(split, "sql01-sql-site-server-access").title).toBe("SQL01: H-SCCM01$ as sysadmin, local administrator, SMB/RPC and Remote Registry");
  expect(phase(dev, "sccm01-sql-site-server-access").title).toBe("SCCM01: H-SCCM01$ as sysadmin");
  expect(phase(dev, "sccm01-sccm-site-install").params).toMatchObject({ SiteCode: "PS1", InstallUser: "CORP\\Administrator" });
});
