import { ensureFreshBuild, homelab } from "../cli/built";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { topologyDot } from "../../diagram/topology";
import { PROJECT_DIR, STACKS, stackSpec } from "../support/stacks";

describe("topology picture", () => {
  it.each(STACKS)("%s: every network and VM is drawn with its subnet, bridge, role, address and size", (stack) => {
    const spec = stackSpec(stack);
    const dot = topologyDot(spec);
    for (const n of spec.networks) {
      expect(dot).toContain(`"net:${n.name}" [shape=box`);
      expect(dot).toContain(`${n.subnet} · ${n.bridge} · ${n.mode.toUpperCase()}`);
    }
    for (const vm of spec.vms) {
      expect(dot).toContain(`"vm:${vm.name}" [shape=box`);
      expect(dot).toContain(`${vm.vcpus} vCPU`);
      for (const nic of vm.nics) {
        expect(dot).toContain(`"net:${nic.network}" -> "vm:${vm.name}"`);
        if (nic.ip) expect(dot).toContain(nic.ip);
      }
    }
  });

  it("draws the phases that run on each VM", () => {
    const dot = topologyDot(stackSpec("dev"), { DC01: ["AD forest", "DNS"] });
    expect(dot).toMatch(/"vm:DC01".*<I>AD forest → DNS<\/I>/);
  });

  it("escapes text that would break the HTML-like labels", () => {
    const spec = stackSpec("dev");
    const dot = topologyDot({ ...spec, pool: { ...spec.pool, path: "/srv/<lab>&co" } });
    expect(dot).toContain("/srv/&lt;lab&gt;&amp;co");
  });

  it("the committed docs/topology-dev.svg is what `npm run diagram -- --stack dev` generates", () => {
    ensureFreshBuild();
    const r = homelab(["diagram", "--stack", "dev"]);
    expect(r.code).toBe(0);
    const generated = r.stdout;
    expect(generated).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    const committed = readFileSync(join(PROJECT_DIR, "docs", "topology-dev.svg"), "utf8");
    if (generated !== committed) {
      throw new Error("docs/topology-dev.svg is stale: run `npm run diagram -- --stack dev --out docs/topology-dev.svg` and commit it");
    }
  });

  it("exits non-zero with the config's problems on a bad stack", () => {
    ensureFreshBuild();
    const r = homelab(["diagram", "--stack", "no-such-stack"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("Pulumi.no-such-stack.yaml");
  });
});
