// The media ISO resource (issue 12): its provider functions against real folders and a real xorriso,
// and its place in the lab under Pulumi's mocks.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isoVolumeId, readLock } from "../../media";
import { folderFingerprint, listFolder } from "../../media/fingerprint";
import { mediaIso } from "../../media/provider/ops";
import type { MediaIsoOutputs } from "../../media/provider/ops";
import { mediaIsoArgs } from "../../media/resource";
import { requireTools } from "../support/require-tools";
import { stageMediaFolder } from "../support/media-folder";
import { clone, stackConfig, stackSpec } from "../support/stacks";
import { requireLabSpec } from "../../lab";
import { HOST_ROOT, runProgram } from "../components/harness";
import type { ProgramRun } from "../components/harness";
import { PROJECT_DIR } from "../support/stacks";

requireTools({ xorriso: "xorriso" });

let work: string;
let dir: string;
let iso: string;
let lock: string;
const quiet = { info: () => undefined };

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "homelab-media-iso-"));
  dir = stageMediaFolder(join(work, "media"));
  iso = join(work, "homelab-media.iso");
  lock = join(work, "media.lock.json");
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const inputs = () => ({ dir, iso, lock });

describe("folderFingerprint", () => {
  test("is the SHA-256 of the manifest text, a NUL, and the listing sorted by path, one 'path<TAB>size<TAB>mtime' line each", () => {
    const files = [
      { path: "sql2022/setup.exe", size: 11, mtimeMs: 1700000000123 },
      { path: "adk/adksetup.exe", size: 7, mtimeMs: 1700000000000 },
    ];
    const expected = createHash("sha256").update("{}\0adk/adksetup.exe\t7\t1700000000000\nsql2022/setup.exe\t11\t1700000000123\n").digest("hex");
    expect(folderFingerprint(files, "{}")).toBe(expected);
  });

  test("lists every regular file under the folder with its size and whole-millisecond mtime", () => {
    utimesSync(join(dir, "sql2022", "setup.exe"), 1_700_000_000, 1_700_000_000);
    const listed = listFolder(dir);
    expect(listed.map((f) => f.path).sort()).toEqual([
      "adk/adksetup.exe",
      "adkwinpe/adkwinpesetup.exe",
      "configmgr/SMSSETUP/BIN/X64/extadsch.exe",
      "configmgr/SMSSETUP/BIN/X64/setup.exe",
      "configmgr/SMSSETUP/BIN/X64/setupdl.exe",
      "odbc/msodbcsql.msi",
      "sql2022/setup.exe",
      "vcredist/vc_redist.x64.exe",
      "vcredist/vc_redist.x86.exe",
    ]);
    expect(listed.find((f) => f.path === "sql2022/setup.exe")).toEqual({
      path: "sql2022/setup.exe",
      size: "stand-in for sql2022/setup.exe\n".length,
      mtimeMs: 1_700_000_000_000,
    });
  });
});

