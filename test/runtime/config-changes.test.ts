// Issue 17, defects 2 and 4 on the engine-protocol path (up, change the config, preview, up):
// a new pool path is refused before anything changes, with how to move the disks; a re-spelled
// connection URI is an in-place update that keeps every object, its UUID and the guest's UEFI
// variables. One private libvirtd, one TCG guest (the nokvm stack cut down to its DC). Checked with
// virsh and the files on disk, not through the program.
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { Engine, readState, ResourceState, RunResult } from "../support/engine/engine";
import { engineFor, stackUnder, StackInput } from "../support/engine/lab-project";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { PROJECT_DIR } from "../support/stacks";

jest.setTimeout(600_000);

const virsh = (uri: string, ...args: string[]) => execFileSync("virsh", ["-c", uri, ...args], { encoding: "utf8" }).trim();
const ops = (r: RunResult) =>
  r.steps
    .filter((s) => s.op !== "same")
    .map((s) => `${s.op} ${s.name}`)
    .sort();

const POOL_URN = "urn:pulumi:nokvm::homelab::homelab:lab:Lab$homelab:storage:LabStorage$pulumi-nodejs:dynamic/homelab:LibvirtPool::nokvm-storage-pool";

describe("config changes under the engine protocol", () => {
  let daemon: PrivateLibvirtd;
  let input: StackInput;
  let engine: () => Engine;
  let stateFile: string;
  /**
   * What must survive every change: the guest's identity, its running QEMU and its UEFI variables
   * file (the same file: `undefine --nvram` deletes it; its bytes change as the guest's firmware runs).
   */
  let kept: { uuid: string; domid: string; nvram: string; nvramFile: { ino: number; birthtimeMs: number } };

  const snapshot = () => {
    const nvramDir = String(input.config.nvramDir);
    const [file] = readdirSync(nvramDir);
    const nvram = join(nvramDir, file);
    return {
      uuid: virsh(daemon.uri, "domuuid", "DC01"),
      domid: virsh(daemon.uri, "domid", "DC01"),
      nvram,
      nvramFile: { ino: statSync(nvram).ino, birthtimeMs: statSync(nvram).birthtimeMs },
    };
  };

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    input = stackUnder("nokvm", daemon.uri, daemon.dir);
    // One guest is enough here: the DC (the stack's rules need it).
    input.config.vms = (input.config.vms as { name: string }[]).filter((vm) => vm.name === "DC01");
    stateFile = join(daemon.dir, "state", "changes.json");
    engine = () => engineFor(PROJECT_DIR, "nokvm", input, stateFile);
    const up = await engine().up();
    if (up.error) throw new Error(`the first up failed: ${up.error}`);
    kept = snapshot();
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  describe("defect 2: a new pool path", () => {
    let oldPath: string;
    let newPath: string;
    let stateBefore: ResourceState[];
    const byUrn = () =>
      readState(stateFile)
        .resources.filter((r) => r.custom)
        .sort((a, b) => a.urn.localeCompare(b.urn));
    let refusal: string;

    beforeAll(() => {
      const pool = input.config.pool as { name: string; path: string };
      oldPath = pool.path;
      newPath = join(daemon.dir, "pools", "moved");
      stateBefore = byUrn();
      refusal =
        `pool homelab-nokvm: homelab:pool changes its path from ${oldPath} to ${newPath}, which would leave every VM's disk behind in ${oldPath} ` +
        "(the new pool would be empty and the guests would not start). Nothing was changed. To move the lab's disks and keep the guests' UEFI " +
        "variables and TPM state: shut the guests down; virsh pool-destroy homelab-nokvm; move the image files " +
        `(mkdir -p ${newPath} && mv ${oldPath}/* ${newPath}/); virsh pool-edit homelab-nokvm (set <path> to ${newPath}); ` +
        "virsh pool-start homelab-nokvm; then `pulumi refresh` (it reads the pool at its new path) and `pulumi up`. " +
        `Or set homelab:pool.path back to ${oldPath}`;
      input.config.pool = { ...pool, path: newPath };
    });

    test("the preview refuses it against the pool, explaining what would happen to the disks and how to move them", async () => {
      const r = await engine().preview();
      expect(r.ok).toBe(false);
      const failed = r.steps.filter((s) => s.error);
      expect(failed.map((s) => [s.name, s.error])).toEqual([["nokvm-storage-pool", `xml: ${refusal}`]]);
      expect(r.diagnostics.filter((d) => d.severity === "error" && d.urn === POOL_URN).map((d) => d.message)).toEqual([`xml: ${refusal}`]);
      expect(ops(r).filter((o) => o.startsWith("replace") || o.startsWith("delete"))).toEqual([]);
    });

    test("up refuses it too, and nothing changed: the pool, the disk, the running guest and the state are as before", async () => {
      const r = await engine().up();
      expect(r.ok).toBe(false);
      expect(r.steps.filter((s) => s.error).map((s) => s.name)).toEqual(["nokvm-storage-pool"]);
      expect(virsh(daemon.uri, "pool-dumpxml", "homelab-nokvm")).toContain(`<path>${oldPath}</path>`);
      expect(virsh(daemon.uri, "vol-path", "--pool", "homelab-nokvm", "DC01.qcow2")).toBe(join(oldPath, "DC01.qcow2"));
      expect(readdirSync(join(daemon.dir, "pools"))).toEqual(["homelab-nokvm"]);
      expect(snapshot()).toEqual(kept);
      // Every libvirt object's state as it was (a failed up may write them in another order).
      expect(byUrn()).toEqual(stateBefore);
    });

    test("with the old path back, the preview is empty", async () => {
      input.config.pool = { ...(input.config.pool as object), path: oldPath };
      const r = await engine().preview();
      expect(r.error).toBeUndefined();
      expect(ops(r)).toEqual([]);
    });
  });

  describe("defect 4: the same libvirtd reached through a re-spelled URI", () => {
    let respelled: string;

    beforeAll(() => {
      expect(daemon.uri).toMatch(/^qemu:\/\/\/system\?socket=/);
      respelled = daemon.uri.replace(/^qemu:/, "qemu+unix:");
      input.config.uri = respelled;
    });

    test("the preview plans in-place updates of uri: no replacement, no delete", async () => {
      const r = await engine().preview();
      expect(r.error).toBeUndefined();
      expect(ops(r)).toEqual(["update nokvm-DC01-disk", "update nokvm-DC01-domain", "update nokvm-lab-net-net", "update nokvm-storage-pool"]);
      // The disk's create-time note ("kept on destroy") leaves its stored inputs with this update.
      expect(
        r.steps
          .filter((x) => x.op === "update")
          .map((x) => [x.name, x.diff])
          .sort(),
      ).toEqual([
        ["nokvm-DC01-disk", ["note", "uri"]],
        ["nokvm-DC01-domain", ["uri"]],
        ["nokvm-lab-net-net", ["uri"]],
        ["nokvm-storage-pool", ["uri"]],
      ]);
      expect(r.printed).not.toContain("replace");
    });

    test("up updates them in place: the same objects and UUIDs, the guest still running, its UEFI variables file untouched", async () => {
      const r = await engine().up();
      expect(r.error).toBeUndefined();
      expect(ops(r)).toEqual(["update nokvm-DC01-disk", "update nokvm-DC01-domain", "update nokvm-lab-net-net", "update nokvm-storage-pool"]);
      expect(virsh(respelled, "list", "--all", "--name")).toBe("DC01");
      expect(snapshot()).toEqual(kept);
      const uris = readState(stateFile)
        .resources.filter((res) => res.custom)
        .map((res) => res.outputs.uri);
      expect(uris).toEqual([respelled, respelled, respelled, respelled]);
    });

    test("the next preview is empty", async () => {
      const r = await engine().preview();
      expect(r.error).toBeUndefined();
      expect(ops(r)).toEqual([]);
    });
  });
});
