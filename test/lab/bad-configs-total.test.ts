// Bad configs of the classes that used to pass validation and crash later, or be reported at
// the wrong path or without the value: each with its exact path and message.
import { mkdtempSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLabSpec, missingPhaseSecrets, readStackConfig } from "../../lab";
import type { LabProblem, StackConfig } from "../../lab";
import { clone, PROJECT_DIR, stackConfig } from "../support/stacks";

type Config = Record<string, any>;

function withChange(stack: string, change: (c: Config) => void, secretKeys?: string[]): StackConfig {
  const input = clone(stackConfig(stack));
  change(input.config);
  return { ...input, secretKeys: new Set([...(input.secretKeys ?? []), ...(secretKeys ?? [])]) };
}

/** What render reports: validation's errors, then (for a valid spec) the phases' missing secrets. */
function errorsOf(input: StackConfig): LabProblem[] {
  const result = loadLabSpec(input);
  return result.ok ? missingPhaseSecrets(input, result.spec) : result.errors;
}

const SECRETS = ["adminPassword", "dsrmPassword", "sqlServicePassword", "networkAccessPassword", "clientPushPassword"];
const withSecrets = (c: Config) => {
  for (const k of SECRETS) c[k] = "[secret]";
};

// [description, stack, change, expected path, expected message (whole)]
const CASES: Array<[string, string, (c: Config) => void, string, string]> = [
  [
    "vCPUs as a string",
    "dev",
    (c) => {
      c.vms[1].vcpus = "4";
    },
    "homelab:vms[1].vcpus",
    '"4" is a string: write a whole number like 4',
  ],
  [
    "a flag as a number",
    "dev",
    (c) => {
      c.vms[0].tpm = 1;
    },
    "homelab:vms[0].tpm",
    "1 is a number: write true or false",
  ],
  [
    "vCPUs above q35's limit",
    "dev",
    (c) => {
      c.vms[1].vcpus = 289;
    },
    "homelab:vms[1].vcpus",
    "289 is more than QEMU's q35 machine type accepts (pc-q35-7.2: at most 288 vCPUs): give at most 288",
  ],
  [
    "memory above q35's 40-bit limit under TCG",
    "nokvm",
    (c) => {
      c.vms[0].memory = "979GiB";
    },
    "homelab:vms[0].memory",
    "979 GiB is more than QEMU's q35 machine maps at most 978 GiB of guest RAM with a 40-bit physical address width, which emulated CPUs have: give at most 978GiB",
  ],
  [
    "all-digit VM name",
    "linux",
    (c) => {
      c.vms[0].name = "1234";
    },
    "homelab:vms[0].name",
    '"1234" is all digits, which virsh takes as the ID of a running domain (a lookup or destroy could hit another VM): add a letter, e.g. VM1234',
  ],
  [
    "UUID-shaped VM name",
    "linux",
    (c) => {
      c.vms[0].name = "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d99";
    },
    "homelab:vms[0].name",
    '"5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d99" is shaped like a UUID, which virsh takes as a domain\'s UUID: pick a name, and put the UUID in uuid:',
  ],
  [
    "UUID-shaped network name",
    "linux",
    (c) => {
      c.networks[0].name = "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d98";
      for (const vm of c.vms) vm.nics[0].network = c.networks[0].name;
    },
    "homelab:networks[0].name",
    '"5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d98" is shaped like a UUID, which virsh takes as a network\'s UUID: pick a name, and put the UUID in uuid:',
  ],
  [
    "ISO path with a trailing newline",
    "dev",
    (c) => {
      c.vms[0].iso = "/var/lib/libvirt/iso/windows-server-2022.iso\n";
    },
    "homelab:vms[0].iso",
    '"/var/lib/libvirt/iso/windows-server-2022.iso\\n" contains a control character (a line break or tab pasted with it?): write the path on one line without them',
  ],
  [
    "pool path with ..",
    "dev",
    (c) => {
      c.pool.path = "/var/lib/libvirt/images/../homelab";
    },
    "homelab:pool.path",
    '"/var/lib/libvirt/images/../homelab" contains a .. segment: write the path without it, as the folder it leads to',
  ],
  [
    "media ISO inside the media folder",
    "dev",
    (c) => {
      c.media.iso = "/var/lib/libvirt/iso/homelab-media/media.iso";
    },
    "homelab:media.iso",
    "/var/lib/libvirt/iso/homelab-media/media.iso is inside homelab:media.dir /var/lib/libvirt/iso/homelab-media, the folder the ISO is built from: the next build would pack the old ISO into the new one; put it beside the folder",
  ],
  [
    "media ISO equal to an install ISO",
    "dev",
    (c) => {
      c.media.iso = "/var/lib/libvirt/iso/windows-11.iso";
    },
    "homelab:media.iso",
    "/var/lib/libvirt/iso/windows-11.iso is also homelab:vms[2].iso: building the media ISO would overwrite that installer; give the media ISO a path of its own",
  ],
  [
    "multi-line site name",
    "dev",
    (c) => {
      c.sccm.siteName = "Primary\nSite";
    },
    "homelab:sccm.siteName",
    '"Primary\\nSite" must be printable ASCII on one line (the ConfigMgr setup ini carries nothing else): write it like Homelab Primary Site',
  ],
  [
    "non-ASCII site name",
    "dev",
    (c) => {
      c.sccm.siteName = "Zoë's site";
    },
    "homelab:sccm.siteName",
    '"Zoë\'s site" must be printable ASCII on one line (the ConfigMgr setup ini carries nothing else): write it like Homelab Primary Site',
  ],
  [
    "Windows VM reachable only by plain DHCP",
    "linux",
    (c) => {
      c.vms[0].os = "windows-server-2022";
      c.vms[0].role = "windows";
      c.vms[0].memory = "4GiB";
      c.vms[0].disk = "64GiB";
      c.vms[0].nics = [{ network: c.networks[0].name }];
    },
    "homelab:vms[0].nics",
    "router01 has no address the host can reach it at: give one NIC a static ip:, or a reserve: on a network whose DHCP libvirt serves",
  ],
  [
    "member on no network of its DC",
    "split-sql",
    (c) => {
      c.vms[0].nics = c.vms[0].nics.filter((n: Config) => n.network === c.vms[0].nics[0].network);
      c.vms[3].nics = c.vms[3].nics.filter((n: Config) => n.network !== c.vms[0].nics[0].network);
    },
    "homelab:vms[3].nics",
    "CLIENT01 (SCCM client) shares no network with its DC DC01 (static on lab-net): a domain member uses the DC as its DNS server, so attach a NIC to one of those networks",
  ],
  [
    "DC forwarding to itself",
    "dev",
    (c) => {
      c.domain.forwarders = ["192.168.122.10"];
    },
    "homelab:domain.forwarders[0]",
    "192.168.122.10 is the DC DC01's own address: a DNS server forwarding to itself loops; name the resolver it should ask (e.g. a gateway where libvirt answers DNS)",
  ],
  [
    "DC forwarding to a gateway without libvirt DNS",
    "dev",
    (c) => {
      c.domain.forwarders = ["192.168.56.1"];
    },
    "homelab:domain.forwarders[0]",
    "192.168.56.1 is the gateway of lab-net, where the DC serves DHCP and DNS, so libvirt's DNS does not answer there: forward to the gateway of a network where libvirt serves DHCP, or to another resolver",
  ],
  [
    "DC forwarding to an empty address of its network",
    "dev",
    (c) => {
      c.domain.forwarders = ["192.168.122.53"];
    },
    "homelab:domain.forwarders[0]",
    "192.168.122.53 on default is neither its gateway nor a lab VM's address, so no resolver answers there: forward to the gateway of a network where libvirt serves DNS, or to a resolver outside the lab",
  ],
  [
    "isolated DC forwarding outside the lab",
    "nokvm",
    (c) => {
      c.domain.forwarders = ["9.9.9.9"];
    },
    "homelab:domain.forwarders[0]",
    "9.9.9.9 is outside the lab, and the DC DC01 is only on isolated networks, which reach nothing outside: attach it to a nat network or forward to an address inside the lab",
  ],
  [
    "reserved word as a computer name (from the VM name)",
    "dev",
    (c) => {
      c.vms[3].name = "SYSTEM";
    },
    "homelab:vms[3].name",
    "SYSTEM is a word Windows reserves (ANONYMOUS, BATCH, BUILTIN, DIALUP, ... per Microsoft's AD naming conventions) and refuses as a computer name (the computer name is the VM name unless hostname: is set): pick another",
  ],
  [
    "reserved word as a hostname",
    "dev",
    (c) => {
      c.vms[3].hostname = "network";
    },
    "homelab:vms[3].hostname",
    "network is a word Windows reserves (ANONYMOUS, BATCH, BUILTIN, DIALUP, ... per Microsoft's AD naming conventions) and refuses as a computer name: pick another",
  ],
  [
    "reserved word as the NetBIOS domain name",
    "dev",
    (c) => {
      c.domain.netbios = "ANONYMOUS";
    },
    "homelab:domain.netbios",
    "ANONYMOUS is a word Windows reserves (per Microsoft's AD naming conventions) and refuses as a NetBIOS domain name: pick another, e.g. CORP",
  ],
  [
    "all-zero MAC",
    "dev",
    (c) => {
      c.vms[0].nics[0].mac = "00:00:00:00:00:00";
    },
    "homelab:vms[0].nics[0].mac",
    "00:00:00:00:00:00 is the all-zero MAC, which no NIC may use: leave mac: out to derive one, or write one like 52:54:00:12:34:56",
  ],
  [
    "invalid computer name derived from the VM name",
    "dev",
    (c) => {
      c.vms[3].name = "CLIENT.02";
    },
    "homelab:vms[3].name",
    "CLIENT.02 is not a valid Windows computer name: use 1 to 15 letters, digits or '-' (NetBIOS limit), starting with a letter or digit",
  ],
  [
    "static IP equal to the network address",
    "dev",
    (c) => {
      c.vms[1].nics[0].ip = "192.168.56.0";
    },
    "homelab:vms[1].nics[0].ip",
    "192.168.56.0 is the network address of lab-net 192.168.56.0/24: pick a host address, between the network and broadcast addresses",
  ],
  [
    "reservation equal to the broadcast address",
    "dev",
    (c) => {
      c.vms[2].nics[1].reserve = "192.168.122.255";
    },
    "homelab:vms[2].nics[1].reserve",
    "192.168.122.255 is the broadcast address of default 192.168.122.0/24: pick a host address, between the network and broadcast addresses",
  ],
  [
    "gateway equal to the broadcast address",
    "dev",
    (c) => {
      c.networks[0].gateway = "192.168.56.255";
    },
    "homelab:networks[0].gateway",
    "192.168.56.255 is the broadcast address of lab-net 192.168.56.0/24, not a host address of it: pick one inside the subnet",
  ],
  [
    "DHCP start equal to the network address",
    "dev",
    (c) => {
      c.networks[1].dhcp.start = "192.168.122.0";
    },
    "homelab:networks[1].dhcp.start",
    "192.168.122.0 is the network address of default 192.168.122.0/24: the DHCP range must lie inside the subnet, between its network and broadcast addresses",
  ],
  [
    "guest phases on without their secrets",
    "minimal",
    (c) => {
      c.guestPhases = true;
    },
    "homelab:adminPassword",
    "is not set, and homelab:guestPhases is on: run `pulumi config set --secret homelab:adminPassword` (the local and domain Administrator password), or turn the phases off",
  ],
];

