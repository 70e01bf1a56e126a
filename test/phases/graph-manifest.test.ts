// buildPhaseGraph takes the media manifest as an argument (loaded at the edges, issue 16 §3): the
// installer paths in the phases come from the manifest given, never from media/manifest.json on disk.
import { parseMediaManifest } from "../../media/manifest-schema";
import { buildPhaseGraph } from "../../phases/graph";
import { stackSpec } from "../support/stacks";

const entry = (id: string, kind: "file" | "dir", path: string) => ({
  id,
  title: id,
  kind,
  path,
  page: "https://example.invalid/",
  prepare: "test",
});

const manifest = parseMediaManifest({
  volumeId: "TEST_MEDIA",
  entries: [
    entry("sql2022", "dir", "other/sql"),
    entry("configmgr", "dir", "other/cm"),
    entry("configmgr-prereqs", "dir", "other/cmpre"),
    entry("adk", "dir", "other/adk"),
    entry("adk-winpe", "dir", "other/pe"),
    { ...entry("odbc18", "file", "other/odbc.msi"), version: "18.9." },
    entry("vcredist-x64", "file", "other/x64.exe"),
    entry("vcredist-x86", "file", "other/x86.exe"),
  ],
});

test("every installer path of the dev graph comes from the manifest passed in", () => {
  const phases = buildPhaseGraph(stackSpec("dev"), manifest).phases;
  const params = (id: string) => phases.find((p) => p.id === id)!.params;
  expect(params("dc01-schema-extension").ExtadschPath).toBe("other\\cm\\SMSSETUP\\BIN\\X64\\extadsch.exe");
  expect(params("sccm01-sql-install").MediaPath).toBe("other\\sql");
  expect(params("sccm01-sccm-prerequisites")).toMatchObject({
    VcRedistX64Path: "other\\x64.exe",
    VcRedistX86Path: "other\\x86.exe",
    OdbcMsiPath: "other\\odbc.msi",
    OdbcVersionPrefix: "18.9.",
  });
  expect(params("sccm01-adk")).toMatchObject({ AdkSetupPath: "other\\adk\\adksetup.exe", WinPeSetupPath: "other\\pe\\adkwinpesetup.exe" });
  expect(params("sccm01-sccm-prereq-download")).toMatchObject({
    SetupDlPath: "other\\cm\\SMSSETUP\\BIN\\X64\\setupdl.exe",
    MediaPrerequisitePath: "other\\cmpre",
  });
  expect(params("sccm01-sccm-site-install").SetupPath).toBe("other\\cm\\SMSSETUP\\BIN\\X64\\setup.exe");
});

test("a manifest without an entry the graph needs is an error naming the entry", () => {
  const partial = parseMediaManifest({ volumeId: "TEST_MEDIA", entries: [entry("configmgr", "dir", "cm")] });
  expect(() => buildPhaseGraph(stackSpec("dev"), partial)).toThrow("the media manifest has no entry sql2022");
});
