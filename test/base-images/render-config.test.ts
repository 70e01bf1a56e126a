// The clone's volume XML (validated by libvirt's own RelaxNG schema, read back with an XML parser) and the
// homelab:disks config key.
import { XMLParser } from "fast-xml-parser";
import { loadLabSpec } from "../../lab";
import type { VolumeSpec } from "../../lab";
import { renderVolumeXml } from "../../libvirt/render";
import { cloneVolumeSpec, CloneError } from "../../base-images/clones";
import { expectValidLibvirtXml } from "../support/xml-validate";
import { clone, stackConfig } from "../support/stacks";

const GiB = 2 ** 30;
const vol: VolumeSpec = { name: "dc01.qcow2", pool: "homelab", vm: "dc01", capacityBytes: 64 * GiB, format: "qcow2", deleteOnDestroy: false };
const base = {
  pool: "homelab",
  name: "base-windows-server-2022-0123456789ab.qcow2",
  path: "/var/lib/libvirt/images/homelab/base-windows-server-2022-0123456789ab.qcow2",
  capacityBytes: 40 * GiB,
};
const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@" }).parse(xml);

describe("clone volume XML", () => {
  test("a linked clone names its base as a qcow2 backing store, and libvirt's schema accepts it", async () => {
    const xml = renderVolumeXml(cloneVolumeSpec(vol, base, "linked"));
    await expectValidLibvirtXml(xml, "storagevol");
    const v = parse(xml).volume;
    expect(v.backingStore).toEqual({ path: "/var/lib/libvirt/images/homelab/base-windows-server-2022-0123456789ab.qcow2", format: { "@type": "qcow2" } });
    expect(v.capacity["#text"]).toBe(64 * GiB);
  });

  test("a full copy and a plain disk have no backing store", async () => {
    for (const spec of [cloneVolumeSpec(vol, base, "full"), vol]) {
      const xml = renderVolumeXml(spec);
      await expectValidLibvirtXml(xml, "storagevol");
      expect(parse(xml).volume.backingStore).toBeUndefined();
    }
  });

  test("a clone smaller than its base is refused with both sizes and the fix", () => {
    expect(() => cloneVolumeSpec({ ...vol, capacityBytes: 32 * GiB }, base, "linked")).toThrow(CloneError);
    expect(() => cloneVolumeSpec({ ...vol, capacityBytes: 32 * GiB }, base, "linked")).toThrow(
      `volume homelab/dc01.qcow2 (VM dc01) asks for ${32 * GiB} bytes, less than its base image homelab/base-windows-server-2022-0123456789ab.qcow2 (${40 * GiB} bytes)`,
    );
  });
});

describe("homelab:disks", () => {
  const withDisks = (value: unknown) => {
    const cfg = clone(stackConfig("dev"));
    cfg.config.disks = value;
    return loadLabSpec(cfg);
  };

  test("linked is accepted and reaches the lab spec", () => {
    const r = withDisks("linked");
    expect(r.ok && r.spec.disks).toBe("linked");
  });

  test("full is accepted and reaches the lab spec, with the replace switch off by default", () => {
    const r = withDisks("full");
    expect(r.ok && [r.spec.disks, r.spec.replaceClonesOnBaseChange]).toEqual(["full", false]);
  });

  test("full with a manual install is refused: base images are built unattended", () => {
    const cfg = clone(stackConfig("dev"));
    cfg.config.disks = "full";
    cfg.config.install = "manual";
    const r = loadLabSpec(cfg);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.map((e) => [e.path, e.message])).toEqual([
        [
          "homelab:disks",
          "full: base images are built by the unattended install, but homelab:install is manual: set homelab:install to unattended, or leave homelab:disks unset",
        ],
      ]);
  });

  test("homelab:replaceClonesOnBaseChange reaches the spec with disks set, and is refused without them", () => {
    const cfg = clone(stackConfig("dev"));
    cfg.config.disks = "linked";
    cfg.config.replaceClonesOnBaseChange = true;
    const on = loadLabSpec(cfg);
    expect(on.ok && on.spec.replaceClonesOnBaseChange).toBe(true);
    delete cfg.config.disks;
    const r = loadLabSpec(cfg);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.map((e) => [e.path, e.message])).toEqual([
        [
          "homelab:replaceClonesOnBaseChange",
          "true: there are no clones to replace, since homelab:disks is unset (each VM installs onto its own blank disk): set homelab:disks to linked or full, or remove homelab:replaceClonesOnBaseChange",
        ],
      ]);
    cfg.config.replaceClonesOnBaseChange = "yes";
    const bad = loadLabSpec(cfg);
    expect(!bad.ok && bad.errors.map((e) => [e.path, e.message])).toEqual([
      ["homelab:replaceClonesOnBaseChange", expect.stringContaining("write true or false")],
    ]);
  });

  test("linked with a manual install is refused: base images are built unattended", () => {
    const cfg = clone(stackConfig("dev"));
    cfg.config.disks = "linked";
    cfg.config.install = "manual";
    const r = loadLabSpec(cfg);
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors.map((e) => [e.path, e.message])).toEqual([
        [
          "homelab:disks",
          "linked: base images are built by the unattended install, but homelab:install is manual: set homelab:install to unattended, or leave homelab:disks unset",
        ],
      ]);
  });

  test("unset leaves the disks blank (one install per VM)", () => {
    const r = loadLabSpec(stackConfig("dev"));
    expect(r.ok).toBe(true);
    expect(r.ok && r.spec.disks).toBeUndefined();
  });

  test("another value names the key and the two choices", () => {
    const r = withDisks("thin");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors.map((e) => e.path)).toEqual(["homelab:disks"]);
      expect(r.errors[0].message).toContain("must be linked (a qcow2 overlay on the base image) or full (an independent copy of it)");
    }
  });
});

describe("the NixVirt export", () => {
  test("refuses homelab:disks linked and full, naming the key and what NixVirt lacks", () => {
    const { nixVirtProblems } = require("../../nixvirt-export/check") as typeof import("../../nixvirt-export/check");
    const cfg = clone(stackConfig("dev"));
    cfg.config.disks = "linked";
    const r = loadLabSpec(cfg);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(
      nixVirtProblems(r.spec)
        .filter((p) => p.path === "homelab:disks")
        .map((p) => p.message),
    ).toEqual([
      "linked: NixVirt's volume XML can name a backing store (backingStore path and format), so a clone of an existing base image is expressible, " +
        "but nothing in NixVirt builds the base image (build VM, install marker, sysprep, read-only): leave homelab:disks unset for the export, or deploy this stack through Pulumi",
    ]);
    cfg.config.disks = "full";
    const full = loadLabSpec(cfg);
    expect(full.ok && nixVirtProblems(full.spec).filter((p) => p.path === "homelab:disks")).toEqual([
      {
        path: "homelab:disks",
        message:
          "full: each VM's disk would be a copy of its edition's base image, but nothing in NixVirt builds the base image to copy " +
          "(build VM, install marker, sysprep, read-only): leave homelab:disks unset for the export, or deploy this stack through Pulumi",
      },
    ]);
    const plain = loadLabSpec(stackConfig("dev"));
    expect(plain.ok && nixVirtProblems(plain.spec).filter((p) => p.path === "homelab:disks")).toEqual([]);
  });
});
