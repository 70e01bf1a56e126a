// The pure plans: what each operation does to one VM, in which order, and what it refuses.
import { layout } from "../../checkpoints/layout";
import { checkCheckpointName, checkpointRoot, snapshotTag } from "../../checkpoints/layout";
import { parseManifest, parseVmRecord } from "../../checkpoints/manifest";
import { planCreate, planDelete, planRevert, VmFacts } from "../../checkpoints/plan";

const lay = layout("/pool/lab.checkpoints");
const facts = (over: Partial<VmFacts> = {}): VmFacts => ({
  vm: "SCCM01",
  uuid: "u-1",
  state: "shut off",
  disks: [{ target: "sda", path: "/pool/lab/SCCM01.qcow2", format: "qcow2" }],
  nvram: { path: "/nvram/SCCM01_VARS.fd", exists: true },
  tpm: { dir: "/swtpm/u-1", exists: true },
  ...over,
});
const NOW = "2026-11-29T20:00:00.000Z";

describe("layout", () => {
  test("the folder sits beside the pool, not inside it", () => {
    expect(checkpointRoot("/var/lib/libvirt/images/homelab/")).toBe("/var/lib/libvirt/images/homelab.checkpoints");
    expect(lay.vmRecord("before-sccm", "SCCM01")).toBe("/pool/lab.checkpoints/by-name/before-sccm/SCCM01/record.json");
    expect(lay.lock("SCCM01")).toBe("/pool/lab.checkpoints/locks/SCCM01.lock");
    expect(snapshotTag("before-sccm")).toBe("homelab-before-sccm");
  });
  test.each(["", "../x", "a b", "-x", "x".repeat(64)])("name %j is refused", (name) => {
    expect(() => checkCheckpointName(name)).toThrow(
      `--name ${JSON.stringify(name)} is not a checkpoint name: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit`,
    );
  });
});

describe("planCreate", () => {
  test("a shut-off VM: snapshot, NVRAM, TPM, record; no power change", () => {
    expect(planCreate("c1", facts(), lay, { now: NOW })).toEqual([
      { kind: "snapshot-disk", vm: "SCCM01", disk: { target: "sda", path: "/pool/lab/SCCM01.qcow2", tag: "homelab-c1" } },
      { kind: "copy-file", vm: "SCCM01", from: "/nvram/SCCM01_VARS.fd", to: "/pool/lab.checkpoints/by-name/c1/SCCM01/nvram.fd" },
      { kind: "copy-dir", vm: "SCCM01", from: "/swtpm/u-1", to: "/pool/lab.checkpoints/by-name/c1/SCCM01/tpm" },
      {
        kind: "write-record",
        vm: "SCCM01",
        record: {
          vm: "SCCM01",
          uuid: "u-1",
          wasRunning: false,
          completedAt: NOW,
          disks: [{ target: "sda", path: "/pool/lab/SCCM01.qcow2", tag: "homelab-c1" }],
          nvram: { source: "/nvram/SCCM01_VARS.fd", copy: "/pool/lab.checkpoints/by-name/c1/SCCM01/nvram.fd" },
          tpm: { source: "/swtpm/u-1", copy: "/pool/lab.checkpoints/by-name/c1/SCCM01/tpm" },
        },
      },
    ]);
  });
  test("a running VM is shut down first (destroyed with force) and started again last", () => {
    const kinds = (force: boolean) => planCreate("c1", facts({ state: "running" }), lay, { now: NOW, force }).map((o) => o.kind);
    expect(kinds(false)).toEqual(["shutdown", "snapshot-disk", "copy-file", "copy-dir", "write-record", "start"]);
    expect(kinds(true)).toEqual(["destroy", "snapshot-disk", "copy-file", "copy-dir", "write-record", "start"]);
  });
  test("TPM state that does not exist yet is recorded as absent, to be removed on revert", () => {
    const ops = planCreate("c1", facts({ tpm: { dir: "/swtpm/u-1", exists: false } }), lay, { now: NOW });
    expect(ops.map((o) => o.kind)).toEqual(["snapshot-disk", "copy-file", "write-record"]);
    const record = (ops[2] as { record: { tpm: unknown } }).record;
    expect(record.tpm).toEqual({ source: "/swtpm/u-1", copy: null });
  });
  test("a raw disk is refused with the conversion", () => {
    expect(() => planCreate("c1", facts({ disks: [{ target: "sda", path: "/d.img", format: "raw" }] }), lay, { now: NOW })).toThrow(
      "SCCM01: disk sda (/d.img) is raw; checkpoints are qcow2 internal snapshots: convert it with qemu-img convert -O qcow2",
    );
  });
});

