// npm run diagram -- --stack dev [--out docs/topology-dev.svg] [--dot]
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { topologyDot } from "../diagram/topology";
import { dotToSvg } from "../diagram/svg";
import { phasesByVm } from "../diagram/phases";
import { loadStackOrExit } from "./stack";
import { buildPhaseGraph } from "../phases/graph";

async function main(): Promise<void> {
  const opts = new Command("diagram")
    .description("write the lab's topology picture (SVG) for a stack")
    .requiredOption("--stack <name>", "stack name (Pulumi.<name>.yaml)")
    .option("--out <file>", "write to this file instead of stdout")
    .option("--dot", "write the Graphviz source instead of SVG")
    .parse(process.argv)
    .opts<{ stack: string; out?: string; dot?: boolean }>();
  const spec = loadStackOrExit(opts.stack);
  const dot = topologyDot(spec, phasesByVm(buildPhaseGraph(spec)));
  const text = opts.dot ? dot : await dotToSvg(dot);
  if (opts.out) writeFileSync(opts.out, text);
  else process.stdout.write(text);
}

main().catch((err) => {
  process.stderr.write(`diagram: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
