import { deriveMac, deriveUuid, loadLabSpec } from "../../lab";
import { clone, stackConfig } from "../support/stacks";

describe("deterministic identities", () => {
  it("gives the same UUIDs and MACs for the same inputs", () => {
    expect(deriveUuid("dev", "vm", "SCCM01")).toBe(deriveUuid("dev", "vm", "SCCM01"));
    expect(deriveMac("dev", "nic", "SCCM01", "lab-net", "0")).toBe(deriveMac("dev", "nic", "SCCM01", "lab-net", "0"));
    const a = loadLabSpec(stackConfig("dev"));
    const b = loadLabSpec(stackConfig("dev"));
    expect(a).toEqual(b);
  });

  it("derives RFC 4122 version-5 UUIDs and MACs under QEMU's 52:54:00 prefix", () => {
    expect(deriveUuid("dev", "network", "lab-net")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveMac("dev", "network", "lab-net")).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
  });

  it("differs between stacks, kinds and names", () => {
    const ids = new Set([
      deriveUuid("dev", "vm", "DC01"), deriveUuid("prod", "vm", "DC01"),
      deriveUuid("dev", "vm", "DC02"), deriveUuid("dev", "network", "DC01"),
    ]);
    expect(ids.size).toBe(4);
    const dev = loadLabSpec(stackConfig("dev"));
    const other = loadLabSpec({ ...stackConfig("dev"), stack: "dev2" });
    if (!dev.ok || !other.ok) throw new Error("dev must load");
    const macs = (s: typeof dev.spec) => s.vms.flatMap((v) => v.nics.map((n) => n.mac));
    expect(macs(dev.spec).filter((m) => macs(other.spec).includes(m))).toEqual([]);
    expect(dev.spec.vms[1].uuid).not.toBe(other.spec.vms[1].uuid);
  });

  it("keeps UUIDs and MACs given in the config, lower-cased", () => {
    const input = clone(stackConfig("dev"));
    const vms = input.config.vms as Array<Record<string, any>>;
    vms[1].uuid = "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE";
    vms[1].nics[0].mac = "52:54:00:AB:CD:EF";
    const r = loadLabSpec(input);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.spec.vms[1].uuid).toBe("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    expect(r.spec.vms[1].nics[0].mac).toBe("52:54:00:ab:cd:ef");
    expect(r.spec.vms[0].uuid).toBe("5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01");
  });

  it("keeps a NIC's MAC when NICs are reordered (derived from VM and network, not position)", () => {
    const input = clone(stackConfig("dev"));
    const before = loadLabSpec(input);
    (input.config.vms as Array<{ nics: unknown[] }>)[2].nics.reverse();
    const after = loadLabSpec(input);
    if (!before.ok || !after.ok) throw new Error("dev must load");
    const byNet = (s: typeof before.spec) => Object.fromEntries(s.vms[2].nics.map((n) => [n.network, n.mac]));
    expect(byNet(after.spec)).toEqual(byNet(before.spec));
  });
});
