import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { boundaryRanges, dhcpScopes, dnsSettings, parseIni, sccmSetupIni, sqlConfigurationIni, sqlMaxMemoryMiB, writeIni } from "../../phases";
import { clone, siteSpec, stackSpec, STACKS } from "../support/stacks";

// Golden files: UPDATE_GOLDEN=1 npx jest test/phases rewrites them; review the diff before committing.
// A missing golden fails: the code under test must never write the file it is compared with.
const GOLDEN_DIR = join(__dirname, "golden");

function golden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual, "latin1");
  }
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing: run UPDATE_GOLDEN=1 npx jest test/phases, review it and commit it`);
  expect(actual).toBe(readFileSync(file, "latin1"));
}

const isAsciiCrlf = (text: string) => /^[\x20-\x7e\r\n]*$/.test(text) && !/[^\r]\n/.test(text) && !text.startsWith("\ufeff");

describe.each(STACKS)("generated files of stack %s", (stack) => {
  const spec = stackSpec(stack);

  if (spec.sccm && spec.domain) {
    const sccm = spec.sccm;
    const domain = spec.domain;
    const sqlVm = spec.vms.find((v) => v.name === sccm.sqlServer)!;
    const siteVm = spec.vms.find((v) => v.name === sccm.siteServer)!;

    test("SQL ConfigurationFile.ini", () => {
      const text = sqlConfigurationIni(spec);
      golden(`${stack}.sql-ConfigurationFile.ini`, text);
      expect(isAsciiCrlf(text)).toBe(true);
      const o = parseIni(text).OPTIONS;
      expect(o.ACTION).toBe('"Install"');
      expect(o.FEATURES).toBe("SQLENGINE");
      expect(o.SQLCOLLATION).toBe('"SQL_Latin1_General_CP1_CI_AS"');
      expect(o.SQLSVCACCOUNT).toBe(`"${domain.netbios}\\svc-sql"`);
      expect(o.SQLSYSADMINACCOUNTS).toContain(`"${domain.netbios}\\Domain Admins"`);
      expect(o.TCPENABLED).toBe('"1"');
      // dev: SQL shares SCCM01's 8 GiB with the site server, half of it; split-sql: SQL01 has 8 GiB to itself, all but 2 GiB.
      expect(o.SQLMAXMEMORY).toBe(({ dev: '"4096"', "split-sql": '"6144"' } as Record<string, string>)[stack]);
      expect(Number(o.SQLMAXMEMORY.replace(/"/g, ""))).toBeLessThan(sqlVm.memoryBytes / 2 ** 20);
      expect(text).not.toMatch(/PASSWORD/i);
    });

    test("ConfigMgr setup ini", () => {
      const text = sccmSetupIni(spec);
      golden(`${stack}.sccm-setup.ini`, text);
      expect(isAsciiCrlf(text)).toBe(true);
      const ini = parseIni(text);
      expect(ini.Identification).toEqual({ Action: "InstallPrimarySite" });
      expect(text).not.toMatch(/Preview/i);
      expect(ini.Options.SiteCode).toBe(sccm.siteCode);
      expect(ini.Options.SiteName).toBe(sccm.siteName);
      expect(ini.Options.ProductID).toBe("EVAL");
      expect(ini.Options.PrerequisiteComp).toBe("1");
      expect(ini.Options.PrerequisitePath).toBe("C:\\Lab\\cm-prereqs");
      expect(ini.Options.SMSInstallDir).toBe("C:\\Program Files\\Microsoft Configuration Manager");
      const siteFqdn = `${siteVm.hostname}.${domain.fqdn}`;
      expect(ini.Options.SDKServer).toBe(siteFqdn);
      expect(ini.Options.ManagementPoint).toBe(siteFqdn);
      expect(ini.Options.DistributionPoint).toBe(siteFqdn);
      expect(ini.SQLConfigOptions).toEqual({
        SQLServerName: `${sqlVm.hostname}.${domain.fqdn}`,
        SQLServerPort: "1433",
        DatabaseName: `CM_${sccm.siteCode}`,
        SQLSSBPort: "4022",
      });
      expect(ini.CloudConnectorOptions).toEqual({ CloudConnector: "0" });
    });

    test("ConfigMgr boundaries cover every client network", () => {
      const ranges = boundaryRanges(spec);
      golden(`${stack}.sccm-boundaries.json`, JSON.stringify(ranges, null, 2) + "\n");
      const clientNets = new Set(spec.vms.filter((v) => v.role === "client").flatMap((v) => v.nics.map((n) => n.network)));
      expect(ranges).toHaveLength(clientNets.size);
      for (const vm of spec.vms.filter((v) => v.role === "client")) {
        for (const nic of vm.nics) {
          const r = ranges.find((x) => x.startsWith(`${stack} ${nic.network}|`))!;
          const [first, last] = r.split("|")[1].split("-");
          const n = (ip: string) => ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
          expect(n(nic.ip!)).toBeGreaterThanOrEqual(n(first));
          expect(n(nic.ip!)).toBeLessThanOrEqual(n(last));
        }
      }
    });
  }

  if (spec.domain) {
    test("DNS parameters", () => {
      const dns = dnsSettings(spec);
      golden(`${stack}.dns.json`, JSON.stringify(dns, null, 2) + "\n");
      expect(dns.Forwarder).toEqual(spec.domain!.forwarders);
      const dc = spec.vms.find((v) => v.name === spec.domain!.dc)!;
      expect(dns.ReverseZone).toHaveLength(dc.nics.filter((n) => n.addressing === "static").length);
      for (const zone of dns.ReverseZone) expect(zone).toMatch(/^(\d+\.)+in-addr\.arpa$/);
    });

    test("DHCP scopes: only networks served by the DC, with the spec's range and reservations", () => {
      const scopes = dhcpScopes(spec);
      golden(`${stack}.dhcp.json`, JSON.stringify(scopes, null, 2) + "\n");
      const served = spec.networks.filter((n) => n.dhcp?.server === "dc");
      expect(scopes.map((s) => s.network)).toEqual(served.map((n) => n.name));
      for (const [i, n] of served.entries()) {
        const s = scopes[i];
        expect([s.StartRange, s.EndRange, s.SubnetMask, s.Router]).toEqual([n.dhcp!.start, n.dhcp!.end, n.netmask, n.gateway]);
        expect(s.ScopeId).toBe(n.subnet.split("/")[0]);
        expect(s.DnsDomain).toBe(spec.domain!.fqdn);
        expect(s.Reservation).toEqual(n.reservations.map((r) => `${r.mac}|${r.ip}|${r.name}`));
        expect(s.Reservation.length).toBeGreaterThan(0);
      }
    });
  }
});

test("dev's DNS forwarder is libvirt's DNS on the management network and its reverse zones name both subnets", () => {
  expect(dnsSettings(stackSpec("dev"))).toEqual({ Forwarder: ["192.168.122.1"], ReverseZone: ["56.168.192.in-addr.arpa", "122.168.192.in-addr.arpa"] });
});

test("SQL memory: half of a shared VM, all but 2 GiB of a dedicated one, at least 2 GiB", () => {
  const vm = clone(stackSpec("dev").vms[1]);
  expect(sqlMaxMemoryMiB({ ...vm, memoryBytes: 8192 * 2 ** 20 }, true)).toBe(4096);
  expect(sqlMaxMemoryMiB({ ...vm, memoryBytes: 8192 * 2 ** 20 }, false)).toBe(6144);
  expect(sqlMaxMemoryMiB({ ...vm, memoryBytes: 3072 * 2 ** 20 }, true)).toBe(2048);
});

describe("the ini writer", () => {
  test("writes sections and keys with CRLF", () => {
    expect(
      writeIni([
        [
          "A",
          [
            ["k", "v"],
            ["n", 1],
          ],
        ],
        ["B", [["x", "y z"]]],
      ]),
    ).toBe("[A]\r\nk=v\r\nn=1\r\n\r\n[B]\r\nx=y z\r\n");
  });
  test.each([
    [
      "a repeated key",
      [
        [
          "A",
          [
            ["k", "1"],
            ["K", "2"],
          ],
        ],
      ],
      /ini key K appears twice in \[A\]/,
    ],
    [
      "a repeated section",
      [
        ["A", []],
        ["a", []],
      ],
      /ini section \[a\] appears twice/,
    ],
    ["a non-ASCII value", [["A", [["SiteName", "Café"]]]], /A\.SiteName is not printable ASCII/],
    ["a line break", [["A", [["k", "a\nb"]]]], /A\.k contains a line break/],
    ["a bad key", [["A", [["1k", "v"]]]], /ini key "1k"/],
  ] as const)("refuses %s", (_what, doc, message) => {
    expect(() => writeIni(doc)).toThrow(message);
  });
  test("a site name with an accent is refused before it reaches setup", () => {
    const spec = clone(siteSpec("dev"));
    spec.sccm.siteName = "Labor Zürich";
    expect(() => sccmSetupIni(spec)).toThrow(/Options\.SiteName is not printable ASCII/);
  });
});

// The full key sets, written out from Microsoft's documents, so that a misspelled, dropped or added
// key fails here even if a golden file is regenerated.
describe("the setup files of the dev stack, key by key", () => {
  test("SQL Server ConfigurationFile.ini", () => {
    // Keys and values: learn.microsoft.com/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt
    // ("Installation parameters"; SQLMAXMEMORY and SQLMINMEMORY exist since SQL Server 2019), the file format from
    // ".../install-sql-server-using-a-configuration-file" (one [OPTIONS] section). ConfigMgr requires the collation
    // SQL_Latin1_General_CP1_CI_AS (learn.microsoft.com/mem/configmgr/core/plan-design/configs/support-for-sql-server-versions).
    const text = sqlConfigurationIni(siteSpec("dev"));
    expect(Object.keys(parseIni(text))).toEqual(["OPTIONS"]);
    const options = parseIni(text).OPTIONS;
    expect(Object.entries(options)).toEqual([
      ["ACTION", '"Install"'],
      ["QUIET", '"True"'],
      ["IACCEPTSQLSERVERLICENSETERMS", '"True"'],
      ["ENU", '"True"'],
      ["UPDATEENABLED", '"False"'],
      ["FEATURES", "SQLENGINE"],
      ["INSTANCENAME", '"MSSQLSERVER"'],
      ["INSTANCEID", '"MSSQLSERVER"'],
      ["SQLCOLLATION", '"SQL_Latin1_General_CP1_CI_AS"'],
      ["SQLSVCACCOUNT", '"CORP\\svc-sql"'],
      ["SQLSVCSTARTUPTYPE", '"Automatic"'],
      ["AGTSVCSTARTUPTYPE", '"Automatic"'],
      ["SQLSYSADMINACCOUNTS", '"CORP\\Domain Admins" "BUILTIN\\Administrators"'],
      ["TCPENABLED", '"1"'],
      ["NPENABLED", '"0"'],
      ["BROWSERSVCSTARTUPTYPE", '"Disabled"'],
      ["SQLMAXMEMORY", '"4096"'],
      ["SQLMINMEMORY", '"0"'],
    ]);
    expect(text.startsWith('[OPTIONS]\r\nACTION="Install"\r\n')).toBe(true);
  });

  test("split-sql's SQL ini names its own domain and caps a dedicated 8 GiB SQL VM at 6144 MiB", () => {
    const options = parseIni(sqlConfigurationIni(siteSpec("split-sql"))).OPTIONS;
    expect([options.SQLSVCACCOUNT, options.SQLSYSADMINACCOUNTS, options.SQLMAXMEMORY]).toEqual([
      '"SPLIT\\svc-sql"',
      '"SPLIT\\Domain Admins" "BUILTIN\\Administrators"',
      '"6144"',
    ]);
  });

  test("ConfigMgr setup ini", () => {
    // Sections and keys: learn.microsoft.com/mem/configmgr/core/servers/deploy/install/command-line-options-for-setup
    // ("Unattended setup script file keys", "Install a primary site"): SQLServerPort defaults to 1433 and the
    // SQL Server Service Broker port SQLSSBPort to 4022; ProductID EVAL installs the evaluation edition.
    const ini = parseIni(sccmSetupIni(siteSpec("dev")));
    expect(Object.keys(ini)).toEqual(["Identification", "Options", "SQLConfigOptions", "CloudConnectorOptions", "SABranchOptions"]);
    expect(Object.entries(ini.Identification)).toEqual([["Action", "InstallPrimarySite"]]);
    expect(Object.entries(ini.Options)).toEqual([
      ["ProductID", "EVAL"],
      ["SiteCode", "PS1"],
      ["SiteName", "Homelab Primary Site"],
      ["SMSInstallDir", "C:\\Program Files\\Microsoft Configuration Manager"],
      ["SDKServer", "SCCM01.corp.homelab.test"],
      ["RoleCommunicationProtocol", "HTTPorHTTPS"],
      ["ClientsUsePKICertificate", "0"],
      ["PrerequisiteComp", "1"],
      ["PrerequisitePath", "C:\\Lab\\cm-prereqs"],
      ["ManagementPoint", "SCCM01.corp.homelab.test"],
      ["ManagementPointProtocol", "HTTP"],
      ["DistributionPoint", "SCCM01.corp.homelab.test"],
      ["DistributionPointProtocol", "HTTP"],
      ["DistributionPointInstallIIS", "1"],
      ["AdminConsole", "1"],
      ["JoinCEIP", "0"],
      // Required for a primary site by the same page; 0 installs no extra mobile-device languages.
      ["MobileDeviceLanguage", "0"],
    ]);
    expect(Object.entries(ini.SQLConfigOptions)).toEqual([
      ["SQLServerName", "SCCM01.corp.homelab.test"],
      ["SQLServerPort", "1433"],
      ["DatabaseName", "CM_PS1"],
      ["SQLSSBPort", "4022"],
    ]);
    expect(Object.entries(ini.CloudConnectorOptions)).toEqual([["CloudConnector", "0"]]);
    // [SABranchOptions] is required for current branch: SAActive (Software Assurance) and CurrentBranch.
    expect(Object.entries(ini.SABranchOptions)).toEqual([
      ["SAActive", "1"],
      ["CurrentBranch", "1"],
    ]);
  });

  test("split-sql's setup ini points at the SQL VM, not the site server", () => {
    const ini = parseIni(sccmSetupIni(siteSpec("split-sql")));
    expect([ini.Options.SiteCode, ini.Options.SDKServer, ini.SQLConfigOptions.SQLServerName, ini.SQLConfigOptions.DatabaseName]).toEqual([
      "SP1",
      "SCCM01.split.homelab.test",
      "SQL01.split.homelab.test",
      "CM_SP1",
    ]);
  });
});

test("SQL memory at the 2 GiB floor: 4 GiB shared or dedicated, 3 GiB dedicated", () => {
  const vm = clone(stackSpec("dev").vms[1]);
  expect(sqlMaxMemoryMiB({ ...vm, memoryBytes: 4096 * 2 ** 20 }, true)).toBe(2048);
  expect(sqlMaxMemoryMiB({ ...vm, memoryBytes: 4096 * 2 ** 20 }, false)).toBe(2048);
  expect(sqlMaxMemoryMiB({ ...vm, memoryBytes: 3072 * 2 ** 20 }, false)).toBe(2048);
  expect(sqlMaxMemoryMiB({ ...vm, memoryBytes: 16384 * 2 ** 20 }, true)).toBe(8192);
  expect(sqlMaxMemoryMiB({ ...vm, memoryBytes: 16384 * 2 ** 20 }, false)).toBe(14336);
});
