import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadLabSpec, projectDefaults } from "../../lab";
import { scalarSchemas } from "../../lab/schema";
import { PROJECT_DIR, STACKS, stackConfig, stackSpec } from "../support/stacks";

describe("stack configs", () => {
  it("has the reference lab and at least three more variants", () => {
    expect(STACKS).toEqual(expect.arrayContaining(["dev", "minimal", "split-sql", "linux"]));
  });

  it.each(STACKS)("%s loads into a LabSpec with no errors", (stack) => {
    const result = loadLabSpec(stackConfig(stack));
    if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
    expect(result.spec.stack).toBe(stack);
    expect(result.spec.vms.length).toBeGreaterThan(0);
  });

  it("Pulumi.yaml declares the same defaults as the schema", () => {
    const declared = projectDefaults(PROJECT_DIR);
    for (const [key, schema] of Object.entries(scalarSchemas)) {
      expect({ key, value: declared[key] }).toEqual({ key, value: schema.parse(undefined) });
    }
  });
});

describe("the dev lab", () => {
  const spec = stackSpec("dev");
  const vm = (name: string) => spec.vms.find((v) => v.name === name)!;

  it("has the networks the README shows", () => {
    expect(spec.networks.map((n) => [n.name, n.bridge, n.subnet, n.mode])).toEqual([
      ["lab-net", "virbr56", "192.168.56.0/24", "nat"],
      ["default", "virbr0", "192.168.122.0/24", "nat"],
    ]);
    const lab = spec.networks[0];
    expect(lab.dhcp).toEqual({ start: "192.168.56.100", end: "192.168.56.200", server: "dc" });
    expect(spec.pool).toMatchObject({ name: "homelab", type: "dir", path: "/var/lib/libvirt/images/homelab" });
  });

  it("sizes and places the four VMs", () => {
    expect(spec.vms.map((v) => [v.name, v.role, v.os, v.vcpus, v.memoryBytes / 2 ** 20, v.diskBytes / 2 ** 30, v.managementIp])).toEqual([
      ["DC01", "dc", "windows-server-2022", 2, 2048, 60, "192.168.56.10"],
      ["SCCM01", "site-server", "windows-server-2022", 4, 8192, 100, "192.168.56.11"],
      ["CLIENT01", "client", "windows-11", 2, 4096, 64, "192.168.122.101"],
      ["CLIENT02", "client", "windows-11", 2, 4096, 64, "192.168.122.102"],
    ]);
    for (const v of spec.vms) {
      expect(v.nics.map((n) => n.network)).toEqual(["lab-net", "default"]);
      expect(v).toMatchObject({ firmware: { uefi: true, secureBoot: true }, tpm: true, template: "windows", diskBus: "sata" });
      expect(v.nvramPath).toBe(`/var/lib/libvirt/qemu/nvram/${v.name}_VARS.fd`);
      expect(v.isos.install).toMatch(/^\/var\/lib\/libvirt\/iso\//);
    }
  });

  it("keeps the UUID given in the config and derives the others", () => {
    expect(vm("DC01").uuid).toBe("5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01");
    expect(vm("SCCM01").uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("collects DHCP reservations per network from the clients' NICs", () => {
    const [lab, mgmt] = spec.networks;
    expect(lab.reservations.map((r) => [r.name, r.ip])).toEqual([
      ["CLIENT01", "192.168.56.101"],
      ["CLIENT02", "192.168.56.102"],
    ]);
    expect(mgmt.reservations.map((r) => [r.name, r.ip, r.mac])).toEqual([
      ["CLIENT01", "192.168.122.101", vm("CLIENT01").nics[1].mac],
      ["CLIENT02", "192.168.122.102", vm("CLIENT02").nics[1].mac],
    ]);
  });

  it("describes the domain, the site and the secrets it needs", () => {
    expect(spec.domain).toEqual({
      fqdn: "corp.homelab.test",
      netbios: "CORP",
      dn: "DC=corp,DC=homelab,DC=test",
      dc: "DC01",
      dcVm: spec.vms[0],
      forwarders: ["192.168.122.1"],
    });
    expect(spec.sccm).toEqual({
      siteCode: "PS1",
      siteName: "Homelab Primary Site",
      siteServer: "SCCM01",
      sqlServer: "SCCM01",
      sqlColocated: true,
      siteServerVm: spec.vms[1],
      sqlVm: spec.vms[1],
    });
    expect(spec.secrets.map((s) => s.key)).toEqual(["adminPassword", "dsrmPassword", "sqlServicePassword", "networkAccessPassword", "clientPushPassword"]);
    expect(spec.guest).toEqual({ phases: true, transport: "ntlm", port: 5985, user: "Administrator", install: "unattended", checkpoints: "auto" });
  });

  it("attaches the media ISO only to the VMs whose phases install from it", () => {
    expect(spec.vms.map((v) => [v.name, v.isos.media])).toEqual([
      ["DC01", "/var/lib/libvirt/iso/homelab-media.iso"],
      ["SCCM01", "/var/lib/libvirt/iso/homelab-media.iso"],
      ["CLIENT01", undefined],
      ["CLIENT02", undefined],
    ]);
  });
});

describe("the other variants", () => {
  it("split-sql puts SQL on its own VM", () => {
    const spec = stackSpec("split-sql");
    expect(spec.sccm).toMatchObject({ siteServer: "SCCM01", sqlServer: "SQL01", sqlColocated: false });
  });

  it("linux has no domain, no site and no Windows", () => {
    const spec = stackSpec("linux");
    expect(spec.domain).toBeUndefined();
    expect(spec.sccm).toBeUndefined();
    expect(spec.vms.every((v) => v.template === "linux" && v.nics.every((n) => n.model === "virtio") && !v.tpm)).toBe(true);
    expect(spec.secrets).toEqual([]);
  });

  it("minimal has a DC and one client", () => {
    expect(stackSpec("minimal").vms.map((v) => v.role)).toEqual(["dc", "client"]);
  });
});

describe("homelab:guestPhases per stack file", () => {
  // On by default (issue 12); linux has no Windows to run them on, nokvm keeps them off since Windows
  // Setup alone takes hours under software emulation (each file says why).
  it.each([
    ["dev", true],
    ["minimal", true],
    ["split-sql", true],
    ["linux", false],
    ["nokvm", false],
  ])("%s: phases %s", (stack, phases) => {
    expect(stackSpec(stack).guest.phases).toBe(phases);
  });

  it("states it in the file only where it differs from Pulumi.yaml's default (true)", () => {
    const stated = (stack: string) =>
      (parse(readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8")).config as Record<string, unknown>)["homelab:guestPhases"];
    expect(["dev", "minimal", "split-sql", "linux", "nokvm"].map(stated)).toEqual([undefined, undefined, undefined, false, false]);
    expect((parse(readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8")).config.guestPhases as { default: unknown }).default).toBe(true);
  });
});
