import { loadLabSpec } from "../../lab";
import type { StackConfig } from "../../lab";
import { clone, stackConfig } from "../support/stacks";

type Config = Record<string, any>;
const dev = stackConfig("dev");

function withChange(change: (c: Config) => void, secretKeys?: Set<string>, base: StackConfig = dev): StackConfig {
  const input = clone(base);
  change(input.config);
  return { ...input, secretKeys: secretKeys ?? input.secretKeys };
}

/** The messages a changed config gets at one config path (errors or warnings). */
function messagesAt(config: StackConfig, path: string, kind: "errors" | "warnings" = "errors"): string[] {
  const result = loadLabSpec(config);
  const found = kind === "errors" ? (result.ok ? [] : result.errors) : result.ok ? result.warnings : result.errors;
  return found.filter((e) => e.path === path).map((e) => e.message);
}

const vm = (c: Config, i: number) => c.vms[i];
const net = (c: Config, i: number) => c.networks[i];

// [description, change, the exact config path, the exact message]
const CASES: Array<[string, (c: Config) => void, string, string]> = [
  [
    "VM name with a space",
    (c) => {
      vm(c, 1).name = "SCCM 01";
    },
    "homelab:vms[1].name",
    "\"SCCM 01\" is not a libvirt-safe name: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit",
  ],
  [
    "duplicate VM name",
    (c) => {
      vm(c, 3).name = "CLIENT01";
      vm(c, 3).hostname = "CLIENT09";
    },
    "homelab:vms[3].name",
    "VM name CLIENT01 is already used at homelab:vms[2].name: each must be unique (case does not count)",
  ],
  [
    "Windows hostname over 15 characters",
    (c) => {
      vm(c, 2).hostname = "CLIENT-WORKSTATION-1";
    },
    "homelab:vms[2].hostname",
    "CLIENT-WORKSTATION-1 is not a valid Windows computer name: use 1 to 15 letters, digits or '-' (NetBIOS limit), starting with a letter or digit",
  ],
  [
    "Windows hostname with a dot",
    (c) => {
      vm(c, 2).hostname = "CLIENT.01";
    },
    "homelab:vms[2].hostname",
    "CLIENT.01 is not a valid Windows computer name: use 1 to 15 letters, digits or '-' (NetBIOS limit), starting with a letter or digit",
  ],
  [
    "all-digit Windows hostname",
    (c) => {
      vm(c, 2).hostname = "12345";
    },
    "homelab:vms[2].hostname",
    "12345 is all digits, which Windows refuses as a computer name: add a letter",
  ],
  [
    "duplicate hostname",
    (c) => {
      vm(c, 3).hostname = "client01";
    },
    "homelab:vms[3].hostname",
    "hostname client01 is already used at homelab:vms[2].name: each must be unique (case does not count)",
  ],
  [
    "network name with a slash",
    (c) => {
      net(c, 0).name = "lab/net";
    },
    "homelab:networks[0].name",
    "\"lab/net\" is not a libvirt-safe name: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit",
  ],
  [
    "duplicate network name",
    (c) => {
      net(c, 1).name = "lab-net";
    },
    "homelab:networks[1].name",
    "network name lab-net is already used at homelab:networks[0].name: each must be unique",
  ],
  [
    "bridge name over 15 characters",
    (c) => {
      net(c, 0).bridge = "virbr-homelab-lab0";
    },
    "homelab:networks[0].bridge",
    "virbr-homelab-lab0 is longer than 15 characters, the Linux limit for interface names: pick a shorter bridge name like virbr56",
  ],
  [
    "duplicate bridge",
    (c) => {
      net(c, 1).bridge = "virbr56";
    },
    "homelab:networks[1].bridge",
    "bridge virbr56 is already used at homelab:networks[0].bridge: each must be unique",
  ],
  [
    "subnet not in CIDR form",
    (c) => {
      net(c, 0).subnet = "192.168.56.0";
    },
    "homelab:networks[0].subnet",
    '"192.168.56.0" is not a subnet: write it in CIDR form like 192.168.56.0/24',
  ],
  [
    "subnet with host bits set",
    (c) => {
      net(c, 0).subnet = "192.168.56.1/24";
    },
    "homelab:networks[0].subnet",
    "192.168.56.1/24 is not a network address with a prefix from /8 to /30: write the first address of the subnet, e.g. 192.168.56.0/24",
  ],
  [
    "overlapping subnets",
    (c) => {
      net(c, 1).subnet = "192.168.0.0/16";
      net(c, 1).gateway = "192.168.0.1";
      net(c, 1).dhcp = { start: "192.168.200.1", end: "192.168.200.9", server: "libvirt" };
    },
    "homelab:networks[1].subnet",
    "192.168.0.0/16 overlaps lab-net 192.168.56.0/24: give each network its own subnet",
  ],
  [
    "gateway outside the subnet",
    (c) => {
      net(c, 0).gateway = "192.168.57.1";
    },
    "homelab:networks[0].gateway",
    "192.168.57.1 is outside lab-net 192.168.56.0/24, not a host address of it: pick one inside the subnet",
  ],
  [
    "gateway is the broadcast address",
    (c) => {
      net(c, 0).gateway = "192.168.56.255";
    },
    "homelab:networks[0].gateway",
    "192.168.56.255 is the broadcast address of lab-net 192.168.56.0/24, not a host address of it: pick one inside the subnet",
  ],
  [
    "DHCP start outside the subnet",
    (c) => {
      net(c, 0).dhcp.start = "192.168.55.100";
    },
    "homelab:networks[0].dhcp.start",
    "192.168.55.100 is outside lab-net 192.168.56.0/24: the DHCP range must lie inside the subnet, between its network and broadcast addresses",
  ],
  [
    "DHCP end outside the subnet",
    (c) => {
      net(c, 0).dhcp.end = "192.168.57.10";
    },
    "homelab:networks[0].dhcp.end",
    "192.168.57.10 is outside lab-net 192.168.56.0/24: the DHCP range must lie inside the subnet, between its network and broadcast addresses",
  ],
  [
    "DHCP range backwards",
    (c) => {
      net(c, 0).dhcp = { start: "192.168.56.200", end: "192.168.56.100", server: "dc" };
    },
    "homelab:networks[0].dhcp",
    "the range 192.168.56.200 to 192.168.56.100 is backwards: start must not be above end",
  ],
  [
    "DHCP range holds the gateway",
    (c) => {
      net(c, 0).dhcp.start = "192.168.56.1";
    },
    "homelab:networks[0].dhcp",
    "the range 192.168.56.1 to 192.168.56.200 contains the gateway 192.168.56.1: move the range or the gateway",
  ],
  [
    "unknown DHCP server",
    (c) => {
      net(c, 0).dhcp.server = "windows";
    },
    "homelab:networks[0].dhcp.server",
    '"windows" must be libvirt (dnsmasq answers) or dc (the domain controller\'s DHCP answers)',
  ],
  [
    "unknown network mode",
    (c) => {
      net(c, 0).mode = "bridge";
    },
    "homelab:networks[0].mode",
    '"bridge" must be nat, route or isolated',
  ],
  [
    "malformed network MAC",
    (c) => {
      net(c, 0).mac = "52:54:00:zz:00:01";
    },
    "homelab:networks[0].mac",
    '"52:54:00:zz:00:01" is not a MAC address: write six hex pairs like 52:54:00:12:34:56, or leave it out to derive one',
  ],
  [
    "malformed NIC MAC",
    (c) => {
      vm(c, 0).nics[0].mac = "52-54-00-00-00-01";
    },
    "homelab:vms[0].nics[0].mac",
    '"52-54-00-00-00-01" is not a MAC address: write six hex pairs like 52:54:00:12:34:56, or leave it out to derive one',
  ],
  [
    "multicast NIC MAC",
    (c) => {
      vm(c, 0).nics[0].mac = "01:00:5e:00:00:01";
    },
    "homelab:vms[0].nics[0].mac",
    "01:00:5e:00:00:01 is a multicast address: a NIC needs a unicast MAC (the first byte must be even), e.g. 52:54:00:…",
  ],
  [
    "duplicate MAC",
    (c) => {
      vm(c, 0).nics[0].mac = "52:54:00:00:00:01";
      vm(c, 1).nics[0].mac = "52:54:00:00:00:01";
    },
    "homelab:vms[1].nics[0].mac",
    "MAC 52:54:00:00:00:01 is already used at homelab:vms[0].nics[0].mac: each must be unique",
  ],
  [
    "malformed UUID",
    (c) => {
      vm(c, 0).uuid = "not-a-uuid";
    },
    "homelab:vms[0].uuid",
    '"not-a-uuid" is not a UUID: write it like 8-4-4-4-12 hex digits, or leave it out to derive one',
  ],
  [
    "duplicate UUID",
    (c) => {
      vm(c, 1).uuid = vm(c, 0).uuid;
    },
    "homelab:vms[1].uuid",
    "UUID 5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01 is already used at homelab:vms[0].uuid: each must be unique",
  ],
  [
    "NIC on an unknown network",
    (c) => {
      vm(c, 1).nics[1].network = "mgmt";
    },
    "homelab:vms[1].nics[1].network",
    "mgmt is not a network of this lab (networks: lab-net, default): add it to homelab:networks or fix the name",
  ],
  [
    "static IP outside the subnet",
    (c) => {
      vm(c, 1).nics[0].ip = "192.168.57.12";
    },
    "homelab:vms[1].nics[0].ip",
    "192.168.57.12 is outside lab-net 192.168.56.0/24: pick an address inside the subnet",
  ],
  [
    "static IP inside the DHCP range",
    (c) => {
      vm(c, 1).nics[0].ip = "192.168.56.150";
    },
    "homelab:vms[1].nics[0].ip",
    "192.168.56.150 is inside lab-net's DHCP range 192.168.56.100 to 192.168.56.200: pick a static address outside it, or use reserve: for a DHCP reservation",
  ],
  [
    "static IP equal to the gateway",
    (c) => {
      vm(c, 1).nics[0].ip = "192.168.56.1";
    },
    "homelab:vms[1].nics[0].ip",
    "IP address 192.168.56.1 is already used at homelab:networks[0].gateway: each must be unique",
  ],
  [
    "duplicate static IP",
    (c) => {
      vm(c, 1).nics[0].ip = "192.168.56.10";
    },
    "homelab:vms[1].nics[0].ip",
    "IP address 192.168.56.10 is already used at homelab:vms[0].nics[0].ip: each must be unique",
  ],
  [
    "malformed IP",
    (c) => {
      vm(c, 1).nics[0].ip = "192.168.56.300";
    },
    "homelab:vms[1].nics[0].ip",
    '"192.168.56.300" is not an IPv4 address: write it like 192.168.56.10',
  ],
  [
    "both ip and reserve",
    (c) => {
      vm(c, 2).nics[0].ip = "192.168.56.30";
    },
    "homelab:vms[2].nics[0]",
    "sets both ip (static, configured in the guest) and reserve (a DHCP reservation): keep one",
  ],
  [
    "reservation outside the DC's scope",
    (c) => {
      vm(c, 2).nics[0].reserve = "192.168.56.50";
    },
    "homelab:vms[2].nics[0].reserve",
    "192.168.56.50 is outside lab-net's DHCP range 192.168.56.100 to 192.168.56.200: Windows DHCP reserves only addresses inside its scope",
  ],
  [
    "reservation on a network without DHCP",
    (c) => {
      delete net(c, 1).dhcp;
    },
    "homelab:vms[2].nics[1].reserve",
    "default has no DHCP: a reservation needs homelab:networks[1].dhcp, or use ip: for a static address",
  ],
  [
    "relative pool path",
    (c) => {
      c.pool.path = "images/homelab";
    },
    "homelab:pool.path",
    '"images/homelab" must be an absolute path (start with /)',
  ],
  [
    "relative install ISO",
    (c) => {
      vm(c, 0).iso = "iso/server.iso";
    },
    "homelab:vms[0].iso",
    '"iso/server.iso" must be an absolute path (start with /)',
  ],
  [
    "relative VirtIO ISO",
    (c) => {
      vm(c, 0).virtioIso = "virtio-win.iso";
    },
    "homelab:vms[0].virtioIso",
    '"virtio-win.iso" must be an absolute path (start with /)',
  ],
  [
    "relative NVRAM folder",
    (c) => {
      c.nvramDir = "nvram";
    },
    "homelab:nvramDir",
    '"nvram" must be an absolute path (start with /)',
  ],
  [
    "memory without a unit",
    (c) => {
      vm(c, 1).memory = "8192";
    },
    "homelab:vms[1].memory",
    '"8192" is not a size: write a number and a unit, e.g. "8GiB", "512MiB" or "64GB" (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)',
  ],
  [
    "memory with an unknown unit",
    (c) => {
      vm(c, 1).memory = "8 Gigs";
    },
    "homelab:vms[1].memory",
    '"8 Gigs" is not a size: write a number and a unit, e.g. "8GiB", "512MiB" or "64GB" (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)',
  ],
  [
    "memory as a number",
    (c) => {
      vm(c, 1).memory = 8;
    },
    "homelab:vms[1].memory",
    '8 is a number: expected a size: write a number and a unit, e.g. "8GiB", "512MiB" or "64GB" (units: B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)',
  ],
  [
    "memory not a whole MiB",
    (c) => {
      vm(c, 1).memory = "1000000B";
    },
    "homelab:vms[1].memory",
    "1000000B is not a usable memory size: give a whole number of MiB, at least 256MiB, e.g. 4GiB",
  ],
  [
    "disk too small to be a disk",
    (c) => {
      vm(c, 1).disk = "100MiB";
    },
    "homelab:vms[1].disk",
    "100MiB is too small for a system disk: give at least 1GiB, e.g. 64GiB",
  ],
  [
    "zero vCPUs",
    (c) => {
      vm(c, 1).vcpus = 0;
    },
    "homelab:vms[1].vcpus",
    "0 must be at least 1",
  ],
  [
    "fractional vCPUs",
    (c) => {
      vm(c, 1).vcpus = 1.5;
    },
    "homelab:vms[1].vcpus",
    "1.5 is a number: must be a whole number of virtual CPUs, like 4",
  ],
  [
    "unknown role",
    (c) => {
      vm(c, 1).role = "mp";
    },
    "homelab:vms[1].role",
    '"mp" must be one of dc, sql, site-server, client, windows, linux',
  ],
  [
    "unknown OS",
    (c) => {
      vm(c, 1).os = "windows-7";
    },
    "homelab:vms[1].os",
    '"windows-7" must be one of windows-server-2022, windows-server-2025, windows-11, windows-10, linux',
  ],
  [
    "misspelled VM setting",
    (c) => {
      vm(c, 1).memroy = "8GiB";
    },
    "homelab:vms[1].memroy",
    "is not a known setting: check its spelling, or remove it",
  ],
  [
    "unknown config key",
    (c) => {
      c.vm = [];
    },
    "homelab:vm",
    "is not a known config key: the keys are uri, domainType, nvramDir, graphics, guestPhases, winrmTransport, winrmUser, install, installTimeoutMinutes, disks, replaceClonesOnBaseChange, checkpoints, networks, pool, vms, domain, sccm, media, adminPassword, dsrmPassword, sqlServicePassword, networkAccessPassword, clientPushPassword",
  ],
  [
    "no VMs",
    (c) => {
      delete c.vms;
    },
    "homelab:vms",
    "is required: list the lab's VMs",
  ],
  [
    "VMs not a list",
    (c) => {
      c.vms = { DC01: {} };
    },
    "homelab:vms",
    "must be a list, found an object",
  ],
  [
    "no DC",
    (c) => {
      vm(c, 0).role = "windows";
    },
    "homelab:domain.dc",
    "the lab has no VM with role dc: add one, or remove homelab:domain",
  ],
  [
    "two DCs",
    (c) => {
      vm(c, 3).role = "dc";
      vm(c, 3).nics = [{ network: "lab-net", ip: "192.168.56.13" }];
    },
    "homelab:vms[3].role",
    "a second DC (CLIENT02) in one forest is not supported; DC01 is the DC: give this VM another role",
  ],
  [
    "domain.dc names a client",
    (c) => {
      c.domain.dc = "CLIENT01";
    },
    "homelab:domain.dc",
    "CLIENT01 has role client, not dc: name the VM with role dc",
  ],
  [
    "clients without a domain",
    (c) => {
      delete c.domain;
      delete c.sccm;
    },
    "homelab:vms[2].role",
    "role client needs an Active Directory domain: add homelab:domain (fqdn, netbios, dc), or use role: windows for a VM outside any domain",
  ],
  [
    "NetBIOS domain name over 15",
    (c) => {
      c.domain.netbios = "HOMELABCORPORATE";
    },
    "homelab:domain.netbios",
    "\"HOMELABCORPORATE\" is not a NetBIOS domain name: 1 to 15 letters, digits or '-', starting with a letter or digit",
  ],
  [
    "NetBIOS domain name equal to a hostname",
    (c) => {
      c.domain.netbios = "DC01";
    },
    "homelab:domain.netbios",
    "DC01 is also the hostname of DC01: a NetBIOS domain name must differ from every computer name",
  ],
  [
    "one-label domain name",
    (c) => {
      c.domain.fqdn = "corp";
    },
    "homelab:domain.fqdn",
    '"corp" is not a DNS domain name: write it like corp.lab.test (at least two labels)',
  ],
  [
    "site code of four characters",
    (c) => {
      c.sccm.siteCode = "PS01";
    },
    "homelab:sccm.siteCode",
    '"PS01" must be exactly three letters or digits, e.g. PS1',
  ],
  [
    "site code with a symbol",
    (c) => {
      c.sccm.siteCode = "P-1";
    },
    "homelab:sccm.siteCode",
    '"P-1" must be exactly three letters or digits, e.g. PS1',
  ],
  [
    "reserved site code",
    (c) => {
      c.sccm.siteCode = "SMS";
    },
    "homelab:sccm.siteCode",
    "SMS is reserved by Windows or SCCM (AUX, CON, NUL, PRN, SMS): pick another, e.g. PS1",
  ],
  [
    "site server without SQL",
    (c) => {
      delete c.sccm.sqlServer;
    },
    "homelab:sccm.sqlServer",
    "the site server SCCM01 has no SQL Server: name a VM with role sql, or the site server itself to host SQL on it",
  ],
  [
    "SQL on a client",
    (c) => {
      c.sccm.sqlServer = "CLIENT01";
    },
    "homelab:sccm.sqlServer",
    "CLIENT01 has role client: SQL goes on a VM with role sql, or on the site server itself",
  ],
  [
    "site server not a VM",
    (c) => {
      c.sccm.siteServer = "SCCM02";
    },
    "homelab:sccm.siteServer",
    "SCCM02 is not a VM of this lab: name the VM with role site-server",
  ],
  [
    "site-server role without an SCCM section",
    (c) => {
      delete c.sccm;
    },
    "homelab:vms[1].role",
    "role site-server needs homelab:sccm (siteCode, siteServer, sqlServer)",
  ],
  [
    "Windows 11 with 2 GiB",
    (c) => {
      vm(c, 2).memory = "2GiB";
    },
    "homelab:vms[2].memory",
    "2 GiB is below what the windows-11 installer accepts (4 GiB): give it at least that",
  ],
  [
    "Windows 11 with a 40 GiB disk",
    (c) => {
      vm(c, 2).disk = "40GiB";
    },
    "homelab:vms[2].disk",
    "40 GiB is below what the windows-11 installer accepts (64 GB): give it at least 60GiB",
  ],
  [
    "Windows 11 without TPM",
    (c) => {
      vm(c, 2).tpm = false;
    },
    "homelab:vms[2].tpm",
    "windows-11 refuses to install without TPM 2.0: set tpm true (the host needs swtpm)",
  ],
  [
    "Windows 11 without Secure Boot",
    (c) => {
      vm(c, 2).firmware = { secureBoot: false };
    },
    "homelab:vms[2].firmware",
    "windows-11 refuses to install without UEFI Secure Boot: set firmware.uefi and firmware.secureBoot true",
  ],
  [
    "Secure Boot without UEFI",
    (c) => {
      vm(c, 0).firmware = { uefi: false, secureBoot: true };
    },
    "homelab:vms[0].firmware",
    "Secure Boot needs UEFI: set firmware.uefi true or firmware.secureBoot false",
  ],
  [
    "role linux on Windows",
    (c) => {
      vm(c, 3).role = "linux";
    },
    "homelab:vms[3].role",
    "role linux needs os linux, not windows-11: set os: linux, or role: windows for a plain Windows VM",
  ],
  [
    "client with no reachable address",
    (c) => {
      vm(c, 3).nics = [{ network: "lab-net" }];
    },
    "homelab:vms[3].nics",
    "CLIENT02 has no address the host can reach it at: give one NIC a static ip:, or a reserve: on a network whose DHCP libvirt serves",
  ],
  [
    "DC on DHCP",
    (c) => {
      vm(c, 0).nics[1] = { network: "default", reserve: "192.168.122.110" };
    },
    "homelab:vms[0].nics[1]",
    "the DC DC01 needs a static ip: on default: a DNS server and DHCP server must not take its address from DHCP",
  ],
  [
    "bad connection URI",
    (c) => {
      c.uri = "libvirt-host";
    },
    "homelab:uri",
    '"libvirt-host" is not a libvirt connection URI: use qemu:///system, or qemu+ssh://user@host/system for a remote hypervisor',
  ],
  [
    "bad domain type",
    (c) => {
      c.domainType = "hvf";
    },
    "homelab:domainType",
    '"hvf" must be kvm (hardware virtualization) or qemu (software emulation, for hosts without KVM)',
  ],
  [
    "password in plain config",
    (c) => {
      c.adminPassword = "P@ssw0rd123";
    },
    "homelab:adminPassword",
    "holds a password in plain config: remove it and run `pulumi config set --secret homelab:adminPassword`",
  ],
];

