// The phase graph from the command line, for the orchestration wrappers and for reading:
//   ts-node phases/cli.ts waves --stack dev
//   ts-node phases/cli.ts graph --stack dev                       (JSON, what `npm run render` writes to out/<stack>/phases.json)
//   ts-node phases/cli.ts invocation --stack dev --phase dc01-dns [--graph out/dev/phases.json]
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import { formatProblems, loadLabSpec, readStackConfig } from "../lab";
import type { LabSpec } from "../lab";
import { loadMediaManifest } from "../media/manifest-schema";
import { buildPhaseGraph, checkPhaseGraph, topologicalLevels } from "./graph";
import { winrmInvocation } from "./invocation";
import type { Phase, PhaseGraph } from "./types";

const PROJECT_DIR = resolve(__dirname, "..");

function loadSpec(stack: string): LabSpec {
  const result = loadLabSpec(readStackConfig(PROJECT_DIR, stack));
  if (!result.ok) throw new Error(`the lab config of stack ${stack} has problems:\n${formatProblems(result.errors)}`);
  return result.spec;
}

function loadGraph(spec: LabSpec, file?: string): PhaseGraph {
  if (!file) return buildPhaseGraph(spec, loadMediaManifest());
  const data = JSON.parse(readFileSync(file, "utf8")) as PhaseGraph | Phase[];
  const graph = Array.isArray(data) ? { phases: data } : data;
  checkPhaseGraph(graph);
  return graph;
}

/** What a reader of the waves needs to plan a run: the bound, reruns after a reboot, a checkpoint. */
function phaseNotes(p: Phase): string {
  const notes = [`up to ${p.timeoutSeconds} s`];
  if (p.expectsReboot) notes.push(`may reboot, up to ${p.maxRuns} runs`);
  if (p.checkpoint) notes.push("checkpoint before");
  return `(${notes.join("; ")})`;
}

const program = new Command("phases").description("the PowerShell phase graph of a stack");
program
  .command("graph")
  .requiredOption("--stack <name>")
  .action(({ stack }: { stack: string }) => {
    process.stdout.write(JSON.stringify(buildPhaseGraph(loadSpec(stack), loadMediaManifest()), null, 2) + "\n");
  });
program
  .command("waves")
  .requiredOption("--stack <name>")
  .option("--graph <file>")
  .action(({ stack, graph }: { stack: string; graph?: string }) => {
    topologicalLevels(loadGraph(loadSpec(stack), graph)).forEach((wave, i) => {
      process.stdout.write(`wave ${i}:\n${wave.map((p) => `  ${p.id.padEnd(36)} ${p.host.padEnd(16)} ${p.script}  ${phaseNotes(p)}\n`).join("")}`);
    });
  });
program
  .command("invocation")
  .requiredOption("--stack <name>")
  .requiredOption("--phase <id>")
  .option("--graph <file>")
  .action(({ stack, phase, graph }: { stack: string; phase: string; graph?: string }) => {
    const spec = loadSpec(stack);
    const g = loadGraph(spec, graph);
    const found = g.phases.find((p) => p.id === phase);
    if (!found) throw new Error(`stack ${stack} has no phase ${phase}; its phases: ${g.phases.map((p) => p.id).join(", ") || "(none)"}`);
    const call = winrmInvocation(found, { projectDir: PROJECT_DIR, user: spec.guest.user, transport: spec.guest.transport, port: spec.guest.port });
    process.stdout.write(JSON.stringify({ phase: found, ...call }) + "\n");
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
