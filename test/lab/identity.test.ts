import { deriveMac, deriveUuid, HOMELAB_NAMESPACE, loadLabSpec } from "../../lab";
import { clone, stackConfig } from "../support/stacks";

describe("deterministic identities", () => {
  // Known answers computed outside this code base, with Python's standard library:
  //   ns = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/homelab-sccm/homelab-sccm")
  //   uuid.uuid5(ns, "dev/vm/SCCM01");  "52:54:00:" + hashlib.sha256(b"dev/nic/SCCM01/lab-net/0").digest()[:3].hex(":")
  it("derives the known RFC 4122 version-5 UUIDs", () => {
    expect(HOMELAB_NAMESPACE).toBe("08a2ab3c-49f0-59a2-aa28-387753307ee1");
    expect(deriveUuid("dev", "vm", "SCCM01")).toBe("e4b2fa3f-dbc6-53a0-8a73-17e4f5b09851");
    expect(deriveUuid("dev", "vm", "CLIENT01")).toBe("ed496bea-3589-5e3a-9075-c7f155c60221");
    expect(deriveUuid("dev", "network", "lab-net")).toBe("f42a8bd8-ab64-5db7-8973-bf7db387db75");
    expect(deriveUuid("dev", "pool", "homelab")).toBe("e59e5edf-c2eb-55ff-9a43-a3314e178e4b");
    expect(deriveUuid("prod", "vm", "DC01")).toBe("d16ea883-7ad4-5a7f-b89e-514e0252218b");
  });

  it("derives the known MACs: the first three bytes of SHA-256 under 52:54:00", () => {
    expect(deriveMac("dev", "network", "lab-net")).toBe("52:54:00:87:c5:b2");
    expect(deriveMac("dev", "nic", "SCCM01", "lab-net", "0")).toBe("52:54:00:e8:6b:4c");
    expect(deriveMac("dev", "nic", "SCCM01", "lab-net", "1")).toBe("52:54:00:1a:e6:7e");
    expect(deriveMac("dev", "nic", "CLIENT01", "default", "0")).toBe("52:54:00:3a:5e:3d");
  });

  it("the dev stack's VMs and NICs get those identities (the derivation inputs are stack/kind/name[/network/nth])", () => {
    const r = loadLabSpec(stackConfig("dev"));
    if (!r.ok) throw new Error("dev must load");
    const sccm = r.spec.vms.find((v) => v.name === "SCCM01")!;
    expect(sccm.uuid).toBe("e4b2fa3f-dbc6-53a0-8a73-17e4f5b09851");
    expect(sccm.nics.map((n) => [n.network, n.mac])).toEqual([
      ["lab-net", "52:54:00:e8:6b:4c"],
      ["default", "52:54:00:e9:18:a9"],
    ]);
    expect(r.spec.networks.map((n) => [n.name, n.uuid, n.mac])).toEqual([
      ["lab-net", "f42a8bd8-ab64-5db7-8973-bf7db387db75", "52:54:00:87:c5:b2"],
      ["default", "0194d3b9-53c3-5d96-8581-c3aa5f4e6332", "52:54:00:4a:51:d7"],
    ]);
    expect(r.spec.pool.uuid).toBe("e59e5edf-c2eb-55ff-9a43-a3314e178e4b");
  });

  it("derives RFC 4122 version-5 UUIDs and MACs under QEMU's 52:54:00 prefix", () => {
    expect(deriveUuid("dev", "network", "lab-net")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveMac("dev", "network", "lab-net")).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
  });

  it("differs between stacks, kinds and names", () => {
    const ids = new Set([
      deriveUuid("dev", "vm", "DC01"),
      deriveUuid("prod", "vm", "DC01"),
      deriveUuid("dev", "vm", "DC02"),
      deriveUuid("dev", "network", "DC01"),
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
