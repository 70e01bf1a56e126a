// The whole-lab checks of lab/sense.ts on cases the bad-config tables leave out: every NetBIOS
// reserved word (Microsoft Learn, KB 909264, "Reserved words"), a pool named like a UUID, the q35
// memory limit at its exact value and under KVM, media paths written with trailing slashes, and
// membership and forwarders when the DC is not the first VM and sits on one network only.
import { loadLabSpec } from "../../../lab";
import type { LabProblem, LabResult } from "../../../lab";
import { clone, stackConfig } from "../../support/stacks";

type Config = Record<string, any>;

function result(stack: string, change: (c: Config) => void): LabResult {
  const input = clone(stackConfig(stack));
  change(input.config);
  return loadLabSpec(input);
}
const errors = (r: LabResult): LabProblem[] => (r.ok ? [] : r.errors);
const warnings = (r: LabResult): LabProblem[] => r.warnings;
const at = (list: LabProblem[], path: string) => list.filter((p) => p.path === path).map((p) => p.message);

const RESERVED = [
  "ANONYMOUS",
  "BATCH",
  "BUILTIN",
  "DIALUP",
  "INTERACTIVE",
  "INTERNET",
  "LOCAL",
  "NETWORK",
  "NULL",
  "PROXY",
  "RESTRICTED",
  "SELF",
  "SERVER",
  "SERVICE",
  "SYSTEM",
  "USERS",
  "WORLD",
];

describe("reserved words", () => {
  it.each(RESERVED)("%s is refused as a Windows computer name", (word) => {
    const messages = at(errors(result("dev", (c) => (c.vms[3].hostname = word))), "homelab:vms[3].hostname");
    expect(messages).toEqual([
      `${word} is a word Windows reserves (ANONYMOUS, BATCH, BUILTIN, DIALUP, ... per Microsoft's AD naming conventions) and refuses as a computer name: pick another`,
    ]);
  });
  it("a Linux VM may be called SYSTEM", () => {
    expect(errors(result("linux", (c) => (c.vms[1].name = "SYSTEM")))).toEqual([]);
  });
});

test("a pool named like a UUID", () => {
  expect(errors(result("linux", (c) => (c.pool.name = "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d97")))).toEqual([
    {
      path: "homelab:pool.name",
      message: '"5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d97" is shaped like a UUID, which virsh takes as a pool\'s UUID: pick a name, and put the UUID in uuid:',
    },
  ]);
});

test("a network's all-zero MAC", () => {
  expect(at(errors(result("linux", (c) => (c.networks[0].mac = "00:00:00:00:00:00"))), "homelab:networks[0].mac")).toEqual([
    "00:00:00:00:00:00 is the all-zero MAC, which no NIC may use: leave mac: out to derive one, or write one like 52:54:00:12:34:56",
  ]);
});

describe("q35's 978 GiB with a 40-bit address width", () => {
  it("978 GiB itself is accepted under TCG", () => {
    expect(at(errors(result("nokvm", (c) => (c.vms[0].memory = "978GiB"))), "homelab:vms[0].memory")).toEqual([]);
  });
  it("under KVM more is a warning about the host's phys-bits, not an error", () => {
    const r = result("linux", (c) => (c.vms[0].memory = "979GiB"));
    expect(at(errors(r), "homelab:vms[0].memory")).toEqual([]);
    expect(at(warnings(r), "homelab:vms[0].memory")).toEqual([
      "979 GiB may be more than the host CPU's physical address width lets QEMU map (QEMU's q35 machine maps at most 978 GiB of guest RAM with a 40-bit physical address width): check the host's phys-bits",
    ]);
  });
});

describe("media paths compared without trailing slashes", () => {
  const mediaIso = (list: LabProblem[]) => at(list, "homelab:media.iso").length;
  it("the ISO equal to its folder, or inside a folder written with two trailing slashes", () => {
    expect(mediaIso(errors(result("dev", (c) => (c.media.iso = c.media.dir))))).toBe(1);
    expect(
      mediaIso(
        errors(
          result("dev", (c) => {
            c.media.dir = "/var/lib/libvirt/iso/homelab-media//";
            c.media.iso = "/var/lib/libvirt/iso/homelab-media/m.iso";
          }),
        ),
      ),
    ).toBe(1);
  });
  it("the ISO equal to an installer ISO, either written with two trailing slashes", () => {
    expect(
      mediaIso(
        errors(
          result("dev", (c) => {
            c.media.iso = "/var/lib/libvirt/iso/windows-11.iso//";
          }),
        ),
      ),
    ).toBe(2);
    expect(
      mediaIso(
        errors(
          result("dev", (c) => {
            c.media.iso = "/var/lib/libvirt/iso/windows-11.iso";
            c.vms[2].iso = "/var/lib/libvirt/iso/windows-11.iso//";
          }),
        ),
      ),
    ).toBe(2);
  });
});

describe("a DC last in the list, static on lab-net only", () => {
  const lab = (extra: (c: Config) => void = () => undefined) =>
    result("dev", (c) => {
      c.vms[0].nics = [{ network: "lab-net", ip: "192.168.56.10" }];
      c.vms[1].nics = [{ network: "default", ip: "192.168.122.11" }];
      c.vms[2].nics = [{ network: "default", reserve: "192.168.122.101" }];
      c.vms.push({
        name: "lnx",
        role: "linux",
        os: "linux",
        vcpus: 1,
        memory: "1GiB",
        disk: "8GiB",
        nics: [{ network: "default", reserve: "192.168.122.50" }],
      });
      c.vms.push(c.vms.shift());
      extra(c);
    });
  const membership = (r: LabResult) => errors(r).filter((p) => p.message.includes("shares no network"));

  it("members on no network of it are refused; a member also on lab-net and a Linux VM are not", () => {
    expect(membership(lab())).toEqual([
      {
        path: "homelab:vms[0].nics",
        message:
          "SCCM01 (SCCM site server) shares no network with its DC DC01 (static on lab-net): a domain member uses the DC as its DNS server, so attach a NIC to one of those networks",
      },
      {
        path: "homelab:vms[1].nics",
        message:
          "CLIENT01 (SCCM client) shares no network with its DC DC01 (static on lab-net): a domain member uses the DC as its DNS server, so attach a NIC to one of those networks",
      },
    ]);
  });

  const forwarder = (ip: string) => at(errors(lab((c) => (c.domain.forwarders = [ip]))), "homelab:domain.forwarders[0]");
  it("forwarding to the DC's own address loops", () => {
    expect(forwarder("192.168.56.10")).toEqual([
      "192.168.56.10 is the DC DC01's own address: a DNS server forwarding to itself loops; name the resolver it should ask (e.g. a gateway where libvirt answers DNS)",
    ]);
  });
  it("a resolver on a network the DC has no NIC on is out of its reach", () => {
    expect(forwarder("192.168.122.1")).toEqual([
      "192.168.122.1 is on default, where the DC DC01 has no NIC: forward to a resolver on one of its networks (lab-net)",
    ]);
  });
  it("a resolver outside the lab is fine from a nat network; a lab VM's address on the DC's network too", () => {
    expect(forwarder("9.9.9.9")).toEqual([]);
    expect(forwarder("192.168.56.102")).toEqual([]);
  });
  it("an address on the DC's network where nothing answers is refused", () => {
    expect(forwarder("192.168.56.77")).toEqual([
      "192.168.56.77 on lab-net is neither its gateway nor a lab VM's address, so no resolver answers there: forward to the gateway of a network where libvirt serves DNS, or to a resolver outside the lab",
    ]);
  });
});
