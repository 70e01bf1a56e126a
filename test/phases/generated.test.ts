import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { boundaryRanges, dhcpScopes, dnsSettings, parseIni, sccmSetupIni, sqlConfigurationIni, sqlMaxMemoryMiB, writeIni } from "../../phases";
import { clone, stackSpec, STACKS } from "../support/stacks";

// Golden files: UPDATE_GOLDEN=1 npx jest test/phases rewrites them; review the diff before committing.
const GOLDEN_DIR = join(__dirname, "golden");

function golden(name: string, actual: string): void {
  const file = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`golden file ${file} is missing: run UPDATE_GOLDEN=1 npx jest test/phases and commit it`);
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual, "latin1");
  }
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
      expect(Number(o.SQLMAXMEMORY.replace(/"/g, ""))).toBe(sqlMaxMemoryMiB(sqlVm, sccm.sqlColocated));
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
      expect(ini.SQLConfigOptions).toEqual({ SQLServerName: `${sqlVm.hostname}.${domain.fqdn}`, SQLServerPort: "1433", DatabaseName: `CM_${sccm.siteCode}`, SQLSSBPort: "4022" });
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
    expect(writeIni([["A", [["k", "v"], ["n", 1]]], ["B", [["x", "y z"]]]])).toBe("[A]\r\nk=v\r\nn=1\r\n\r\n[B]\r\nx=y z\r\n");
  });
  test.each([
    ["a repeated key", [["A", [["k", "1"], ["K", "2"]]]], /ini key K appears twice in \[A\]/],
    ["a repeated section", [["A", []], ["a", []]], /ini section \[a\] appears twice/],
    ["a non-ASCII value", [["A", [["SiteName", "Café"]]]], /A\.SiteName is not printable ASCII/],
    ["a line break", [["A", [["k", "a\nb"]]]], /A\.k contains a line break/],
    ["a bad key", [["A", [["1k", "v"]]]], /ini key "1k"/],
  ] as const)("refuses %s", (_what, doc, message) => {
    expect(() => writeIni(doc)).toThrow(message);
  });
  test("a site name with an accent is refused before it reaches setup", () => {
    const spec = clone(stackSpec("dev"));
    spec.sccm!.siteName = "Labor Zürich";
    expect(() => sccmSetupIni(spec)).toThrow(/Options\.SiteName is not printable ASCII/);
  });
});
