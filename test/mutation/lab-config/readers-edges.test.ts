// The survivors of the first lab-config run, each pinned by a literal case: unknown keys, values of
// the wrong shape, passwords in plain config, which secrets a mixed lab needs, the phases' secrets
// only with phases on, the management address past a plain DHCP NIC, and the DC's DNS forwarder
// (its own VM, its static NICs only, a network without DHCP).
import { isWindows, loadLabSpec, missingPhaseSecrets } from "../../../lab";
import type { LabProblem, LabResult, StackConfig } from "../../../lab";
import { clone, stackConfig } from "../../support/stacks";

type Config = Record<string, any>;

function result(stack: string, change: (c: Config) => void, secretKeys?: ReadonlySet<string>): LabResult {
  const input = clone(stackConfig(stack));
  change(input.config);
  return loadLabSpec({ ...input, secretKeys: secretKeys ?? input.secretKeys });
}
const errors = (r: LabResult): LabProblem[] => (r.ok ? [] : r.errors);
const at = (r: LabResult, path: string) =>
  errors(r)
    .filter((p) => p.path === path)
    .map((p) => p.message);
const spec = (r: LabResult) => {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
};

describe("keys and shapes", () => {
  it("an unknown top-level key lists the known ones", () => {
    expect(
      at(
        result("linux", (c) => (c.vm = [])),
        "homelab:vm",
      ),
    ).toEqual([
      "is not a known config key: the keys are uri, domainType, nvramDir, graphics, guestPhases, winrmTransport, winrmUser, install, installTimeoutMinutes, disks, replaceClonesOnBaseChange, checkpoints, networks, pool, vms, domain, sccm, media, adminPassword, dsrmPassword, sqlServicePassword, networkAccessPassword, clientPushPassword",
    ]);
  });
  it("a misspelled VM setting is named at its own path", () => {
    expect(errors(result("linux", (c) => (c.vms[0].memroy = "2GiB")))).toEqual([
      { path: "homelab:vms[0].memroy", message: "is not a known setting: check its spelling, or remove it" },
    ]);
  });
  it("networks written as a map instead of a list", () => {
    expect(
      at(
        result("linux", (c) => (c.networks = { "lab-net": {} })),
        "homelab:networks",
      ),
    ).toEqual(["must be a list, found an object"]);
  });
  it("an empty (null) list element is reported at its index, without a crash", () => {
    const messages = at(
      result("linux", (c) => c.vms.push(null)),
      "homelab:vms[3]",
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^null is empty \(null\): /);
  });
  it("a nameless malformed VM does not hide a missing VM that happens to be called undefined", () => {
    const r = result("dev", (c) => {
      c.vms.push({ role: "client" });
      c.domain.dc = "undefined";
    });
    expect(at(r, "homelab:domain.dc")).toContain("undefined is not a VM of this lab: name the VM with role dc");
  });
  it("a valid sccm block is still checked: a site server that is no VM", () => {
    expect(
      at(
        result("dev", (c) => (c.sccm.siteServer = "NOPE")),
        "homelab:sccm.siteServer",
      ),
    ).toEqual(["NOPE is not a VM of this lab: name the VM with role site-server"]);
  });
});

describe("passwords and secrets", () => {
  it("a password in plain config is refused, naming the command that stores it as a secret", () => {
    const input: StackConfig = clone(stackConfig("linux"));
    input.config.adminPassword = "P@ss";
    const plain = { stack: input.stack, config: input.config };
    expect(errors(loadLabSpec(plain))).toEqual([
      { path: "homelab:adminPassword", message: "holds a password in plain config: remove it and run `pulumi config set --secret homelab:adminPassword`" },
    ]);
    expect(errors(loadLabSpec({ ...plain, secretKeys: new Set(["adminPassword"]) }))).toEqual([]);
  });
  it("one Windows VM among Linux ones needs the Administrator password", () => {
    const s = spec(
      result("dev", (c) =>
        c.vms.push({
          name: "lnx",
          role: "linux",
          os: "linux",
          vcpus: 1,
          memory: "1GiB",
          disk: "8GiB",
          nics: [{ network: "default", reserve: "192.168.122.50" }],
        }),
      ),
    );
    expect(s.secrets.map((x) => x.key)).toEqual(["adminPassword", "dsrmPassword", "sqlServicePassword", "networkAccessPassword", "clientPushPassword"]);
  });
  it("the phases' secrets are asked for only with phases on", () => {
    const input = clone(stackConfig("dev"));
    input.config.guestPhases = false;
    expect(missingPhaseSecrets(input, spec(loadLabSpec(input)))).toEqual([]);
    input.config.guestPhases = true;
    expect(missingPhaseSecrets(input, spec(loadLabSpec(input))).map((p) => p.path)).toEqual([
      "homelab:adminPassword",
      "homelab:dsrmPassword",
      "homelab:sqlServicePassword",
      "homelab:networkAccessPassword",
      "homelab:clientPushPassword",
    ]);
  });
});

describe("addresses the host and the DC use", () => {
  it("the management address skips a plain DHCP NIC before the reservation", () => {
    const s = spec(
      result("linux", (c) => {
        c.vms[1].nics = [{ network: "default" }, { network: "lab-net", reserve: "192.168.56.20" }];
      }),
    );
    expect(s.vms[1].managementIp).toBe("192.168.56.20");
  });
  it("a forwarder written in the config replaces the default", () => {
    expect(spec(result("dev", (c) => (c.domain.forwarders = ["9.9.9.9"]))).domain?.forwarders).toStrictEqual(["9.9.9.9"]);
  });
  it("no default forwarder at all (not an empty entry) when no network of the DC has libvirt's DNS", () => {
    const s = spec(
      result("dev", (c) => {
        c.networks[1].dhcp.server = "dc";
        c.vms[2].nics = [{ network: "lab-net", ip: "192.168.56.21" }];
        c.vms[3].nics = [{ network: "lab-net", ip: "192.168.56.22" }];
      }),
    );
    expect(s.domain?.forwarders).toStrictEqual([]);
  });
  it("the default forwarder follows the DC's own NICs, not the first VM's", () => {
    const s = spec(
      result("dev", (c) => {
        c.networks[0].dhcp.server = "libvirt";
        c.vms[1].nics.reverse();
        c.vms.unshift(c.vms.splice(1, 1)[0]);
      }),
    );
    expect(s.vms[0].name).toBe("SCCM01");
    expect(s.domain?.forwarders).toStrictEqual(["192.168.56.1"]);
  });
  it("a static NIC on a network without DHCP counts as libvirt's DNS", () => {
    const s = spec(
      result("dev", (c) => {
        delete c.networks[1].dhcp;
        c.vms[2].nics = [{ network: "lab-net", ip: "192.168.56.21" }];
        c.vms[3].nics = [{ network: "lab-net", ip: "192.168.56.22" }];
      }),
    );
    expect(s.domain?.forwarders).toStrictEqual(["192.168.122.1"]);
  });
});

test("isWindows is the template, not the role", () => {
  expect(isWindows({ template: "windows" })).toBe(true);
  expect(isWindows({ template: "linux" })).toBe(false);
});
