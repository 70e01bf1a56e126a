// Edges of the generated parameters and the ini reader (mutation testing of phases/).
import { clone, siteSpec, stackSpec } from "../../support/stacks";
import { boundaryRanges, dhcpScopes, dnsSettings, sccmSetupIni, sqlConfigurationIni } from "../../../phases";
import { IniError, parseIni } from "../../../phases/ini";
import { dnsServerFor, PhaseSpecError } from "../../../phases/lab-facts";

test("the generated files take the site's VMs the spec resolved, not a lookup by name", () => {
  const spec = clone(siteSpec("split-sql"));
  spec.sccm.sqlVm.hostname = "SQLX";
  spec.sccm.sqlVm.memoryBytes = 8 * 2 ** 30;
  spec.sccm.siteServerVm.hostname = "CMX";
  expect(parseIni(sqlConfigurationIni(spec)).OPTIONS.SQLMAXMEMORY).toBe('"6144"');
  expect(parseIni(sccmSetupIni(spec)).SQLConfigOptions.SQLServerName).toBe("SQLX.split.homelab.test");
  expect(parseIni(sccmSetupIni(spec)).Options.SDKServer).toBe("CMX.split.homelab.test");
});

test("error classes carry their names", () => {
  expect(new IniError("x").name).toBe("IniError");
  expect(new PhaseSpecError("x").name).toBe("PhaseSpecError");
});

test("a network without DHCP gets no scope; reserved addresses inside the range are not excluded", () => {
  const spec = clone(stackSpec("dev"));
  delete spec.networks[1].dhcp;
  expect(dhcpScopes(spec).map((s) => [s.network, s.Exclusion])).toEqual([["lab-net", []]]);
});

test("reverse zones come only from the DC's static addresses", () => {
  const spec = clone(stackSpec("dev"));
  spec.vms[0].nics[1].addressing = "reserved";
  // With no static address on default, libvirt's DNS there is no forwarder the DC can use: one outside the lab.
  spec.domain!.forwarders = ["9.9.9.9"];
  expect(dnsSettings(spec)).toEqual({ Forwarder: ["9.9.9.9"], ReverseZone: ["56.168.192.in-addr.arpa"] });
});

test("boundaries cover only networks a client is on", () => {
  const spec = clone(stackSpec("dev"));
  for (const vm of spec.vms.filter((v) => v.role === "client")) vm.nics = [vm.nics[0]];
  expect(boundaryRanges(spec)).toEqual(["dev lab-net|192.168.56.1-192.168.56.254"]);
  for (const vm of spec.vms) if (vm.role === "client") vm.role = "windows";
  expect(boundaryRanges(spec)).toEqual([]);
});

test("a member uses the DC's address on the first network they share", () => {
  const dev = stackSpec("dev");
  const member = { ...dev.vms[2], nics: [{ ...dev.vms[2].nics[0], network: "elsewhere" }, dev.vms[2].nics[1]] };
  expect(dnsServerFor(siteSpec("dev").domain, member)).toBe("192.168.122.10");
});

test("parseIni: a section header is a whole line", () => {
  expect(parseIni("[S]\n[A]x=1\n")).toEqual({ S: { "[A]x": "1" } });
  expect(() => parseIni("[S]\nx[A]\n")).toThrow('line "x[A]" is neither a section nor key=value');
});
