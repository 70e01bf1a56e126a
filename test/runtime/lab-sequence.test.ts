// The program under Pulumi's runtime (the language host's cmd/run, the dynamic provider host, the
// gRPC protocol) against a private libvirtd with TCG guests: preview, up, preview, one change, up,
// destroy, for the variants without and with a full lab. Checked with virsh, not through the program.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Engine, RunResult } from "../support/engine/engine";
import { engineFor, stackUnder, StackInput } from "../support/engine/lab-project";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { PROJECT_DIR } from "../support/stacks";
import { isoVolumeId } from "../../media";

jest.setTimeout(600_000);

const virsh = (uri: string, ...args: string[]) => execFileSync("virsh", ["-c", uri, ...args], { encoding: "utf8" });
const ops = (r: RunResult) =>
  r.steps
    .filter((s) => s.op !== "same")
    .map((s) => `${s.op} ${s.name}`)
    .sort();
const customNames = (r: RunResult) =>
  r.steps
    .filter((s) => !s.type.startsWith("homelab:") && s.type !== "pulumi:pulumi:Stack")
    .map((s) => s.name)
    .sort();

/** What each variant registers: the stack, the components and the libvirt objects, by name. */
const EXPECTED: Record<string, { vms: string[]; networks: string[]; customs: string[]; dcMemoryMiB: number; mediaIso: boolean }> = {
  nokvm: {
    mediaIso: false,
    dcMemoryMiB: 3072,
    vms: ["CLIENT01", "DC01"],
    networks: ["lab-net"],
    customs: ["nokvm-CLIENT01-disk", "nokvm-CLIENT01-domain", "nokvm-DC01-disk", "nokvm-DC01-domain", "nokvm-lab-net-net", "nokvm-storage-pool"],
  },
  dev: {
    mediaIso: true,
    dcMemoryMiB: 2048,
    vms: ["CLIENT01", "CLIENT02", "DC01", "SCCM01"],
    networks: ["default", "lab-net"],
    customs: [
      "dev-CLIENT01-disk",
      "dev-CLIENT01-domain",
      "dev-CLIENT02-disk",
      "dev-CLIENT02-domain",
      "dev-DC01-disk",
      "dev-DC01-domain",
      "dev-SCCM01-disk",
      "dev-SCCM01-domain",
      "dev-default-net",
      "dev-lab-net-net",
      "dev-media-iso",
      "dev-storage-pool",
    ],
  },
};

describe.each(["nokvm", "dev"])("%s under the engine protocol", (stack) => {
  let daemon: PrivateLibvirtd;
  let input: StackInput;
  let engine: () => Engine;
  const expected = EXPECTED[stack];

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    input = stackUnder(stack, daemon.uri, daemon.dir);
    const state = join(mkdtempSync(join(daemon.dir, "state-")), "stack.json");
    engine = () => engineFor(PROJECT_DIR, stack, input, state);
  });
  afterAll(async () => {
    await daemon?.stop();
  });

  test("an empty stack previews every resource as a create and touches nothing", async () => {
    const r = await engine().preview();
    expect(r.error).toBeUndefined();
    expect(r.steps.every((s) => s.op === "create")).toBe(true);
    expect(customNames(r)).toEqual(expected.customs);
    expect(r.printed).toContain(`+ ${r.steps.length} to create`);
    expect(virsh(daemon.uri, "list", "--all", "--name").trim()).toBe("");
  });

  test("up creates the lab: libvirt has every domain, network and the pool", async () => {
    const r = await engine().up();
    expect(r.error).toBeUndefined();
    expect(customNames(r)).toEqual(expected.customs);
    expect(virsh(daemon.uri, "list", "--all", "--name").split("\n").filter(Boolean).sort()).toEqual(expected.vms);
    expect(virsh(daemon.uri, "net-list", "--all", "--name").split("\n").filter(Boolean).sort()).toEqual(expected.networks);
    expect(r.outputs.vms).toHaveLength(expected.vms.length);
    // dev's media ISO was built by up from the staged folder, with the manifest's volume id.
    const media = join(daemon.dir, "iso", "media.iso");
    expect(existsSync(media) && isoVolumeId(media)).toBe(expected.mediaIso && "HOMELAB_MEDIA");
  });

  test("a second preview is all same", async () => {
    const r = await engine().preview();
    expect(r.error).toBeUndefined();
    expect(ops(r)).toEqual([]);
    expect(r.printed).toMatch(/\n {4}\d+ unchanged$/);
  });

  test("one memory change is one in-place update of that domain, naming memory", async () => {
    const vms = input.config.vms as Record<string, unknown>[];
    const dc = vms.find((v) => v.name === "DC01")!;
    dc.memory = "5GiB";
    const r = await engine().preview();
    expect(r.error).toBeUndefined();
    expect(ops(r)).toEqual([`update ${stack}-DC01-domain`]);
    const step = r.steps.find((s) => s.op === "update")!;
    // `note` is what check foresees; a preview shows it against the domain.
    expect(step.diff).toEqual(["note", "summary", "xml"]);
    expect(step.detail).toEqual(["note", "summary.memoryMiB", "xml"]);
    expect(step.changes).toEqual(["note: (none) => (long value)", `summary.memoryMiB: ${expected.dcMemoryMiB} => 5120`, "xml: (long value) => (long value)"]);
    expect(r.printed).toContain(`~ summary.memoryMiB: ${expected.dcMemoryMiB} => 5120`);
    expect(r.diagnostics.filter((d) => d.severity !== "debug")).toEqual([
      {
        severity: "info",
        message:
          "domain DC01: memoryMiB change in the persistent definition: if the guest runs, it picks the change up at its next boot (shut it down and start it)",
        urn: step.urn,
      },
    ]);
  });

  test("up applies it in place, and the provider's note arrives as a warning attached to the domain", async () => {
    const r = await engine().up();
    expect(r.error).toBeUndefined();
    expect(ops(r)).toEqual([`update ${stack}-DC01-domain`]);
    // The persistent definition has it; the running guest keeps its memory until it boots again.
    expect(virsh(daemon.uri, "dumpxml", "--inactive", "DC01")).toMatch(/<memory unit='KiB'>5242880<\/memory>/);
    const domainUrn = r.steps.find((s) => s.op === "update")!.urn;
    const notes = r.diagnostics.filter((d) => d.severity !== "debug" && d.message.startsWith("domain DC01: memoryMiB changed in the persistent definition"));
    expect(notes.map((d) => [d.severity, d.urn])).toEqual([["warning", domainUrn]]);
    expect(r.pluginOutput.join("\n")).not.toContain("memoryMiB changed");
  });

  test("the next up repeats no note", async () => {
    const r = await engine().up();
    expect(ops(r)).toEqual([]);
    expect(r.diagnostics.filter((d) => d.severity !== "debug" && d.message.includes("changed in the persistent definition"))).toEqual([]);
  });

  test("destroy removes every domain, network and the pool, and keeps the disks", async () => {
    const pool = String((input.config.pool as { path: string }).path);
    const r = await engine().destroy();
    expect(r.error).toBeUndefined();
    expect(r.steps.every((s) => s.op === "delete")).toBe(true);
    expect(virsh(daemon.uri, "list", "--all", "--name").trim()).toBe("");
    expect(virsh(daemon.uri, "net-list", "--all", "--name").trim()).toBe("");
    for (const vm of expected.vms) expect(existsSync(join(pool, `${vm}.qcow2`))).toBe(true);
    rmSync(pool, { recursive: true, force: true });
  });
});
