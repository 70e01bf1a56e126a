// npm run render -- --stack dev --out out/dev
// Writes what the lab is, without touching a hypervisor: one libvirt XML file per network, pool,
// volume and domain, the phase plan, and the topology picture. A bad config exits non-zero with
// the same problems `pulumi up` shows.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { phasesByVm } from "../diagram/phases";
import { dotToSvg } from "../diagram/svg";
import { topologyDot } from "../diagram/topology";
import { renderLab } from "../libvirt/render";
import { writeReadableAnswerFiles } from "../unattend/readable";
import { buildPhaseGraph, topologicalLevels } from "../phases/graph";
import { loadStackOrExit, PROJECT_DIR } from "./stack";

async function main(): Promise<void> {
  const opts = new Command("render")
    .description("write a stack's libvirt XML, phase plan and topology picture into a folder")
    .requiredOption("--stack <name>", "stack name (Pulumi.<name>.yaml)")
    .requiredOption("--out <dir>", "folder to write into (created if missing)")
    .option("--project <dir>", "folder holding Pulumi.yaml and the stack files", PROJECT_DIR)
    .parse(process.argv)
    .opts<{ stack: string; out: string; project: string }>();
  const spec = loadStackOrExit(opts.stack, opts.project);
  mkdirSync(opts.out, { recursive: true });
  const written: string[] = [];
  const write = (file: string, text: string) => {
    writeFileSync(join(opts.out, file), text);
    written.push(file);
  };
  for (const object of renderLab(spec)) write(`${object.kind}-${object.name}.xml`, object.xml);
  written.push(...writeReadableAnswerFiles(spec, opts.out));
  const graph = buildPhaseGraph(spec);
  write("phases.json", JSON.stringify({ stack: spec.stack, waves: topologicalLevels(graph).map((wave) => wave.map((p) => p.id)), phases: graph.phases }, null, 2) + "\n");
  const dot = topologyDot(spec, phasesByVm(spec));
  write("topology.dot", dot);
  write("topology.svg", await dotToSvg(dot));
  process.stdout.write(`wrote ${written.length} files to ${opts.out}:\n${written.map((f) => `  ${f}`).join("\n")}\n`);
}

main().catch((err) => {
  process.stderr.write(`render: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