describe("bad configs of the classes validation used to let through", () => {
  it.each(CASES)("%s", (_what, stack, change, path, message) => {
    expect(errorsOf(withChange(stack, change))).toContainEqual({ path, message });
  });

  it("loadLabSpec itself accepts guest phases without secrets, so `npm run up` can ask for them", () => {
    expect(
      loadLabSpec(
        withChange("dev", (c) => {
          c.guestPhases = true;
        }),
      ).ok,
    ).toBe(true);
  });

  it("names every missing secret when guest phases are on", () => {
    const errors = errorsOf(
      withChange(
        "dev",
        (c) => {
          c.guestPhases = true;
          c.adminPassword = "[secret]";
        },
        ["adminPassword"],
      ),
    );
    expect(errors.map((e) => e.path)).toEqual([
      "homelab:dsrmPassword",
      "homelab:sqlServicePassword",
      "homelab:networkAccessPassword",
      "homelab:clientPushPassword",
    ]);
    expect(errors[0].message).toBe(
      "is not set, and homelab:guestPhases is on: run `pulumi config set --secret homelab:dsrmPassword` (the Directory Services Restore Mode password of the forest), or turn the phases off",
    );
  });

  it("accepts guest phases once every secret is set", () => {
    expect(
      errorsOf(
        withChange(
          "dev",
          (c) => {
            c.guestPhases = true;
            withSecrets(c);
          },
          SECRETS,
        ),
      ),
    ).toEqual([]);
  });
});

