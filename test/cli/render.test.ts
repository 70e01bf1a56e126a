import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureFreshBuild, homelab, Ran } from "./built";
import { formatProblems, loadLabSpec, readStackConfig } from "../../lab";
import { DEV_EDGES } from "../support/phase-edges";
import { PROJECT_DIR } from "../support/stacks";

jest.setTimeout(120_000);
const tmp = mkdtempSync(join(tmpdir(), "homelab-render-"));
beforeAll(ensureFreshBuild);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function render(args: string[]): Promise<Ran> {
  return homelab(["render", ...args]);
}

describe("npm run render", () => {
  it("writes one XML file per network, pool, volume and domain, the phase plan and the picture, with no hypervisor", async () => {
    const out = join(tmp, "dev");
    const r = await render(["--stack", "dev", "--out", out]);
    expect(r.code).toBe(0);
    // The phases are on by default and no password is set in a checkout: render needs none, and warns
    // with each command that `pulumi up` would otherwise stop at.
    expect(r.stderr.split("\n")[0]).toBe("warning: pulumi up will stop until these are set:");
    expect(r.stderr).toContain(
      "\n  homelab:clientPushPassword: is not set, and homelab:guestPhases is on: run `pulumi config set --secret homelab:clientPushPassword` (the SCCM client push account password), or turn the phases off\n",
    );
    expect(r.stderr.match(/pulumi config set --secret homelab:\w+/g)).toEqual([
      "pulumi config set --secret homelab:adminPassword",
      "pulumi config set --secret homelab:dsrmPassword",
      "pulumi config set --secret homelab:sqlServicePassword",
      "pulumi config set --secret homelab:networkAccessPassword",
      "pulumi config set --secret homelab:clientPushPassword",
    ]);
    // The reviewed files of test/libvirt/golden/dev and the edges of test/support/phase-edges.ts.
    const goldenDir = join(__dirname, "..", "libvirt", "golden", "dev");
    const xmlFiles = [
      "network-lab-net.xml",
      "network-default.xml",
      "pool-homelab.xml",
      ...["DC01", "SCCM01", "CLIENT01", "CLIENT02"].flatMap((vm) => [`volume-${vm}.qcow2.xml`, `domain-${vm}.xml`]),
    ];
    expect(readdirSync(out).sort()).toEqual([...xmlFiles, "phases.json", "topology.dot", "topology.svg", "unattend"].sort());
    expect(readdirSync(join(out, "unattend")).sort()).toEqual(["CLIENT01.xml", "CLIENT02.xml", "DC01.xml", "SCCM01.xml"]);
    expect(readdirSync(tmp).filter((f) => f.startsWith("."))).toEqual([]);
    for (const file of xmlFiles) expect(readFileSync(join(out, file), "utf8")).toBe(readFileSync(join(goldenDir, file), "utf8"));
    const plan = JSON.parse(readFileSync(join(out, "phases.json"), "utf8"));
    expect(plan.phases.map((p: { id: string; after: string[] }) => [p.id, p.after])).toEqual(DEV_EDGES);
    expect(plan.waves.flat().sort()).toEqual(DEV_EDGES.map(([id]) => id).sort());
    expect(plan.waves[0]).toEqual(["dc01-winrm", "sccm01-winrm", "client01-winrm", "client02-winrm"]);
    expect(readFileSync(join(out, "topology.svg"), "utf8")).toContain("<svg");
  });

  it("replaces the folder as a whole: a file from an earlier run does not survive", async () => {
    const out = join(tmp, "again");
    require("node:fs").mkdirSync(out);
    writeFileSync(join(out, "domain-OLD01.xml"), "<domain/>");
    expect((await render(["--stack", "minimal", "--out", out])).code).toBe(0);
    expect(readdirSync(out)).not.toContain("domain-OLD01.xml");
    expect(readdirSync(out)).toContain("domain-DC01.xml");
  });

  it("leaves the previous output untouched when the config is bad", async () => {
    const out = join(tmp, "kept");
    expect((await render(["--stack", "minimal", "--out", out])).code).toBe(0);
    const before = readdirSync(out).sort();
    expect((await render(["--stack", "no-such-stack", "--out", out])).code).toBe(3);
    expect(readdirSync(out).sort()).toEqual(before);
  });

  it("exits non-zero with the same problems `pulumi up` would show", async () => {
    const project = join(tmp, "bad-project");
    require("node:fs").mkdirSync(project);
    copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
    const yaml = readFileSync(join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")
      .replace("bridge: virbr56", "bridge: virbr-homelab-lab0")
      .replace("siteCode: PS1", "siteCode: PS01");
    writeFileSync(join(project, "Pulumi.bad.yaml"), yaml);
    const r = await render(["--stack", "bad", "--out", join(tmp, "bad-out"), "--project", project]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      "homelab:networks[0].bridge: virbr-homelab-lab0 is longer than 15 characters, the Linux limit for interface names: pick a shorter bridge name like virbr56",
    );
    expect(r.stderr).toContain('homelab:sccm.siteCode: "PS01" must be exactly three letters or digits, e.g. PS1');
    // The same problems, in the same words, as `pulumi up` prints them.
    const expected = loadLabSpec(readStackConfig(project, "bad"));
    expect(expected.ok ? [] : expected.errors.map((e) => e.path).sort()).toEqual(["homelab:networks[0].bridge", "homelab:sccm.siteCode"]);
    if (!expected.ok) expect(r.stderr).toContain(formatProblems(expected.errors).replace(/^/gm, "  "));
    expect(() => readdirSync(join(tmp, "bad-out"))).toThrow();
  });
});
