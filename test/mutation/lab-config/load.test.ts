// loadLabSpec's own decisions, each written out: the stack name, the guest settings and WinRM port
// (5985 HTTP, 5986 HTTPS: Microsoft Learn, "Installation and configuration for Windows Remote
// Management", default listener ports), base-image modes, secrets by what the lab contains, the
// default DNS forwarder, and the error that carries every problem.
import { LabConfigError, loadLabSpec, requireLabSpec } from "../../../lab";
import type { LabResult, StackConfig } from "../../../lab";
import { clone, stackConfig } from "../../support/stacks";

type Config = Record<string, any>;

function load(stack: string, change: (c: Config) => void = () => undefined, name?: string): LabResult {
  const input: StackConfig = clone(stackConfig(stack));
  change(input.config);
  return loadLabSpec({ ...input, stack: name ?? input.stack });
}
const spec = (r: LabResult) => {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
};
const errors = (r: LabResult) => (r.ok ? [] : r.errors);

describe("guest settings", () => {
  it("the defaults: no phases, NTLM on 5985 as Administrator, unattended, checkpoints on, no install timeout", () => {
    const guest = spec(load("linux")).guest;
    expect(guest).toEqual({ phases: false, transport: "ntlm", port: 5985, user: "Administrator", install: "unattended", checkpoints: "auto" });
    expect(Object.keys(guest)).not.toContain("installTimeoutMinutes");
  });
  it("basic over HTTPS is 5986, plain basic stays on 5985; the other settings pass through", () => {
    const https = spec(
      load("linux", (c) => {
        c.winrmTransport = "basic-https";
        c.winrmUser = "labadmin";
        c.install = "manual";
        c.installTimeoutMinutes = 45;
        c.checkpoints = "off";
        c.guestPhases = true;
      }),
    ).guest;
    expect(https).toEqual({
      phases: true,
      transport: "basic-https",
      port: 5986,
      user: "labadmin",
      install: "manual",
      installTimeoutMinutes: 45,
      checkpoints: "off",
    });
    expect(spec(load("linux", (c) => (c.winrmTransport = "basic"))).guest.port).toBe(5985);
  });
});

describe("stack name", () => {
  it("a name with a space is refused at the namespace itself, quoting it", () => {
    expect(errors(load("linux", undefined, "my lab"))).toEqual([
      { path: "homelab:", message: "stack name \"my lab\" is not usable: use letters, digits, '-', '_' or '.'" },
    ]);
    expect(errors(load("linux", undefined, "a.b_c-1"))).toEqual([]);
    expect(errors(load("linux", undefined, "ok/"))).toHaveLength(1);
    expect(errors(load("linux", undefined, "/ok"))).toHaveLength(1);
  });
});

describe("base images (issue 13)", () => {
  it("linked and full both need the unattended install; unset keeps no disks key", () => {
    expect(spec(load("dev", (c) => (c.disks = "full"))).disks).toBe("full");
    expect(
      errors(
        load("dev", (c) => {
          c.disks = "full";
          c.install = "manual";
        }),
      ),
    ).toEqual([
      {
        path: "homelab:disks",
        message:
          "full: base images are built by the unattended install, but homelab:install is manual: set homelab:install to unattended, or leave homelab:disks unset",
      },
    ]);
    expect(
      errors(
        load("dev", (c) => {
          c.disks = "linked";
          c.install = "manual";
        }),
      ),
    ).toEqual([
      {
        path: "homelab:disks",
        message:
          "linked: base images are built by the unattended install, but homelab:install is manual: set homelab:install to unattended, or leave homelab:disks unset",
      },
    ]);
    expect(spec(load("dev", (c) => (c.disks = "linked"))).disks).toBe("linked");
    expect(Object.keys(spec(load("dev")))).not.toContain("disks");
  });
});

