import { loadLabSpec } from "../../lab";
import type { StackConfig } from "../../lab";
import { clone, stackConfig } from "../support/stacks";

type Config = Record<string, any>;
const dev = stackConfig("dev");

function withChange(change: (c: Config) => void, secretKeys?: Set<string>): StackConfig {
  const input = clone(dev);
  change(input.config);
  return { ...input, secretKeys: secretKeys ?? input.secretKeys };
}

const vm = (c: Config, i: number) => c.vms[i];
const net = (c: Config, i: number) => c.networks[i];

// [description, change, expected path, expected text in the message]
const CASES: Array<[string, (c: Config) => void, string, string | RegExp]> = [
  ["VM name with a space", (c) => { vm(c, 1).name = "SCCM 01"; }, "homelab:vms[1].name", "libvirt-safe"],
  ["duplicate VM name", (c) => { vm(c, 3).name = "CLIENT01"; vm(c, 3).hostname = "CLIENT09"; }, "homelab:vms[3].name", "already used at homelab:vms[2].name"],
  ["Windows hostname over 15 characters", (c) => { vm(c, 2).hostname = "CLIENT-WORKSTATION-1"; }, "homelab:vms[2].hostname", "15"],
  ["Windows hostname with a dot", (c) => { vm(c, 2).hostname = "CLIENT.01"; }, "homelab:vms[2].hostname", "NetBIOS"],
  ["all-digit Windows hostname", (c) => { vm(c, 2).hostname = "12345"; }, "homelab:vms[2].hostname", "all digits"],
  ["duplicate hostname", (c) => { vm(c, 3).hostname = "client01"; }, "homelab:vms[3].hostname", "already used"],
  ["network name with a slash", (c) => { net(c, 0).name = "lab/net"; }, "homelab:networks[0].name", "libvirt-safe"],
  ["duplicate network name", (c) => { net(c, 1).name = "lab-net"; }, "homelab:networks[1].name", "already used"],
  ["bridge name over 15 characters", (c) => { net(c, 0).bridge = "virbr-homelab-lab0"; }, "homelab:networks[0].bridge", "15 characters"],
  ["duplicate bridge", (c) => { net(c, 1).bridge = "virbr56"; }, "homelab:networks[1].bridge", "already used"],
  ["subnet not in CIDR form", (c) => { net(c, 0).subnet = "192.168.56.0"; }, "homelab:networks[0].subnet", "CIDR"],
  ["subnet with host bits set", (c) => { net(c, 0).subnet = "192.168.56.1/24"; }, "homelab:networks[0].subnet", "first address of the subnet"],
  ["overlapping subnets", (c) => { net(c, 1).subnet = "192.168.0.0/16"; net(c, 1).gateway = "192.168.0.1"; net(c, 1).dhcp = { start: "192.168.200.1", end: "192.168.200.9", server: "libvirt" }; }, "homelab:networks[1].subnet", "overlaps lab-net"],
  ["gateway outside the subnet", (c) => { net(c, 0).gateway = "192.168.57.1"; }, "homelab:networks[0].gateway", "not a host address"],
  ["gateway is the broadcast address", (c) => { net(c, 0).gateway = "192.168.56.255"; }, "homelab:networks[0].gateway", "not a host address"],
  ["DHCP start outside the subnet", (c) => { net(c, 0).dhcp.start = "192.168.55.100"; }, "homelab:networks[0].dhcp.start", "outside lab-net 192.168.56.0/24"],
  ["DHCP end outside the subnet", (c) => { net(c, 0).dhcp.end = "192.168.57.10"; }, "homelab:networks[0].dhcp.end", "outside lab-net"],
  ["DHCP range backwards", (c) => { net(c, 0).dhcp = { start: "192.168.56.200", end: "192.168.56.100", server: "dc" }; }, "homelab:networks[0].dhcp", "backwards"],
  ["DHCP range holds the gateway", (c) => { net(c, 0).dhcp.start = "192.168.56.1"; }, "homelab:networks[0].dhcp", "contains the gateway"],
  ["unknown DHCP server", (c) => { net(c, 0).dhcp.server = "windows"; }, "homelab:networks[0].dhcp.server", "libvirt"],
  ["unknown network mode", (c) => { net(c, 0).mode = "bridge"; }, "homelab:networks[0].mode", "nat, route or isolated"],
  ["malformed network MAC", (c) => { net(c, 0).mac = "52:54:00:zz:00:01"; }, "homelab:networks[0].mac", "not a MAC"],
  ["malformed NIC MAC", (c) => { vm(c, 0).nics[0].mac = "52-54-00-00-00-01"; }, "homelab:vms[0].nics[0].mac", "not a MAC"],
  ["multicast NIC MAC", (c) => { vm(c, 0).nics[0].mac = "01:00:5e:00:00:01"; }, "homelab:vms[0].nics[0].mac", "multicast"],
  ["duplicate MAC", (c) => { vm(c, 0).nics[0].mac = "52:54:00:00:00:01"; vm(c, 1).nics[0].mac = "52:54:00:00:00:01"; }, "homelab:vms[1].nics[0].mac", "already used at homelab:vms[0].nics[0].mac"],
  ["malformed UUID", (c) => { vm(c, 0).uuid = "not-a-uuid"; }, "homelab:vms[0].uuid", "not a UUID"],
  ["duplicate UUID", (c) => { vm(c, 1).uuid = vm(c, 0).uuid; }, "homelab:vms[1].uuid", "already used at homelab:vms[0].uuid"],
  ["NIC on an unknown network", (c) => { vm(c, 1).nics[1].network = "mgmt"; }, "homelab:vms[1].nics[1].network", "not a network of this lab"],
  ["static IP outside the subnet", (c) => { vm(c, 1).nics[0].ip = "192.168.57.12"; }, "homelab:vms[1].nics[0].ip", "192.168.57.12 is outside lab-net 192.168.56.0/24"],
  ["static IP inside the DHCP range", (c) => { vm(c, 1).nics[0].ip = "192.168.56.150"; }, "homelab:vms[1].nics[0].ip", "inside lab-net's DHCP range"],
  ["static IP equal to the gateway", (c) => { vm(c, 1).nics[0].ip = "192.168.56.1"; }, "homelab:vms[1].nics[0].ip", "already used at homelab:networks[0].gateway"],
  ["duplicate static IP", (c) => { vm(c, 1).nics[0].ip = "192.168.56.10"; }, "homelab:vms[1].nics[0].ip", "already used at homelab:vms[0].nics[0].ip"],
  ["malformed IP", (c) => { vm(c, 1).nics[0].ip = "192.168.56.300"; }, "homelab:vms[1].nics[0].ip", "not an IPv4 address"],
  ["both ip and reserve", (c) => { vm(c, 2).nics[0].ip = "192.168.56.30"; }, "homelab:vms[2].nics[0]", "both ip"],
  ["reservation outside the DC's scope", (c) => { vm(c, 2).nics[0].reserve = "192.168.56.50"; }, "homelab:vms[2].nics[0].reserve", "only addresses inside its scope"],
  ["reservation on a network without DHCP", (c) => { delete net(c, 1).dhcp; }, "homelab:vms[2].nics[1].reserve", "has no DHCP"],
  ["relative pool path", (c) => { c.pool.path = "images/homelab"; }, "homelab:pool.path", "absolute path"],
  ["relative install ISO", (c) => { vm(c, 0).iso = "iso/server.iso"; }, "homelab:vms[0].iso", "absolute path"],
  ["relative VirtIO ISO", (c) => { vm(c, 0).virtioIso = "virtio-win.iso"; }, "homelab:vms[0].virtioIso", "absolute path"],
  ["relative NVRAM folder", (c) => { c.nvramDir = "nvram"; }, "homelab:nvramDir", "absolute path"],
  ["memory without a unit", (c) => { vm(c, 1).memory = "8192"; }, "homelab:vms[1].memory", "not a size"],
  ["memory with an unknown unit", (c) => { vm(c, 1).memory = "8 Gigs"; }, "homelab:vms[1].memory", "not a size"],
  ["memory as a number", (c) => { vm(c, 1).memory = 8; }, "homelab:vms[1].memory", "expected a size"],
  ["memory not a whole MiB", (c) => { vm(c, 1).memory = "1000000B"; }, "homelab:vms[1].memory", "whole number of MiB"],
  ["disk too small to be a disk", (c) => { vm(c, 1).disk = "100MiB"; }, "homelab:vms[1].disk", "too small"],
  ["zero vCPUs", (c) => { vm(c, 1).vcpus = 0; }, "homelab:vms[1].vcpus", "at least 1"],
  ["fractional vCPUs", (c) => { vm(c, 1).vcpus = 1.5; }, "homelab:vms[1].vcpus", "whole number"],
  ["unknown role", (c) => { vm(c, 1).role = "mp"; }, "homelab:vms[1].role", "must be one of"],
  ["unknown OS", (c) => { vm(c, 1).os = "windows-7"; }, "homelab:vms[1].os", "must be one of"],
  ["misspelled VM setting", (c) => { vm(c, 1).memroy = "8GiB"; }, "homelab:vms[1].memroy", "not a known setting"],
  ["unknown config key", (c) => { c.vm = []; }, "homelab:vm", "not a known config key"],
  ["no VMs", (c) => { delete c.vms; }, "homelab:vms", "is required"],
  ["VMs not a list", (c) => { c.vms = { DC01: {} }; }, "homelab:vms", "must be a list"],
  ["no DC", (c) => { vm(c, 0).role = "windows"; }, "homelab:domain.dc", "no VM with role dc"],
  ["two DCs", (c) => { vm(c, 3).role = "dc"; vm(c, 3).nics = [{ network: "lab-net", ip: "192.168.56.13" }]; }, "homelab:vms[3].role", "second DC"],
  ["domain.dc names a client", (c) => { c.domain.dc = "CLIENT01"; }, "homelab:domain.dc", "has role client, not dc"],
  ["clients without a domain", (c) => { delete c.domain; delete c.sccm; }, "homelab:vms[2].role", "needs an Active Directory domain"],
  ["NetBIOS domain name over 15", (c) => { c.domain.netbios = "HOMELABCORPORATE"; }, "homelab:domain.netbios", "NetBIOS"],
  ["NetBIOS domain name equal to a hostname", (c) => { c.domain.netbios = "DC01"; }, "homelab:domain.netbios", "also the hostname of DC01"],
  ["one-label domain name", (c) => { c.domain.fqdn = "corp"; }, "homelab:domain.fqdn", "two labels"],
  ["site code of four characters", (c) => { c.sccm.siteCode = "PS01"; }, "homelab:sccm.siteCode", "exactly three"],
  ["site code with a symbol", (c) => { c.sccm.siteCode = "P-1"; }, "homelab:sccm.siteCode", "exactly three"],
  ["reserved site code", (c) => { c.sccm.siteCode = "SMS"; }, "homelab:sccm.siteCode", "reserved"],
  ["site server without SQL", (c) => { delete c.sccm.sqlServer; }, "homelab:sccm.sqlServer", "has no SQL Server"],
  ["SQL on a client", (c) => { c.sccm.sqlServer = "CLIENT01"; }, "homelab:sccm.sqlServer", "has role client"],
  ["site server not a VM", (c) => { c.sccm.siteServer = "SCCM02"; }, "homelab:sccm.siteServer", "not a VM of this lab"],
  ["site-server role without an SCCM section", (c) => { delete c.sccm; }, "homelab:vms[1].role", "needs homelab:sccm"],
  ["Windows 11 with 2 GiB", (c) => { vm(c, 2).memory = "2GiB"; }, "homelab:vms[2].memory", "below what the windows-11 installer accepts"],
  ["Windows 11 with a 40 GiB disk", (c) => { vm(c, 2).disk = "40GiB"; }, "homelab:vms[2].disk", "below what the windows-11 installer accepts"],
  ["Windows 11 without TPM", (c) => { vm(c, 2).tpm = false; }, "homelab:vms[2].tpm", "TPM 2.0"],
  ["Windows 11 without Secure Boot", (c) => { vm(c, 2).firmware = { secureBoot: false }; }, "homelab:vms[2].firmware", "Secure Boot"],
  ["Secure Boot without UEFI", (c) => { vm(c, 0).firmware = { uefi: false, secureBoot: true }; }, "homelab:vms[0].firmware", "needs UEFI"],
  ["role linux on Windows", (c) => { vm(c, 3).role = "linux"; }, "homelab:vms[3].role", "needs os linux"],
  ["client with no reachable address", (c) => { vm(c, 3).nics = [{ network: "lab-net" }]; }, "homelab:vms[3].nics", "no address the host can reach"],
  ["DC on DHCP", (c) => { vm(c, 0).nics[1] = { network: "default", reserve: "192.168.122.110" }; }, "homelab:vms[0].nics[1]", "needs a static ip"],
  ["bad connection URI", (c) => { c.uri = "libvirt-host"; }, "homelab:uri", "not a libvirt connection URI"],
  ["bad domain type", (c) => { c.domainType = "hvf"; }, "homelab:domainType", "kvm"],
  ["password in plain config", (c) => { c.adminPassword = "P@ssw0rd123"; }, "homelab:adminPassword", "pulumi config set --secret homelab:adminPassword"],
];

