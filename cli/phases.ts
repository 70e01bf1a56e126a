// homelab phases waves|graph|invocation --stack dev: the phase graph of a stack, for the
// orchestration wrappers and for reading (the same data `render` writes to phases.json).
import { readFileSync } from "node:fs";
import { Command } from "commander";
import type { LabSpec } from "../lab";
import { loadMediaManifest } from "../media/manifest-schema";
import { buildPhaseGraph, checkPhaseGraph, topologicalLevels } from "../phases/graph";
import { winrmInvocation } from "../phases/invocation";
import type { Phase, PhaseGraph } from "../phases/types";
import { CliError } from "./exit-codes";
import type { Subcommand } from "./io";
import { loadStack } from "./stack";

function loadGraph(spec: LabSpec, file?: string): PhaseGraph {
  if (!file) return buildPhaseGraph(spec, loadMediaManifest());
  let data: PhaseGraph | Phase[];
  try {
    data = JSON.parse(readFileSync(file, "utf8")) as PhaseGraph | Phase[];
  } catch (err) {
    throw new CliError("environment", `cannot read the phase graph ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
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

export const phases: Subcommand = {
  command: (io, result) => {
    const program = new Command("phases").description("the PowerShell phase graph of a stack");
    program
      .command("graph")
      .description("the graph as JSON")
      .requiredOption("--stack <name>", "stack name")
      .action(({ stack }: { stack: string }) => {
        io.stdout(JSON.stringify(loadGraph(loadStack(stack, io)), null, 2) + "\n");
        result.code = 0;
      });
    program
      .command("waves")
      .description("the phases in waves that can run in parallel")
      .requiredOption("--stack <name>", "stack name")
      .option("--graph <file>", "read the graph from this phases.json instead of building it")
      .action(({ stack, graph }: { stack: string; graph?: string }) => {
        topologicalLevels(loadGraph(loadStack(stack, io), graph)).forEach((wave, i) => {
          io.stdout(`wave ${i}:\n${wave.map((p) => `  ${p.id.padEnd(36)} ${p.host.padEnd(16)} ${p.script}  ${phaseNotes(p)}\n`).join("")}`);
        });
        result.code = 0;
      });
    program
      .command("invocation")
      .description("the homelab-winrm call of one phase, as JSON")
      .requiredOption("--stack <name>", "stack name")
      .requiredOption("--phase <id>", "phase id")
      .option("--graph <file>", "read the graph from this phases.json")
      .action(({ stack, phase, graph }: { stack: string; phase: string; graph?: string }) => {
        const spec = loadStack(stack, io);
        const g = loadGraph(spec, graph);
        const found = g.phases.find((p) => p.id === phase);
        if (!found) throw new CliError("usage", `stack ${stack} has no phase ${phase}; its phases: ${g.phases.map((p) => p.id).join(", ") || "(none)"}`);
        const call = winrmInvocation(found, { projectDir: io.projectDir, transport: spec.guest.transport, port: spec.guest.port });
        io.stdout(JSON.stringify({ phase: found, ...call }) + "\n");
        result.code = 0;
      });
    return program;
  },
};
