import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../cli/media";
import { checkMedia, emptyLock, isoVolumeId, loadMediaManifest, parseMediaManifest, readLock, sha256Tree } from "../../media";
import { PROJECT_DIR } from "../support/stacks";

const LONG_NAME = "a-long-installer-file-name-that-needs-joliet-long-names-to-survive-on-the-iso-x64.exe";

let work: string;
let mediaDir: string;
let manifestFile: string;
let lockFile: string;

const PAGE = "https://example.test/downloads/tool";
const testManifest = {
  volumeId: "HOMELAB_MEDIA",
  entries: [
    { id: "tool", title: "A tool installer", kind: "file", path: "tools/tool.msi", page: PAGE, prepare: "Download tool.msi" },
    {
      id: "suite",
      title: "An extracted suite",
      kind: "dir",
      path: "suite",
      requires: ["setup.exe"],
      page: "https://example.test/suite",
      prepare: "Extract the suite",
    },
    { id: "extra", title: "Optional extras", kind: "dir", path: "extra", optional: true, page: "https://example.test/extra", prepare: "Copy the extras" },
  ],
};

function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  return main(argv, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
    projectDir: PROJECT_DIR,
  }).then((code) => ({ code, out, err }));
}

const media = (cmd: string, ...more: string[]) => run(cmd, "--stack", "dev", "--dir", mediaDir, "--manifest", manifestFile, "--lock", lockFile, ...more);

function fillMedia(): void {
  mkdirSync(join(mediaDir, "tools"), { recursive: true });
  writeFileSync(join(mediaDir, "tools", "tool.msi"), "fake msi\n");
  mkdirSync(join(mediaDir, "suite", "sub"), { recursive: true });
  writeFileSync(join(mediaDir, "suite", "setup.exe"), "fake setup\n");
  writeFileSync(join(mediaDir, "suite", "sub", LONG_NAME), Buffer.alloc(70_000, 7));
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "homelab-media-"));
  mediaDir = join(work, "media");
  mkdirSync(mediaDir);
  manifestFile = join(work, "manifest.json");
  lockFile = join(work, "media.lock.json");
  writeFileSync(manifestFile, JSON.stringify(testManifest));
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

test("a missing installer is listed with its download page and where to put it", async () => {
  const r = await media("check");
  expect(r.code).toBe(1);
  expect(r.err).toContain("MISSING   tools/tool.msi: A tool installer");
  expect(r.err).toContain(`get it from ${PAGE}`);
  expect(r.err).toContain(`put it at ${join(mediaDir, "tools/tool.msi")}`);
  expect(r.err).toContain("optional  extra: Optional extras");
  expect(existsSync(lockFile)).toBe(false);
});

test("a folder that lacks a required file is incomplete", async () => {
  fillMedia();
  rmSync(join(mediaDir, "suite", "setup.exe"));
  const r = await media("check");
  expect(r.code).toBe(1);
  expect(r.err).toContain("INCOMPLETE suite: lacks setup.exe");
});

test("first use records the hashes in the lock; the next check verifies them", async () => {
  fillMedia();
  const first = await media("check");
  expect(first.code).toBe(0);
  expect(first.out).toContain("recorded  tools/tool.msi: first use");
  const lock = readLock(lockFile);
  const fileHash = execFileSync("sha256sum", [join(mediaDir, "tools", "tool.msi")], { encoding: "utf8" }).split(" ")[0];
  expect(lock.entries.tool).toMatchObject({ path: "tools/tool.msi", kind: "file", sha256: fileHash });
  // A folder's hash is the hash of its sha256sum listing, sorted by path.
  const listing = execFileSync("bash", ["-c", "find . -type f | sed 's|^./||' | LC_ALL=C sort | xargs sha256sum"], {
    cwd: join(mediaDir, "suite"),
    encoding: "utf8",
  });
  const treeHash = execFileSync("sha256sum", { input: listing, encoding: "utf8" }).split(" ")[0];
  expect(lock.entries.suite.sha256).toBe(treeHash);
  expect(sha256Tree(join(mediaDir, "suite"))).toBe(treeHash);
  const second = await media("check");
  expect(second.code).toBe(0);
  expect(second.out).toContain("ok        tools/tool.msi");
  expect(second.out).toContain("pinned by the lock");
});