describe("bad configs", () => {
  it("has a table of at least 40 cases", () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.each(CASES)("%s", (_name, change, path, text) => {
    const result = loadLabSpec(withChange(change));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const atPath = result.errors.filter((e) => e.path === path);
    expect({ path, messages: atPath.map((e) => e.message) }).toEqual({ path, messages: expect.arrayContaining([typeof text === "string" ? expect.stringContaining(text) : expect.stringMatching(text)]) });
  });

  it("reports several faults in one run", () => {
    const result = loadLabSpec(withChange((c) => {
      vm(c, 2).hostname = "CLIENT-WORKSTATION-1";
      vm(c, 1).nics[0].ip = "192.168.57.12";
      net(c, 0).bridge = "virbr-homelab-lab0";
      c.sccm.siteCode = "P1";
      vm(c, 3).memroy = "4GiB";
      c.pool.path = "relative";
    }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path).sort()).toEqual([
      "homelab:networks[0].bridge",
      "homelab:pool.path",
      "homelab:sccm.siteCode",
      "homelab:vms[1].nics[0].ip",
      "homelab:vms[2].hostname",
      "homelab:vms[3].memroy",
    ]);
  });

  it("a network that fails its shape check is not reported again as unknown by every NIC on it", () => {
    const result = loadLabSpec(withChange((c) => { net(c, 0).mode = "bridge"; }));
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(["homelab:networks[0].mode"]);
  });

  it("a secret config value is accepted", () => {
    const result = loadLabSpec(withChange((c) => { c.adminPassword = "[secret]"; }, new Set(["adminPassword"])));
    expect(result.ok).toBe(true);
  });
});

describe("warnings", () => {
  const warnings = (change: (c: Config) => void) => {
    const r = loadLabSpec(withChange(change));
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join("\n"));
    return r.warnings.map((w) => `${w.path}: ${w.message}`);
  };

  it("the dev lab has none", () => expect(warnings(() => undefined)).toEqual([]));

  it("warns, not fails, when the site server with SQL has less than 8 GiB or 60 GiB", () => {
    expect(warnings((c) => { vm(c, 1).memory = "6GiB"; vm(c, 1).disk = "50GiB"; })).toEqual([
      expect.stringMatching(/^homelab:vms\[1\]\.memory: 6 GiB is less than 8 GiB.*site server with SQL/),
      expect.stringMatching(/^homelab:vms\[1\]\.disk: 50 GiB is less than 60 GiB/),
    ]);
  });

  it("warns when a DC has less than 2 GiB", () => {
    expect(warnings((c) => { vm(c, 0).memory = "1GiB"; })).toEqual([expect.stringMatching(/^homelab:vms\[0\]\.memory: 1 GiB is less than 2 GiB.*domain controller/)]);
  });

  it("warns about a .local domain", () => {
    expect(warnings((c) => { c.domain.fqdn = "corp.local"; })).toEqual([expect.stringMatching(/^homelab:domain\.fqdn: .*multicast DNS/)]);
  });
});
