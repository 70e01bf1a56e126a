// The LabSpec carries what validation proved (issue 16 §3): the DC, the site server and the SQL host
// resolved to the spec's own VM objects, each with its management address, so that phases/ looks
// nothing up by name and re-checks nothing.
import { hasSite } from "../../lab";
import { siteSpec, stackSpec } from "../support/stacks";

const vm = (spec: { vms: { name: string }[] }, name: string) => spec.vms.find((v) => v.name === name);

test("split-sql: the DC, the site server and the SQL host are the VMs of the spec, with their addresses", () => {
  const spec = siteSpec("split-sql");
  expect(spec.domain.dcVm).toBe(vm(spec, "DC01"));
  expect(spec.sccm.siteServerVm).toBe(vm(spec, "SCCM01"));
  expect(spec.sccm.sqlVm).toBe(vm(spec, "SQL01"));
  expect([spec.domain.dcVm.managementIp, spec.sccm.siteServerVm.managementIp, spec.sccm.sqlVm.managementIp]).toEqual([
    "192.168.57.10",
    "192.168.57.11",
    "192.168.57.12",
  ]);
});

test("dev: SQL on the site server is one VM", () => {
  const spec = siteSpec("dev");
  expect(spec.sccm.sqlVm).toBe(spec.sccm.siteServerVm);
  expect(spec.sccm.sqlVm.name).toBe("SCCM01");
});

test("a clone keeps the resolved VMs the same objects as its vms", () => {
  const spec = structuredClone(siteSpec("dev"));
  expect(spec.domain.dcVm).toBe(vm(spec, "DC01"));
});

test("minimal has a domain and no site; linux has neither", () => {
  const minimal = stackSpec("minimal");
  expect(hasSite(minimal)).toBe(false);
  expect(minimal.domain?.dcVm.name).toBe("DC01");
  expect(stackSpec("linux").domain).toBeUndefined();
});
