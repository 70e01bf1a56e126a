// The shape checks' messages for each kind of wrong value (they quote it and say what kind it is),
// and a malformed key or list element reported once, where it is, not again by the checks after it.
import { loadLabSpec } from "../../../lab";
import type { LabProblem } from "../../../lab";
import { clone, stackConfig } from "../../support/stacks";

type Config = Record<string, any>;

function problems(stack: string, change: (c: Config) => void): LabProblem[] {
  const input = clone(stackConfig(stack));
  change(input.config);
  const r = loadLabSpec(input);
  return r.ok ? [] : r.errors;
}
const at = (list: LabProblem[], path: string) => list.filter((p) => p.path === path).map((p) => p.message);

describe("a value of the wrong kind", () => {
  it.each<[string, (c: Config) => void, string, string]>([
    ["empty (null) flag", (c) => (c.guestPhases = null), "homelab:guestPhases", "null is empty (null): write true or false"],
    ["vCPUs as a list", (c) => (c.vms[0].vcpus = [4]), "homelab:vms[0].vcpus", "is a list: write a whole number like 4"],
    ["vCPUs as an object", (c) => (c.vms[0].vcpus = { n: 4 }), "homelab:vms[0].vcpus", "is an object: write a whole number like 4"],
    ["vCPUs as a boolean", (c) => (c.vms[0].vcpus = true), "homelab:vms[0].vcpus", "true is a boolean: write a whole number like 4"],
    ["a user name as a number", (c) => (c.winrmUser = 4), "homelab:winrmUser", "4 is a number: expected a user name like Administrator"],
    [
      "a missing VM name",
      (c) => delete c.vms[0].name,
      "homelab:vms[0].name",
      "is required: expected a name: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit",
    ],
  ])("%s", (_title, change, path, message) => {
    expect(at(problems("linux", change), path)).toEqual([message]);
  });

  it.each<[string, unknown, string]>([
    ["a string", "lab-net", 'must be a list, found string "lab-net"'],
    ["a number", 3, "must be a list, found number 3"],
    ["null", null, "must be a list, found null"],
  ])("networks as %s", (_title, value, message) => {
    expect(
      at(
        problems("linux", (c) => (c.networks = value)),
        "homelab:networks",
      ),
    ).toEqual([message]);
  });
});

describe("required top-level keys", () => {
  it("names what each missing key must hold", () => {
    const all = problems("linux", (c) => {
      delete c.pool;
      delete c.networks;
      delete c.vms;
    });
    expect(at(all, "homelab:pool")).toEqual(["is required: give the storage pool's name and absolute path"]);
    expect(at(all, "homelab:networks")).toEqual(["is required: list at least one network"]);
    expect(at(all, "homelab:vms")).toEqual(["is required: list the lab's VMs"]);
  });
});

describe("reported once, where it is", () => {
  it("a VM that fails its shape check is not reported again as the site's missing site server and SQL host", () => {
    expect(problems("dev", (c) => (c.vms[1].vcpus = "two"))).toEqual([
      { path: "homelab:vms[1].vcpus", message: '"two" is a string: write a whole number like 4' },
    ]);
  });
  it("a VM whose memory is unusable is not reported again either", () => {
    expect(problems("dev", (c) => (c.vms[1].memory = "100MiB"))).toEqual([
      { path: "homelab:vms[1].memory", message: "100MiB is not a usable memory size: give a whole number of MiB, at least 256MiB, e.g. 4GiB" },
    ]);
  });
  it("a malformed domain is reported at its own key only", () => {
    expect(problems("dev", (c) => (c.domain.netbios = "CORP DOMAIN"))).toEqual([
      {
        path: "homelab:domain.netbios",
        message: "\"CORP DOMAIN\" is not a NetBIOS domain name: 1 to 15 letters, digits or '-', starting with a letter or digit",
      },
    ]);
  });
  it("a malformed pool is reported at its own key only", () => {
    expect(problems("linux", (c) => (c.pool.path = "relative/path"))).toEqual([
      { path: "homelab:pool.path", message: '"relative/path" must be an absolute path (start with /)' },
    ]);
  });
});