describe("planRevert", () => {
  const record = planCreate("c1", facts(), lay, { now: NOW }).flatMap((o) => (o.kind === "write-record" ? [o.record] : []))[0];
  test("powers off a running VM, marks, restores all three, unmarks", () => {
    expect(planRevert(record, facts({ state: "running" })).map((o) => (o.kind === "restore" ? `restore ${o.to}` : o.kind))).toEqual([
      "destroy",
      "mark-reverting",
      "revert-disk",
      "restore /nvram/SCCM01_VARS.fd",
      "restore /swtpm/u-1",
      "unmark-reverting",
    ]);
  });
  test("starts the VM again only when it ran at checkpoint time", () => {
    expect(planRevert({ ...record, wasRunning: true }, facts()).at(-1)).toEqual({ kind: "start", vm: "SCCM01" });
    expect(planRevert({ ...record, wasRunning: true }, facts(), { start: false }).at(-1)).toEqual({ kind: "unmark-reverting", vm: "SCCM01" });
  });
  test("a redefined domain (other UUID) or a changed disk is refused before anything happens", () => {
    expect(() => planRevert(record, facts({ uuid: "u-2" }))).toThrow(
      "SCCM01 is a different domain now (UUID u-2, the checkpoint was taken of u-1): it cannot be reverted",
    );
    expect(() => planRevert(record, facts({ disks: [{ target: "sda", path: "/other.qcow2", format: "qcow2" }] }))).toThrow(
      "SCCM01 no longer uses /pool/lab/SCCM01.qcow2: the checkpoint does not match the domain",
    );
  });
});

describe("planDelete", () => {
  const record = planCreate("c1", facts(), lay, { now: NOW }).flatMap((o) => (o.kind === "write-record" ? [o.record] : []))[0];
  test("an interrupted revert is refused unless forced", () => {
    expect(() => planDelete("c1", "SCCM01", record, true, facts())).toThrow("SCCM01: a revert from checkpoint c1 started and did not finish");
    expect(planDelete("c1", "SCCM01", record, true, facts(), { force: true }).map((o) => o.kind)).toEqual(["delete-disk-snapshot", "remove-vm-part"]);
  });
  test("an incomplete part tries the tag on every disk the domain has, tolerating its absence", () => {
    expect(planDelete("c1", "SCCM01", undefined, false, facts())).toEqual([
      { kind: "delete-disk-snapshot", vm: "SCCM01", disk: { target: "sda", path: "/pool/lab/SCCM01.qcow2", tag: "homelab-c1" }, missingOk: true },
      { kind: "remove-vm-part", vm: "SCCM01" },
    ]);
  });
});

describe("manifest files", () => {
  test("a damaged file is named with the way out", () => {
    expect(() => parseManifest("{", "/x/manifest.json")).toThrow(/^\/x\/manifest\.json is not JSON \(.*\): the checkpoint is damaged; delete it with --force$/);
    expect(() => parseVmRecord(JSON.stringify({ vm: "A" }), "/x/record.json")).toThrow(
      /^\/x\/record\.json: uuid .*: the checkpoint is damaged; delete it with --force$/,
    );
  });
});