describe("check (preview and up, before anything is created)", () => {
  test("a complete folder passes and its fingerprint joins the inputs", async () => {
    const r = await mediaIso.check({}, inputs());
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({ dir, iso, lock, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test("the fingerprint stays while the folder stays, and moves when a file changes", async () => {
    const first = (await mediaIso.check({}, inputs())).inputs.fingerprint;
    expect((await mediaIso.check({}, inputs())).inputs.fingerprint).toBe(first);
    writeFileSync(join(dir, "sql2022", "setup.exe"), "a newer SQL setup\n");
    expect((await mediaIso.check({}, inputs())).inputs.fingerprint).not.toBe(first);
  });

  test("a missing folder fails with the formatted list: each installer, its download page and where to put it", async () => {
    const gone = join(work, "nowhere");
    const r = await mediaIso.check({}, { dir: gone, iso, lock });
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0].property).toBe("dir");
    const reason = r.failures[0].reason;
    expect(reason).toContain(`homelab:media.dir ${gone} lacks installers the lab needs (media/manifest.json):`);
    expect(reason).toContain("MISSING   sql2022: SQL Server 2022 Evaluation, the extracted installation ISO");
    expect(reason).toContain("get it from https://www.microsoft.com/en-us/evalcenter/evaluate-sql-server-2022");
    expect(reason).toContain(`put it at ${join(gone, "sql2022")}`);
    expect(reason).toContain(`media folder ${gone} does NOT match the manifest`);
  });

  test("an incomplete folder names the file a folder entry lacks", async () => {
    rmSync(join(dir, "configmgr", "SMSSETUP", "BIN", "X64", "setupdl.exe"));
    const r = await mediaIso.check({}, inputs());
    expect(r.failures.map((f) => f.property)).toEqual(["dir"]);
    expect(r.failures[0].reason).toContain("INCOMPLETE configmgr: lacks SMSSETUP/BIN/X64/setupdl.exe");
    expect(r.failures[0].reason).toContain("present   sql2022 (its hash is checked when the ISO is built)");
  });

  test("empty paths are refused by name", async () => {
    const r = await mediaIso.check({}, { dir: "", iso: "", lock: "" });
    expect(r.failures.map((f) => f.property)).toEqual(["dir", "iso"]);
  });
});

describe("create, diff, update", () => {
  test("create checks the hashes, records them in the stack's lock, and builds the ISO with the manifest's volume id", async () => {
    const checked = (await mediaIso.check({}, inputs())).inputs;
    const logged: string[] = [];
    const { outs } = await mediaIso.create(checked, { info: (m) => logged.push(m) });
    expect(isoVolumeId(iso)).toBe("HOMELAB_MEDIA");
    expect(outs).toEqual({ dir, iso, lock, fingerprint: checked.fingerprint, volumeId: "HOMELAB_MEDIA" });
    expect(Object.keys(readLock(lock).entries).sort()).toEqual(["adk", "adk-winpe", "configmgr", "odbc18", "sql2022", "vcredist-x64", "vcredist-x86"]);
    expect(readLock(lock).entries.odbc18.sha256).toBe(createHash("sha256").update("stand-in for odbc/msodbcsql.msi\n").digest("hex"));
    expect(logged.join("\n")).toContain(`built ${iso} (volume id HOMELAB_MEDIA) from ${dir}`);
  });

  test("a file that no longer matches its pinned hash stops the build with the mismatch, and no ISO is written", async () => {
    await mediaIso.create((await mediaIso.check({}, inputs())).inputs, quiet);
    rmSync(iso);
    writeFileSync(join(dir, "odbc", "msodbcsql.msi"), "a different download\n");
    const next = (await mediaIso.check({}, inputs())).inputs;
    await expect(mediaIso.update("id", {} as MediaIsoOutputs, next, quiet)).rejects.toThrow(
      /MISMATCH {2}odbc\/msodbcsql\.msi: sha256 [0-9a-f]{64}, but the lock pins/,
    );
    expect(existsSync(iso)).toBe(false);
  });

  test("diff: no change while the folder stays; a new file, an ISO deleted by hand or a new ISO path rebuild in place", async () => {
    const first = (await mediaIso.check({}, inputs())).inputs;
    const { outs } = await mediaIso.create(first, quiet);
    expect(await mediaIso.diff("id", outs, (await mediaIso.check({}, inputs())).inputs)).toEqual({
      changes: false,
      replaces: [],
      diffs: [],
      deleteBeforeReplace: false,
    });

    // The optional prerequisite downloads arrive (a changed pinned file would be a mismatch, tested above).
    mkdirSync(join(dir, "configmgr-prereqs"));
    writeFileSync(join(dir, "configmgr-prereqs", "ndp48-x86-x64-allos-enu.exe"), "stand-in\n");
    expect(await mediaIso.diff("id", outs, (await mediaIso.check({}, inputs())).inputs)).toEqual({
      changes: true,
      replaces: [],
      diffs: ["fingerprint"],
      deleteBeforeReplace: false,
    });

    const again = (await mediaIso.update("id", outs, (await mediaIso.check({}, inputs())).inputs, quiet)).outs;
    expect(await mediaIso.diff("id", again, (await mediaIso.check({}, inputs())).inputs)).toMatchObject({ changes: false });
    rmSync(iso);
    expect(await mediaIso.diff("id", again, (await mediaIso.check({}, inputs())).inputs)).toMatchObject({ changes: true, diffs: ["iso"] });

    const moved = join(work, "other.iso");
    expect(await mediaIso.diff("id", again, (await mediaIso.check({}, { dir, iso: moved, lock })).inputs)).toMatchObject({ changes: true, diffs: ["iso"] });
  });

  test("delete keeps the ISO, which other stacks may attach", async () => {
    await mediaIso.create((await mediaIso.check({}, inputs())).inputs, quiet);
    await mediaIso.remove();
    expect(existsSync(iso)).toBe(true);
  });
});

describe("mediaIsoArgs", () => {
  test("dev: the stack's folder and ISO, and the project's lock", () => {
    expect(mediaIsoArgs(stackSpec("dev"))).toEqual({ dir: "/var/lib/libvirt/iso/homelab-media", iso: "/var/lib/libvirt/iso/homelab-media.iso", lock: "" });
  });

  test("a stack's own lock file is passed on", () => {
    const input = clone(stackConfig("split-sql"));
    (input.config.media as Record<string, string>).lock = "/srv/media.lock.json";
    expect(mediaIsoArgs(requireLabSpec(input).spec)).toEqual({
      dir: "/var/lib/libvirt/iso/homelab-media",
      iso: "/var/lib/libvirt/iso/homelab-media.iso",
      lock: "/srv/media.lock.json",
    });
  });

  test("no homelab:media (minimal, linux): no resource", () => {
    expect(mediaIsoArgs(stackSpec("minimal"))).toBeUndefined();
    expect(mediaIsoArgs(stackSpec("linux"))).toBeUndefined();
  });
});

describe("in the lab, under Pulumi's mocks", () => {
  const nameOf = (urn: string) => urn.split("::").pop()!;
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram("dev", (c) => {
      c.guestPhases = false;
    });
  }, 180_000);

  test("one MediaIso, a child of the lab, with the stack's folder and ISO and no lock of its own", () => {
    expect(run.error).toBeUndefined();
    const [media] = run.byType("pulumi-nodejs:dynamic/homelab:MediaIso");
    expect(media.name).toBe("dev-media-iso");
    expect(nameOf(media.parent)).toBe("dev");
    expect(media.dependencies).toEqual([]);
    expect(media.inputs).toMatchObject({
      dir: join(HOST_ROOT, "/var/lib/libvirt/iso/homelab-media"),
      iso: join(HOST_ROOT, "/var/lib/libvirt/iso/homelab-media.iso"),
      lock: "",
    });
    // The serialized provider finds its code from the provider host's folder, never this checkout's path.
    expect(String(media.inputs.__provider)).toContain('"media/provider/ops"');
    expect(String(media.inputs.__provider)).not.toContain(PROJECT_DIR);
  });

  test("the domains that attach the media ISO (DC01, SCCM01) wait for it; the clients do not", () => {
    const deps = (vm: string) => run.registrations.find((r) => r.name === `dev-${vm}-domain`)!.dependencies.map(nameOf);
    expect(deps("DC01")).toContain("dev-media-iso");
    expect(deps("SCCM01")).toContain("dev-media-iso");
    expect(deps("CLIENT01")).not.toContain("dev-media-iso");
    expect(deps("CLIENT02")).not.toContain("dev-media-iso");
  });

  test("a stack without homelab:media registers none", async () => {
    const minimal = await runProgram("minimal", (c) => {
      c.guestPhases = false;
    });
    expect(minimal.error).toBeUndefined();
    expect(minimal.byType("pulumi-nodejs:dynamic/homelab:MediaIso")).toEqual([]);
  }, 180_000);
});