describe("the stack file reads as the Pulumi CLI hands it over", () => {
  function project(stackYaml: string): string {
    const dir = mkdtempSync(join(tmpdir(), "homelab-stack-"));
    copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    writeFileSync(join(dir, "Pulumi.t.yaml"), stackYaml);
    return dir;
  }
  const base = (extra: string) => `config:
  homelab:networks:
    - { name: net, bridge: virbr70, subnet: 10.70.0.0/24, dhcp: { start: 10.70.0.100, end: 10.70.0.200 } }
  homelab:pool: { name: p, path: /srv/p }
  homelab:vms:
    - &linux { name: a, role: linux, os: linux, vcpus: 1, memory: 1GiB, disk: 8GiB, nics: [ { network: net } ] }
    - { <<: *linux, name: b, vcpus: 2 }
${extra}`;

  it('takes the string "true" that `pulumi config set homelab:guestPhases true` stores as true', () => {
    const input = readStackConfig(project(base('  homelab:guestPhases: "true"\n')), "t");
    expect(input.config.guestPhases).toBe(true);
    const result = loadLabSpec(input);
    expect(result.ok && result.spec.guest.phases).toBe(true);
  });

  it("resolves YAML merge keys as the Pulumi CLI does", () => {
    const result = loadLabSpec(readStackConfig(project(base("")), "t"));
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.spec.vms.map((v) => [v.name, v.vcpus, v.diskBytes])).toEqual([
      ["a", 1, 8 * 2 ** 30],
      ["b", 2, 8 * 2 ** 30],
    ]);
  });

  it("reports a stack file that is not YAML with its file name", () => {
    expect(() => readStackConfig(project("config: [\n"), "t")).toThrow(/Pulumi\.t\.yaml is not valid YAML/);
  });
});
