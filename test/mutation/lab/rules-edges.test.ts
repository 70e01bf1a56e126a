// The edges of each rule in lab/rules.ts: the last accepted and the first refused value, and the
// cases where one rule must stay silent because another already reported (mutation testing of lab/).
import { loadLabSpec } from "../../../lab";
import type { StackConfig } from "../../../lab";
import { clone, stackConfig } from "../../support/stacks";

type Config = Record<string, any>;
function load(change: (c: Config) => void, stack = "dev") {
  const input: StackConfig = clone(stackConfig(stack));
  change(input.config);
  return loadLabSpec(input);
}
const errorsOf = (change: (c: Config) => void, stack = "dev") => {
  const r = load(change, stack);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
};
const warningsOf = (change: (c: Config) => void, stack = "dev") => {
  const r = load(change, stack);
  return r.ok ? r.warnings.map((e) => `${e.path}: ${e.message}`) : r.errors.map((e) => `ERROR ${e.path}: ${e.message}`);
};
const vm = (c: Config, i: number) => c.vms[i];
const net = (c: Config, i: number) => c.networks[i];

// ConfigMgr refuses these site codes: learn.microsoft.com/mem/configmgr/core/servers/deploy/install/prepare-to-install-sites
// ("Site codes and site names": AUX, CON, NUL, PRN and SMS are reserved).
test.each(["AUX", "CON", "NUL", "PRN", "SMS"])("site code %s is reserved", (code) => {
  expect(
    errorsOf((c) => {
      c.sccm.siteCode = code;
    }),
  ).toEqual([`homelab:sccm.siteCode: ${code} is reserved by Windows or SCCM (AUX, CON, NUL, PRN, SMS): pick another, e.g. PS1`]);
});

test.each([
  [
    "a 15-character Windows hostname",
    (c: Config) => {
      vm(c, 2).hostname = "CLIENT-STATION1";
    },
  ],
  [
    "a Windows hostname with a digit first and a hyphen",
    (c: Config) => {
      vm(c, 2).hostname = "1-CLIENT";
    },
  ],
  [
    "a locally administered unicast MAC (02:...)",
    (c: Config) => {
      vm(c, 2).nics[0].mac = "02:00:00:00:00:01";
    },
  ],
  [
    "network names that differ only in case",
    (c: Config) => {
      net(c, 1).name = "Lab-Net";
      for (const v of c.vms) v.nics[1].network = "Lab-Net";
    },
  ],
  [
    "a one-address DHCP range",
    (c: Config) => {
      net(c, 1).dhcp.start = "192.168.122.254";
      net(c, 1).dhcp.end = "192.168.122.254";
      vm(c, 2).nics[1].reserve = "192.168.122.254";
      vm(c, 3).nics[1].reserve = "192.168.122.253";
    },
  ],
  [
    "a gateway right after the DHCP range",
    (c: Config) => {
      net(c, 0).dhcp.end = "192.168.56.200";
      net(c, 0).gateway = "192.168.56.201";
    },
  ],
  [
    "a libvirt reservation outside libvirt's range (dnsmasq serves it)",
    (c: Config) => {
      vm(c, 2).nics[1].reserve = "192.168.122.50";
    },
  ],
  [
    "a static address right before the DHCP range",
    (c: Config) => {
      vm(c, 1).nics[0].ip = "192.168.56.99";
    },
  ],
  [
    "a domain under .localhost, not .local",
    (c: Config) => {
      c.domain.fqdn = "corp.localhost";
    },
  ],
])("accepts %s", (_what, change) => {
  expect(errorsOf(change)).toEqual([]);
});

test("a 16-character Windows hostname and one starting with '-' are refused", () => {
  expect(
    errorsOf((c) => {
      vm(c, 2).hostname = "CLIENT-STATION12";
    }),
  ).toEqual([
    "homelab:vms[2].hostname: CLIENT-STATION12 is not a valid Windows computer name: use 1 to 15 letters, digits or '-' (NetBIOS limit), starting with a letter or digit",
  ]);
  expect(
    errorsOf((c) => {
      vm(c, 2).hostname = "-CLIENT";
    }),
  ).toEqual([
    "homelab:vms[2].hostname: -CLIENT is not a valid Windows computer name: use 1 to 15 letters, digits or '-' (NetBIOS limit), starting with a letter or digit",
  ]);
});

test("Linux hostnames: 63 characters pass, 64 and a trailing '-' do not", () => {
  expect(
    errorsOf((c) => {
      vm(c, 1).hostname = "a".repeat(63);
    }, "linux"),
  ).toEqual([]);
  expect(
    errorsOf((c) => {
      vm(c, 1).hostname = "a".repeat(64);
    }, "linux"),
  ).toEqual([`homelab:vms[1].hostname: ${"a".repeat(64)} is not a valid hostname: use 1 to 63 letters, digits or '-', not starting or ending with '-'`]);
  expect(
    errorsOf((c) => {
      vm(c, 1).hostname = "web-";
    }, "linux"),
  ).toEqual(["homelab:vms[1].hostname: web- is not a valid hostname: use 1 to 63 letters, digits or '-', not starting or ending with '-'"]);
  expect(
    errorsOf((c) => {
      vm(c, 1).hostname = "w";
    }, "linux"),
  ).toEqual([]);
});

