// The media ISO under the engine protocol (the language host, the dynamic provider host, gRPC) with
// a private libvirtd: a folder that lacks installers stops the preview before anything exists; up
// builds the ISO before the domains that attach it; preview shows it unchanged while the folder is
// unchanged, and an update (only of it) when the folder changes. Checked with xorriso and virsh.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isoVolumeId } from "../../media";
import { Engine, RunResult } from "../support/engine/engine";
import { engineFor, stackUnder, StackInput } from "../support/engine/lab-project";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { PROJECT_DIR } from "../support/stacks";

jest.setTimeout(600_000);

const changed = (r: RunResult) =>
  r.steps
    .filter((s) => s.op !== "same")
    .map((s) => `${s.op} ${s.name}`)
    .sort();

describe("dev's media ISO under the engine protocol", () => {
  let daemon: PrivateLibvirtd;
  let input: StackInput;
  let engine: () => Engine;
  let dir: string;
  let iso: string;

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    input = stackUnder("dev", daemon.uri, daemon.dir);
    // Defined, not started: this test is about the ISO and the order, not the guests.
    input.config.vms = (input.config.vms as Record<string, unknown>[]).map((vm) => ({ ...vm, start: false }));
    ({ dir, iso } = input.config.media as { dir: string; iso: string });
    const state = join(mkdtempSync(join(daemon.dir, "state-")), "stack.json");
    engine = () => engineFor(PROJECT_DIR, "dev", input, state);
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  test("a folder without the SQL Server installer stops the preview with its download page, and nothing is created", async () => {
    renameSync(join(dir, "sql2022"), join(daemon.dir, "sql2022-aside"));
    const r = await engine().preview();
    expect(r.ok).toBe(false);
    const text = `${r.error ?? ""}\n${r.programOutput}\n${r.diagnostics.map((d) => d.message).join("\n")}`;
    expect(text).toContain("MISSING   sql2022: SQL Server 2022 Evaluation, the extracted installation ISO");
    expect(text).toContain("get it from https://www.microsoft.com/en-us/evalcenter/evaluate-sql-server-2022");
    expect(text).toContain(`put it at ${join(dir, "sql2022")}`);
    expect(r.steps.filter((s) => s.op !== "same" && s.type !== "pulumi:pulumi:Stack")).toEqual([]);
    expect(execFileSync("virsh", ["-c", daemon.uri, "list", "--all", "--name"], { encoding: "utf8" }).trim()).toBe("");
    renameSync(join(daemon.dir, "sql2022-aside"), join(dir, "sql2022"));
  });

  test("up builds the ISO with the manifest's volume id before DC01's and SCCM01's domains", async () => {
    const r = await engine().up();
    expect(r.error).toBeUndefined();
    expect(isoVolumeId(iso)).toBe("HOMELAB_MEDIA");
    const order = r.steps.filter((s) => s.op === "create").map((s) => s.name);
    for (const vm of ["DC01", "SCCM01"]) expect(order.indexOf("dev-media-iso")).toBeLessThan(order.indexOf(`dev-${vm}-domain`));
    // The ISO holds the installers at the paths the guest scripts use.
    const listing = execFileSync("xorriso", ["-indev", iso, "-find", "/configmgr", "-type", "f"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    expect(listing).toContain("'/configmgr/SMSSETUP/BIN/X64/setupdl.exe'");
  });

  test("preview shows it unchanged while the folder is unchanged", async () => {
    const r = await engine().preview();
    expect(r.error).toBeUndefined();
    expect(changed(r)).toEqual([]);
  });

  test("a new file in the folder is an update of the ISO alone, and up rebuilds it", async () => {
    const before = statSync(iso).mtimeMs;
    mkdirSync(join(dir, "configmgr-prereqs"));
    writeFileSync(join(dir, "configmgr-prereqs", "ConfigMgr.Manifest.cab"), "stand-in\n");
    const preview = await engine().preview();
    expect(preview.error).toBeUndefined();
    expect(changed(preview)).toEqual(["update dev-media-iso"]);
    const r = await engine().up();
    expect(r.error).toBeUndefined();
    expect(changed(r)).toEqual(["update dev-media-iso"]);
    expect(statSync(iso).mtimeMs).toBeGreaterThan(before);
    expect(
      execFileSync("xorriso", ["-indev", iso, "-find", "/configmgr-prereqs", "-type", "f"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
    ).toContain("'/configmgr-prereqs/ConfigMgr.Manifest.cab'");
    expect(changed(await engine().preview())).toEqual([]);
  });
});