describe("sizes, subnets and addresses that pass the shape check but not the build", () => {
  const one = (change: (c: Config) => void) => problems("linux", change);
  it("memory: at least 256 MiB and whole MiB; disk: at least 1 GiB", () => {
    expect(one((c) => (c.vms[0].memory = "255MiB"))).toEqual([
      { path: "homelab:vms[0].memory", message: "255MiB is not a usable memory size: give a whole number of MiB, at least 256MiB, e.g. 4GiB" },
    ]);
    expect(one((c) => (c.vms[0].memory = "300000KiB"))).toEqual([
      { path: "homelab:vms[0].memory", message: "300000KiB is not a usable memory size: give a whole number of MiB, at least 256MiB, e.g. 4GiB" },
    ]);
    expect(one((c) => (c.vms[0].memory = "256MiB"))).toEqual([]);
    expect(one((c) => (c.vms[0].disk = "1023MiB"))).toEqual([
      { path: "homelab:vms[0].disk", message: "1023MiB is too small for a system disk: give at least 1GiB, e.g. 64GiB" },
    ]);
    expect(one((c) => (c.vms[0].disk = "1GiB"))).toEqual([]);
  });
  it("a subnet written with a host address", () => {
    expect(
      at(
        one((c) => (c.networks[1].subnet = "192.168.122.1/24")),
        "homelab:networks[1].subnet",
      ),
    ).toEqual(["192.168.122.1/24 is not a network address with a prefix from /8 to /30: write the first address of the subnet, e.g. 192.168.56.0/24"]);
  });
  it("a NIC with both a static address and a reservation", () => {
    expect(
      at(
        one((c) => (c.vms[1].nics[0].ip = "192.168.56.30")),
        "homelab:vms[1].nics[0]",
      ),
    ).toEqual(["sets both ip (static, configured in the guest) and reserve (a DHCP reservation): keep one"]);
  });
});

describe("a VM or network the build drops is not checked further, and only it", () => {
  const result = (stack: string, change: (c: Config) => void) => {
    const input = clone(stackConfig(stack));
    change(input.config);
    return loadLabSpec(input);
  };
  it("a site server with too little memory or disk gets the size error and none of the site server's warnings", () => {
    for (const [key, value, message] of [
      ["memory", "255MiB", "255MiB is not a usable memory size: give a whole number of MiB, at least 256MiB, e.g. 4GiB"],
      ["disk", "512MiB", "512MiB is too small for a system disk: give at least 1GiB, e.g. 64GiB"],
    ]) {
      const r = result("dev", (c) => (c.vms[1][key] = value));
      expect(r).toEqual({ ok: false, errors: [{ path: `homelab:vms[1].${key}`, message }], warnings: [] });
    }
  });
  it("a disk size too large to be a number is refused, not dropped silently", () => {
    const r = result("linux", (c) => (c.vms[0].disk = `1${"0".repeat(400)}GiB`));
    expect(r.ok ? [] : r.errors).toEqual([
      { path: "homelab:vms[0].disk", message: `1${"0".repeat(400)}GiB is too large to be a disk size: give a size like 64GiB` },
    ]);
  });
  it("a network dropped for its subnet is not reported again by the NICs on it", () => {
    expect(problems("linux", (c) => (c.networks[1].subnet = "192.168.122.1/24"))).toEqual([
      {
        path: "homelab:networks[1].subnet",
        message: "192.168.122.1/24 is not a network address with a prefix from /8 to /30: write the first address of the subnet, e.g. 192.168.56.0/24",
      },
    ]);
  });
  it("the VMs the build kept are still checked: a lab whose DC lost its role has no DC", () => {
    expect(
      at(
        problems("dev", (c) => (c.vms[0].role = "windows")),
        "homelab:domain.dc",
      ),
    ).toEqual(["the lab has no VM with role dc: add one, or remove homelab:domain", "DC01 has role windows, not dc: name the VM with role dc"]);
  });
});