test("VM names collide without regard to case; the message says so", () => {
  expect(
    errorsOf((c) => {
      vm(c, 3).name = "client01";
      vm(c, 3).hostname = "CLIENT09";
    }),
  ).toContain("homelab:vms[3].name: VM name client01 is already used at homelab:vms[2].name: each must be unique (case does not count)");
});

test("a NetBIOS domain name clashes with a host name in any case", () => {
  expect(
    errorsOf((c) => {
      vm(c, 3).hostname = "corp";
    }),
  ).toEqual(["homelab:domain.netbios: CORP is also the hostname of CLIENT02: a NetBIOS domain name must differ from every computer name"]);
});

test("a malformed domain is reported once: no role or SCCM rule adds 'needs a domain'", () => {
  expect(
    errorsOf((c) => {
      c.domain.fqdn = "corp";
    }),
  ).toEqual(['homelab:domain.fqdn: "corp" is not a DNS domain name: write it like corp.lab.test (at least two labels)']);
});

test("a malformed sccm section is reported once: no role rule adds 'needs homelab:sccm'", () => {
  expect(
    errorsOf((c) => {
      c.sccm.siteCode = "P-1";
    }),
  ).toEqual(['homelab:sccm.siteCode: "P-1" must be exactly three letters or digits, e.g. PS1']);
});

test("a SQL role without a domain is refused like the other domain roles", () => {
  expect(
    errorsOf((c) => {
      delete c.domain;
    }, "split-sql"),
  ).toContain(
    "homelab:vms[1].role: role sql needs an Active Directory domain: add homelab:domain (fqdn, netbios, dc), or use role: windows for a VM outside any domain",
  );
});

test("a role-windows VM needs no domain, but the host must reach it (its phases run over WinRM)", () => {
  expect(
    errorsOf((c) => {
      vm(c, 3).role = "windows";
      vm(c, 3).nics = [{ network: "lab-net" }];
    }),
  ).toEqual([
    "homelab:vms[3].nics: CLIENT02 has no address the host can reach it at: give one NIC a static ip:, or a reserve: on a network whose DHCP libvirt serves",
  ]);
});

test("a client reserved only on the DC's network is unreachable before the DC exists", () => {
  expect(
    errorsOf((c) => {
      vm(c, 3).nics = [{ network: "lab-net", reserve: "192.168.56.150" }];
    }),
  ).toEqual([
    "homelab:vms[3].nics: CLIENT02 has no address the host can reach it at: give one NIC a static ip:, or a reserve: on a network whose DHCP libvirt serves",
  ]);
});

test("a second DC is named together with the first one", () => {
  expect(
    errorsOf((c) => {
      vm(c, 1).role = "dc";
    }),
  ).toContain("homelab:vms[1].role: a second DC (SCCM01) in one forest is not supported; DC01 is the DC: give this VM another role");
});

test("Windows Server 2022 with 511 MiB is refused, 512 MiB accepted (with the DC warning)", () => {
  expect(
    errorsOf((c) => {
      vm(c, 0).memory = "511MiB";
    }),
  ).toEqual(["homelab:vms[0].memory: 511 MiB is below what the windows-server-2022 installer accepts (512 MiB): give it at least that"]);
  expect(
    warningsOf((c) => {
      vm(c, 0).memory = "512MiB";
    }),
  ).toEqual(["homelab:vms[0].memory: 512 MiB is less than 2 GiB, what a domain controller is given by other lab builders"]);
});

test("Windows 11 at exactly its minimum passes: 4 GiB and 64 GB (60 GiB is 64.4 GB)", () => {
  expect(
    errorsOf((c) => {
      vm(c, 2).memory = "4GiB";
      vm(c, 2).disk = "64GB";
    }),
  ).toEqual([]);
  expect(
    errorsOf((c) => {
      vm(c, 2).disk = "63GB";
    }),
  ).toEqual(["homelab:vms[2].disk: 63000000000 B is below what the windows-11 installer accepts (64 GB): give it at least 60GiB"]);
});

test("the SQL warning boundaries: 8 GiB and 60 GiB are enough", () => {
  expect(
    warningsOf((c) => {
      vm(c, 1).memory = "8GiB";
      vm(c, 1).disk = "60GiB";
    }, "split-sql"),
  ).toEqual([]);
});

test("a bridge name of exactly 15 characters is the Linux limit and passes", () => {
  expect(
    errorsOf((c) => {
      net(c, 0).bridge = "virbr-homelab-1";
    }),
  ).toEqual([]);
});

test("Windows Server 2025 needs neither TPM nor Secure Boot", () => {
  expect(
    errorsOf((c) => {
      vm(c, 0).os = "windows-server-2025";
      vm(c, 0).tpm = false;
      vm(c, 0).firmware = { uefi: false, secureBoot: false };
    }),
  ).toEqual([]);
});
