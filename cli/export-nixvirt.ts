// homelab export nixvirt --stack dev --out nixvirt/
// Writes the lab of one stack as NixVirt Nix files for flake.nix. A spec NixVirt cannot declare
// is a config error (exit 3) with every config path, and nothing is written.
import { Command } from "commander";
import { exportNixVirt } from "../nixvirt-export";
import type { Subcommand } from "./io";
import { writeFilesAtomically } from "./out-dir";
import { loadStack } from "./stack";

export const exportCommand: Subcommand = {
  command: (io, result) => {
    const program = new Command("export").description("the lab in other formats");
    program
      .command("nixvirt")
      .description("write the lab of one stack as NixVirt 0.6.0 Nix files (networks.nix, pools.nix, domains.nix, lib.nix)")
      .requiredOption("--stack <name>", "the stack whose Pulumi.<name>.yaml describes the lab")
      .requiredOption("--out <dir>", "the folder to write the files to, e.g. nixvirt/")
      .option("--project <dir>", "the folder holding Pulumi.yaml and the stack files", io.projectDir)
      .action((opts: { stack: string; out: string; project: string }) => {
        const files = exportNixVirt(loadStack(opts.stack, io, opts.project));
        writeFilesAtomically(opts.out, files);
        for (const f of files) io.stdout(`wrote ${opts.out.replace(/\/?$/, "/")}${f.path}\n`);
        result.code = 0;
      });
    return program;
  },
};
