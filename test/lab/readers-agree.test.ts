// Render (the stack file read by lab/stack-file.ts) and `pulumi up` (the engine's config read by
// components/config.ts) must hand validation the same config. The engine side is fed the way the
// Pulumi CLI passes a stack file to the program: every plain value as its string, every object or
// list as JSON (what `pulumi config set` and a YAML `true` both become).
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { readStackConfig } from "../../lab";
import type { StackConfig } from "../../lab";
import { PROJECT_DIR, STACKS } from "../support/stacks";

const TRICKY = `config:
  homelab:guestPhases: "true"
  homelab:domainType: qemu
  homelab:winrmUser: "4"
  homelab:networks:
    - { name: net, bridge: virbr70, subnet: 10.70.0.0/24, dhcp: { start: 10.70.0.100, end: 10.70.0.200 } }
  homelab:pool: { name: p, path: /srv/p }
  homelab:vms:
    - &linux { name: a, role: linux, os: linux, vcpus: 1, memory: 1GiB, disk: 8GiB, nics: [ { network: net } ] }
    - { <<: *linux, name: b, vcpus: "2" }
`;

function project(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "homelab-readers-"));
  copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  writeFileSync(join(dir, `Pulumi.${name}.yaml`), text);
  return dir;
}

/** What the Pulumi program reads when the engine hands it this stack file. */
async function throughEngine(dir: string, stack: string): Promise<StackConfig> {
  let result: StackConfig | undefined;
  await jest.isolateModulesAsync(async () => {
    const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "homelab", stack, false);
    const flat: Record<string, string> = {};
    const project = parse(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> };
    for (const [k, v] of Object.entries(project.config)) if (v.default !== undefined) flat[`homelab:${k}`] = String(v.default);
    const doc = parse(readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8"), { merge: true }) as { config: Record<string, unknown> };
    for (const [k, v] of Object.entries(doc.config)) flat[k] = v !== null && typeof v === "object" ? JSON.stringify(v) : String(v);
    pulumi.runtime.setAllConfig(flat, []);
    const { readPulumiConfig } = require("../../components/config");
    result = readPulumiConfig();
  });
  return result!;
}

test("a stack file with a quoted boolean, a number-like string and merge keys reads the same both ways", async () => {
  const dir = project("t", TRICKY);
  const fromFile = readStackConfig(dir, "t");
  const fromEngine = await throughEngine(dir, "t");
  expect(fromFile.config).toEqual(fromEngine.config);
  expect(fromFile.config.guestPhases).toBe(true);
  // The engine passes "4" as the string 4, which the program parses as JSON: both read the number.
  expect(fromFile.config.winrmUser).toBe(4);
  expect((fromFile.config.vms as Array<{ name: string; vcpus: unknown; disk: string }>).map((v) => [v.name, v.vcpus, v.disk])).toEqual([
    ["a", 1, "8GiB"],
    ["b", "2", "8GiB"],
  ]);
});

test.each(STACKS.filter((s) => !/secure:/.test(readFileSync(join(PROJECT_DIR, `Pulumi.${s}.yaml`), "utf8"))))(
  "stack %s reads the same both ways",
  async (stack) => {
    const fromFile = readStackConfig(PROJECT_DIR, stack);
    const fromEngine = await throughEngine(PROJECT_DIR, stack);
    expect(fromFile.config).toEqual(fromEngine.config);
  },
);