test("a file that changed after it was pinned is an error", async () => {
  fillMedia();
  expect((await media("check")).code).toBe(0);
  writeFileSync(join(mediaDir, "tools", "tool.msi"), "a newer build from a drifting link\n");
  const r = await media("check");
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/MISMATCH {2}tools\/tool\.msi: sha256 [0-9a-f]{64}, but the lock pins [0-9a-f]{64}/);
  expect(r.err).toContain(`delete its entry "tool" from ${lockFile}`);
});

test("a hash pinned in the manifest wins over first use", async () => {
  fillMedia();
  const pinned = { ...testManifest, entries: testManifest.entries.map((e) => (e.id === "tool" ? { ...e, sha256: "0".repeat(64) } : e)) };
  writeFileSync(manifestFile, JSON.stringify(pinned));
  const r = await media("check");
  expect(r.code).toBe(1);
  expect(r.err).toContain("but the manifest pins 0000");
});

test("--frozen refuses to record an unpinned installer", async () => {
  fillMedia();
  const r = await media("check", "--frozen");
  expect(r.code).toBe(1);
  expect(r.err).toContain("UNPINNED  tools/tool.msi");
  expect(existsSync(lockFile)).toBe(false);
});

test("build makes a real ISO with the volume id and long Joliet names", async () => {
  fillMedia();
  const iso = join(work, "out", "media.iso");
  mkdirSync(join(work, "out"));
  const r = await media("build", "--out", iso);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  expect(r.out).toContain(`built ${iso} (volume id HOMELAB_MEDIA)`);
  expect(isoVolumeId(iso)).toBe("HOMELAB_MEDIA");
  // Windows reads the Joliet tree: load it instead of Rock Ridge (-read_fs norock); without
  // -joliet-long the long name would be cut to 64 characters there.
  const files = execFileSync("xorriso", ["-read_fs", "norock", "-indev", iso, "-find", "/", "-type", "f"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  expect(files).toContain(`'/suite/sub/${LONG_NAME}'`);
  expect(files).toContain("'/tools/tool.msi'");
  const extracted = join(work, "extracted.bin");
  execFileSync("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", `/suite/sub/${LONG_NAME}`, extracted], { stdio: "ignore" });
  expect(readFileSync(extracted).equals(Buffer.alloc(70_000, 7))).toBe(true);
  expect(existsSync(`${iso}.partial`)).toBe(false);
});

test("build refuses a folder that does not match, and leaves no ISO", async () => {
  const iso = join(work, "media.iso");
  const r = await media("build", "--out", iso);
  expect(r.code).toBe(1);
  expect(r.err).toContain("not building the ISO");
  expect(existsSync(iso)).toBe(false);
});

test("a stack without homelab:media is a usage error that names the fix", async () => {
  const r = await run("check", "--stack", "linux", "--manifest", manifestFile, "--lock", lockFile);
  expect(r.code).toBe(2);
  expect(r.err).toContain("stack linux has no homelab:media");
});

test("the project's manifest is valid and names every installer the phases use", () => {
  const manifest = loadMediaManifest();
  expect(manifest.volumeId).toBe("HOMELAB_MEDIA");
  expect(manifest.entries.map((e) => e.id)).toEqual(
    expect.arrayContaining(["sql2022", "configmgr", "adk", "adk-winpe", "odbc18", "vcredist-x64", "vcredist-x86"]),
  );
  for (const e of manifest.entries) expect(e.page).toMatch(/^https:\/\/(learn|www)\.microsoft\.com\//);
  expect(manifest.entries.find((e) => e.id === "odbc18")?.version).toBe("18.5.");
});

test("a malformed manifest is refused with the field named", () => {
  expect(() => parseMediaManifest({ volumeId: "bad id", entries: [] }, "m.json")).toThrow(/m\.json is not valid:[\s\S]*volumeId/);
  expect(() => checkMedia(join(work, "nope"), parseMediaManifest(testManifest), emptyLock())).toThrow(/media folder .*nope does not exist/);
});

test("npm run media is wired to this command", () => {
  const r = spawnSync("npm", ["run", "--silent", "media", "--", "check", "--stack", "dev", "--dir", mediaDir, "--manifest", manifestFile, "--lock", lockFile], {
    cwd: PROJECT_DIR,
    encoding: "utf8",
  });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`get it from ${PAGE}`);
});