describe("bad configs", () => {
  it.each(CASES)("%s", (_name, change, path, message) => {
    const config = withChange(change);
    expect(loadLabSpec(config).ok).toBe(false);
    expect({ path, messages: messagesAt(config, path) }).toEqual({ path, messages: expect.arrayContaining([message]) });
  });

  // One row per rule of lab/rules.ts that the dev-based table above does not reach, on the stack
  // whose layout the rule needs. [description, stack, change, the exact config path, the exact messages]
  const ROLES_AND_TOPOLOGY: Array<[string, string, (c: Config) => void, string, string[]]> = [
    [
      "DC role on a Linux OS",
      "dev",
      (c) => {
        vm(c, 0).os = "linux";
      },
      "homelab:vms[0].role",
      ["role dc needs a Windows OS: set os to a Windows version, or role: linux"],
    ],
    [
      "site-server role on a Linux OS",
      "dev",
      (c) => {
        vm(c, 1).os = "linux";
      },
      "homelab:vms[1].role",
      ["role site-server needs a Windows OS: set os to a Windows version, or role: linux"],
    ],
    [
      "client role on a Linux OS",
      "dev",
      (c) => {
        vm(c, 2).os = "linux";
      },
      "homelab:vms[2].role",
      ["role client needs a Windows OS: set os to a Windows version, or role: linux"],
    ],
    [
      "SQL role on a Linux OS",
      "split-sql",
      (c) => {
        vm(c, 1).os = "linux";
      },
      "homelab:vms[1].role",
      ["role sql needs a Windows OS: set os to a Windows version, or role: linux"],
    ],
    [
      "Linux hostname starting with '-'",
      "linux",
      (c) => {
        vm(c, 1).hostname = "-web01";
      },
      "homelab:vms[1].hostname",
      ["-web01 is not a valid hostname: use 1 to 63 letters, digits or '-', not starting or ending with '-'"],
    ],
    [
      "a VM UUID equal to a network's",
      "dev",
      (c) => {
        net(c, 0).uuid = vm(c, 0).uuid;
      },
      "homelab:vms[0].uuid",
      ["UUID 5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01 is already used at homelab:networks[0].uuid: each must be unique"],
    ],
    [
      "a VM UUID equal to the pool's",
      "dev",
      (c) => {
        c.pool.uuid = vm(c, 0).uuid;
      },
      "homelab:vms[0].uuid",
      ["UUID 5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01 is already used at homelab:pool.uuid: each must be unique"],
    ],
    [
      "multicast network MAC",
      "dev",
      (c) => {
        net(c, 0).mac = "03:54:00:00:00:01";
      },
      "homelab:networks[0].mac",
      ["03:54:00:00:00:01 is a multicast address: a NIC needs a unicast MAC (the first byte must be even), e.g. 52:54:00:…"],
    ],
    [
      "domain.dc names no VM",
      "dev",
      (c) => {
        c.domain.dc = "DC09";
      },
      "homelab:domain.dc",
      ["DC09 is not a VM of this lab: name the VM with role dc"],
    ],
    [
      "SCCM without a domain",
      "dev",
      (c) => {
        delete c.domain;
      },
      "homelab:sccm",
      ["an SCCM site needs an Active Directory domain: add homelab:domain"],
    ],
    [
      "DC role without a domain",
      "dev",
      (c) => {
        delete c.domain;
      },
      "homelab:vms[0].role",
      ["role dc needs an Active Directory domain: add homelab:domain (fqdn, netbios, dc), or use role: windows for a VM outside any domain"],
    ],
    [
      "site-server role without a domain",
      "dev",
      (c) => {
        delete c.domain;
      },
      "homelab:vms[1].role",
      ["role site-server needs an Active Directory domain: add homelab:domain (fqdn, netbios, dc), or use role: windows for a VM outside any domain"],
    ],
    [
      "a second site server",
      "dev",
      (c) => {
        vm(c, 3).role = "site-server";
      },
      "homelab:vms[3].role",
      ["a second site server (CLIENT02) is not supported: one primary site per lab"],
    ],
    [
      "sccm.siteServer names the DC",
      "dev",
      (c) => {
        c.sccm.siteServer = "DC01";
      },
      "homelab:sccm.siteServer",
      ["DC01 has role dc, not site-server"],
    ],
    [
      "sccm.sqlServer names no VM",
      "dev",
      (c) => {
        c.sccm.sqlServer = "SQL09";
      },
      "homelab:sccm.sqlServer",
      ["SQL09 is not a VM of this lab: name a VM with role sql, or the site server itself"],
    ],
    [
      "sccm.sqlServer names the DC in a split site",
      "split-sql",
      (c) => {
        c.sccm.sqlServer = "DC01";
      },
      "homelab:sccm.sqlServer",
      ["DC01 has role dc: SQL goes on a VM with role sql, or on the site server itself"],
    ],
    [
      "one SQL Server per site: a second sql VM beside a colocated SQL",
      "dev",
      (c) => {
        vm(c, 3).role = "sql";
      },
      "homelab:vms[3].role",
      ["CLIENT02 has role sql but homelab:sccm.sqlServer is SCCM01: one SQL Server per site"],
    ],
    [
      "one SQL Server per site: a second sql VM in a split site",
      "split-sql",
      (c) => {
        vm(c, 3).role = "sql";
      },
      "homelab:vms[3].role",
      ["CLIENT01 has role sql but homelab:sccm.sqlServer is SQL01: one SQL Server per site"],
    ],
    [
      "sql role without an SCCM section",
      "split-sql",
      (c) => {
        delete c.sccm;
      },
      "homelab:vms[1].role",
      ["role sql needs homelab:sccm (siteCode, siteServer, sqlServer)"],
    ],
    [
      "a DC serving DHCP on a network it has no NIC on",
      "dev",
      (c) => {
        vm(c, 0).nics = [vm(c, 0).nics[0]];
        net(c, 1).dhcp.server = "dc";
      },
      "homelab:networks[1].dhcp.server",
      ["is dc but the DC DC01 has no NIC on default: attach it, or set server: libvirt"],
    ],
    [
      "DHCP server dc in a lab with no DC",
      "linux",
      (c) => {
        net(c, 0).dhcp.server = "dc";
      },
      "homelab:networks[0].dhcp.server",
      ["is dc but the lab has no domain controller: set server: libvirt"],
    ],
    // Minimums from Microsoft's hardware requirements: Windows Server 2022/2025 512 MB RAM and 32 GB disk
    // (learn.microsoft.com/windows-server/get-started/hardware-requirements), Windows 10 64-bit 2 GB and
    // 32 GB (microsoft.com/windows/windows-10-specifications), Windows 11 4 GB and 64 GB with TPM 2.0 and
    // UEFI Secure Boot (microsoft.com/windows/windows-11-specifications).
    [
      "Windows Server 2022 on a 29 GiB disk",
      "dev",
      (c) => {
        vm(c, 0).disk = "29GiB";
      },
      "homelab:vms[0].disk",
      ["29 GiB is below what the windows-server-2022 installer accepts (32 GB): give it at least 30GiB"],
    ],
    [
      "Windows Server 2025 with 256 MiB",
      "dev",
      (c) => {
        vm(c, 0).os = "windows-server-2025";
        vm(c, 0).memory = "256MiB";
      },
      "homelab:vms[0].memory",
      ["256 MiB is below what the windows-server-2025 installer accepts (512 MiB): give it at least that"],
    ],
    [
      "Windows 10 with 1 GiB",
      "dev",
      (c) => {
        vm(c, 3).os = "windows-10";
        vm(c, 3).memory = "1GiB";
      },
      "homelab:vms[3].memory",
      ["1 GiB is below what the windows-10 installer accepts (2 GiB): give it at least that"],
    ],
    [
      "Windows 10 on a 20 GiB disk",
      "dev",
      (c) => {
        vm(c, 3).os = "windows-10";
        vm(c, 3).disk = "20GiB";
      },
      "homelab:vms[3].disk",
      ["20 GiB is below what the windows-10 installer accepts (32 GB): give it at least 30GiB"],
    ],
  ];

  it.each(ROLES_AND_TOPOLOGY)("%s (stack %s)", (_name, stack, change, path, messages) => {
    const config = withChange(change, undefined, stackConfig(stack));
    expect(loadLabSpec(config).ok).toBe(false);
    expect({ path, messages: messagesAt(config, path) }).toEqual({ path, messages });
  });

  it("Windows 10 and Windows Server need neither TPM nor Secure Boot (only Windows 11 does)", () => {
    const result = loadLabSpec(
      withChange((c) => {
        vm(c, 3).os = "windows-10";
        vm(c, 3).tpm = false;
        vm(c, 3).firmware = { uefi: false, secureBoot: false };
        vm(c, 0).tpm = false;
        vm(c, 0).firmware = { uefi: false, secureBoot: false };
      }),
    );
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it("reports several faults in one run", () => {
    const result = loadLabSpec(
      withChange((c) => {
        vm(c, 2).hostname = "CLIENT-WORKSTATION-1";
        vm(c, 1).nics[0].ip = "192.168.57.12";
        net(c, 0).bridge = "virbr-homelab-lab0";
        c.sccm.siteCode = "P1";
        vm(c, 3).memroy = "4GiB";
        c.pool.path = "relative";
      }),
    );
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
    const result = loadLabSpec(
      withChange((c) => {
        net(c, 0).mode = "bridge";
      }),
    );
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toEqual(["homelab:networks[0].mode"]);
  });

  it("a secret config value is accepted", () => {
    const result = loadLabSpec(
      withChange(
        (c) => {
          c.adminPassword = "[secret]";
        },
        new Set(["adminPassword"]),
      ),
    );
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
    expect(
      warnings((c) => {
        vm(c, 1).memory = "6GiB";
        vm(c, 1).disk = "50GiB";
      }),
    ).toEqual([
      expect.stringMatching(/^homelab:vms\[1\]\.memory: 6 GiB is less than 8 GiB.*site server with SQL/),
      expect.stringMatching(/^homelab:vms\[1\]\.disk: 50 GiB is less than 60 GiB/),
    ]);
  });

  it("warns when a DC has less than 2 GiB", () => {
    expect(
      warnings((c) => {
        vm(c, 0).memory = "1GiB";
      }),
    ).toEqual(["homelab:vms[0].memory: 1 GiB is less than 2 GiB, what a domain controller is given by other lab builders"]);
  });

  it("warns when the site server with SQL has less than 8 GiB or 60 GiB, with the exact messages", () => {
    const config = withChange((c) => {
      vm(c, 1).memory = "6GiB";
      vm(c, 1).disk = "50GiB";
    });
    expect(messagesAt(config, "homelab:vms[1].memory", "warnings")).toEqual([
      "6 GiB is less than 8 GiB, what a site server with SQL (below 8 GiB setup times out) is given by other lab builders",
    ]);
    expect(messagesAt(config, "homelab:vms[1].disk", "warnings")).toEqual([
      "50 GiB is less than 60 GiB, what a site server with SQL (below 8 GiB setup times out) is given by other lab builders",
    ]);
  });

  it("warns when a dedicated SQL Server has less than 8 GiB or 60 GiB (split-sql)", () => {
    const config = withChange(
      (c) => {
        vm(c, 1).memory = "6GiB";
        vm(c, 1).disk = "50GiB";
      },
      undefined,
      stackConfig("split-sql"),
    );
    expect(loadLabSpec(config).ok ? loadLabSpec(config).warnings : "errors").toEqual([
      { path: "homelab:vms[1].memory", message: "6 GiB is less than 8 GiB, what a SQL Server for SCCM is given by other lab builders" },
      { path: "homelab:vms[1].disk", message: "50 GiB is less than 60 GiB, what a SQL Server for SCCM is given by other lab builders" },
    ]);
  });

  it("warns when a site server without SQL has less than 4 GiB or 60 GiB (split-sql); 6 GiB is enough", () => {
    const config = withChange(
      (c) => {
        vm(c, 2).memory = "3GiB";
        vm(c, 2).disk = "50GiB";
      },
      undefined,
      stackConfig("split-sql"),
    );
    expect(loadLabSpec(config).ok ? loadLabSpec(config).warnings : "errors").toEqual([
      {
        path: "homelab:vms[2].memory",
        message: "3 GiB is less than 4 GiB, what a site server (its prerequisite check wants 60 GiB of disk) is given by other lab builders",
      },
      {
        path: "homelab:vms[2].disk",
        message: "50 GiB is less than 60 GiB, what a site server (its prerequisite check wants 60 GiB of disk) is given by other lab builders",
      },
    ]);
    expect(warnings(() => undefined)).toEqual([]);
    const split = loadLabSpec(stackConfig("split-sql"));
    expect(split.ok ? split.warnings : "errors").toEqual([]);
  });

  it.each(["/var/lib/libvirt/images", "/var/lib/libvirt/images/", "/var/lib/libvirt/images//"])("warns about libvirt's default pool directory %s", (path) => {
    expect(
      warnings((c) => {
        c.pool.path = path;
      }),
    ).toEqual([
      "homelab:pool.path: is libvirt's default pool directory: a folder of its own (e.g. /var/lib/libvirt/images/homelab) keeps the lab's disks apart",
    ]);
  });

  it("a folder under libvirt's default pool directory is not warned about", () => {
    expect(
      warnings((c) => {
        c.pool.path = "/var/lib/libvirt/images/homelab2";
      }),
    ).toEqual([]);
  });

  it("warns about a .local domain", () => {
    // RFC 6762 section 3 reserves .local for multicast DNS.
    expect(
      warnings((c) => {
        c.domain.fqdn = "corp.local";
      }),
    ).toEqual(["homelab:domain.fqdn: a .local suffix collides with multicast DNS: prefer a name under a domain you own, or .test"]);
  });
});
