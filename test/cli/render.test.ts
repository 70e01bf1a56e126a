import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureFreshBuild, homelab, Ran } from "./built";
import { formatProblems, loadLabSpec, readStackConfig } from "../../lab";
import { renderLab } from "../../libvirt/render";
import { buildPhaseGraph } from "../../phases/graph";
import { PROJECT_DIR, stackSpec } from "../support/stacks";

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
    const spec = stackSpec("dev");
    const objects = renderLab(spec);
    expect(readdirSync(out).sort()).toEqual([...objects.map((o) => `${o.kind}-${o.name}.xml`), "phases.json", "topology.dot", "topology.svg", "unattend"].sort());
    for (const o of objects) expect(readFileSync(join(out, `${o.kind}-${o.name}.xml`), "utf8")).toBe(o.xml);
    const plan = JSON.parse(readFileSync(join(out, "phases.json"), "utf8"));
    expect(plan.phases).toEqual(buildPhaseGraph(spec).phases);
    expect(readdirSync(tmp).filter((f) => f.startsWith("."))).toEqual([]);
    expect(plan.waves.flat().sort()).toEqual(plan.phases.map((p: { id: string }) => p.id).sort());
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
    const expected = loadLabSpec(readStackConfig(project, "bad"));
    expect(expected.ok).toBe(false);
    if (expected.ok) return;
    expect(expected.errors.map((e) => e.path).sort()).toEqual(["homelab:networks[0].bridge", "homelab:sccm.siteCode"]);
    expect(r.stderr).toContain(formatProblems(expected.errors).replace(/^/gm, "  "));
    expect(() => readdirSync(join(tmp, "bad-out"))).toThrow();
  });
});
