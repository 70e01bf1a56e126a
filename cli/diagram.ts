// homelab diagram --stack dev [--out docs/topology-dev.svg] [--dot]
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { phasesByVm } from "../diagram/phases";
import { dotToSvg } from "../diagram/svg";
import { topologyDot } from "../diagram/topology";
import { loadMediaManifest } from "../media/manifest-schema";
import { buildPhaseGraph } from "../phases/graph";
import type { Subcommand } from "./io";
import { loadStack } from "./stack";

export const diagram: Subcommand = {
  command: (io, result) =>
    new Command("diagram")
      .description("write the lab's topology picture (SVG) for a stack")
      .requiredOption("--stack <name>", "stack name (Pulumi.<name>.yaml)")
      .option("--out <file>", "write to this file instead of stdout")
      .option("--dot", "write the Graphviz source instead of SVG")
      .action(async (opts: { stack: string; out?: string; dot?: boolean }) => {
        const spec = loadStack(opts.stack, io);
        const dot = topologyDot(spec, phasesByVm(buildPhaseGraph(spec, loadMediaManifest())));
        const text = opts.dot ? dot : await dotToSvg(dot);
        if (opts.out) writeFileSync(opts.out, text);
        else io.stdout(text);
        result.code = 0;
      }),
};
