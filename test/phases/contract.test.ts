// The graph and the scripts agree: every parameter a phase passes is declared by its script with
// a matching type, and every mandatory parameter of the script is passed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildPhaseGraph } from "../../phases";
import { powershellParser, ScriptParameter, scriptParameters } from "../scripts/powershell";
import { PROJECT_DIR, stackSpec, STACKS, REPO_MANIFEST } from "../support/stacks";

const cache = new Map<string, ScriptParameter[]>();
async function paramsOf(script: string): Promise<ScriptParameter[]> {
  if (!cache.has(script)) {
    const parser = await powershellParser();
    cache.set(script, scriptParameters(parser.parse(readFileSync(join(PROJECT_DIR, script), "utf8"))!.rootNode));
  }
  return cache.get(script)!;
}

const stacksWithPhases = STACKS.filter((s) => buildPhaseGraph(stackSpec(s), REPO_MANIFEST).phases.length > 0);

describe.each(stacksWithPhases)("stack %s", (stack) => {
  const graph = buildPhaseGraph(stackSpec(stack), REPO_MANIFEST);
  test.each(graph.phases.map((p) => [p.id, p] as const))("%s passes what its script declares", async (_id, phase) => {
    const declared = await paramsOf(phase.script);
    const byName = new Map(declared.map((p) => [p.name, p]));
    const passed = { ...phase.params, ...phase.files };
    for (const [name, value] of Object.entries(passed)) {
      const param = byName.get(name);
      expect(param ? name : `${name} is not a parameter of ${phase.script}`).toBe(name);
      expect(`${name}: ${param!.type}`).toBe(`${name}: ${Array.isArray(value) ? "string[]" : "string"}`);
    }
    for (const name of Object.keys(phase.secretParams)) {
      // Secrets arrive as plain strings and are converted at once; [object] also takes a SecureString by hand.
      expect(`${name}: ${byName.get(name)?.type}`).toBe(`${name}: object`);
    }
    const given = new Set([...Object.keys(passed), ...Object.keys(phase.secretParams)]);
    for (const p of declared.filter((d) => d.mandatory)) expect(given.has(p.name) ? p.name : `${p.name} (mandatory) is not passed`).toBe(p.name);
  });
});

test("the parameter reader sees types and Mandatory", async () => {
  const declared = await paramsOf("scripts/common/Set-LabNetwork.ps1");
  expect(declared).toEqual([
    { name: "Nic", type: "string[]", mandatory: true },
    { name: "DnsServer", type: "string[]", mandatory: false },
  ]);
});