describe("secrets by what the lab contains", () => {
  it("Linux only: none; the dev lab: all five, in order, with their purpose", () => {
    expect(spec(load("linux")).secrets).toEqual([]);
    expect(spec(load("dev")).secrets).toEqual([
      { key: "adminPassword", purpose: "the local and domain Administrator password" },
      { key: "dsrmPassword", purpose: "the Directory Services Restore Mode password of the forest" },
      { key: "sqlServicePassword", purpose: "the SQL Server service account password" },
      { key: "networkAccessPassword", purpose: "the SCCM network access account password" },
      { key: "clientPushPassword", purpose: "the SCCM client push account password" },
    ]);
  });
});

describe("the DC's default DNS forwarder", () => {
  it("is the gateway of the first network the DC is static on where libvirt answers DNS", () => {
    // dev: DC01 is static on lab-net (the DC serves DHCP there) and on default (libvirt serves).
    expect(spec(load("dev")).domain?.forwarders).toEqual(["192.168.122.1"]);
  });
  it("a forwarder written in the config is kept as written", () => {
    expect(spec(load("dev", (c) => (c.domain.forwarders = ["192.168.122.1"]))).domain?.forwarders).toEqual(["192.168.122.1"]);
  });
  it("none when every network the DC is static on is served by the DC", () => {
    const s = spec(
      load("dev", (c) => {
        c.networks[1].dhcp.server = "dc";
        // The clients need another address the host can reach once libvirt serves no DHCP.
        c.vms[2].nics = [{ network: "lab-net", ip: "192.168.56.21" }];
        c.vms[3].nics = [{ network: "lab-net", ip: "192.168.56.22" }];
      }),
    );
    expect(s.domain?.forwarders).toEqual([]);
  });
});

describe("media and management addresses", () => {
  it("the media ISO goes to the DC, the SQL host and the site server only", () => {
    const s = spec(load("dev"));
    expect(s.vms.map((vm) => [vm.name, vm.isos.media])).toEqual([
      ["DC01", "/var/lib/libvirt/iso/homelab-media.iso"],
      ["SCCM01", "/var/lib/libvirt/iso/homelab-media.iso"],
      ["CLIENT01", undefined],
      ["CLIENT02", undefined],
    ]);
  });
  it("a static address first, else a reservation on a network libvirt serves", () => {
    const s = spec(load("dev"));
    expect(s.vms.map((vm) => [vm.name, vm.managementIp])).toEqual([
      ["DC01", "192.168.56.10"],
      ["SCCM01", "192.168.56.11"],
      ["CLIENT01", "192.168.122.101"],
      ["CLIENT02", "192.168.122.102"],
    ]);
    const staticSecond = spec(
      load("dev", (c) => {
        c.vms[2].nics = [
          { network: "default", reserve: "192.168.122.101" },
          { network: "lab-net", ip: "192.168.56.21" },
        ];
      }),
    );
    expect(staticSecond.vms[2].managementIp).toBe("192.168.56.21");
  });
});

describe("LabConfigError", () => {
  it("lists every problem under one count, singular or plural", () => {
    const two = new LabConfigError([
      { path: "homelab:a", message: "m1" },
      { path: "homelab:b", message: "m2" },
    ]);
    expect(two.message).toBe("the lab config has 2 problems:\n  homelab:a: m1\n  homelab:b: m2");
    expect(two.name).toBe("LabConfigError");
    expect(new LabConfigError([{ path: "p", message: "m" }], "the stack file").message).toBe("the stack file has 1 problem:\n  p: m");
  });
  it("requireLabSpec throws it with the problems, and returns spec and warnings otherwise", () => {
    const input = clone(stackConfig("linux"));
    input.config.disks = "full";
    input.config.install = "manual";
    expect(() => requireLabSpec(input)).toThrow(LabConfigError);
    expect(() => requireLabSpec(input)).toThrow(/^the lab config has 1 problem:\n {2}homelab:disks: full: base images are built by the unattended install/);
    const ok = requireLabSpec(stackConfig("linux"));
    expect(ok.spec.stack).toBe("linux");
    expect(ok.warnings).toEqual([]);
  });
});
