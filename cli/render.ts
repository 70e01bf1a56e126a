// homelab render --stack dev --out out/dev
// Writes what the lab is, without touching a hypervisor: one libvirt XML file per network, pool,
// volume and domain, the phase plan, and the topology picture. Everything is computed first and
// the folder replaced at once, so a failure leaves no partial output.
import { Command } from "commander";
import { dotToSvg } from "../diagram/svg";
import { loadMediaManifest } from "../media/manifest-schema";
import type { Subcommand } from "./io";
import { replaceFolder } from "./out-dir";
import { renderFiles } from "./render-files";
import { loadStack } from "./stack";

export const render: Subcommand = {
  command: (io, result) =>
    new Command("render")
      .description("write a stack's libvirt XML, phase plan and topology picture into a folder")
      .requiredOption("--stack <name>", "stack name (Pulumi.<name>.yaml)")
      .requiredOption("--out <dir>", "folder to write into (replaced as a whole)")
      .option("--project <dir>", "folder holding Pulumi.yaml and the stack files", io.projectDir)
      .action(async (opts: { stack: string; out: string; project: string }) => {
        const spec = loadStack(opts.stack, io, opts.project);
        const files = renderFiles(spec, loadMediaManifest());
        const dot = files.find((f) => f.path === "topology.dot")!.content;
        files.push({ path: "topology.svg", content: await dotToSvg(dot) });
        replaceFolder(opts.out, files);
        io.stdout(`wrote ${files.length} files to ${opts.out}:\n${files.map((f) => `  ${f.path}`).join("\n")}\n`);
        result.code = 0;
      }),
};
