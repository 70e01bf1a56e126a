// npm run export:nixvirt -- --stack dev --out nixvirt/
// Reads Pulumi.<stack>.yaml, and writes the lab as NixVirt Nix files for flake.nix.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { formatProblems, loadLabSpec, readStackConfig } from "../lab";
import { exportNixVirt, NixVirtExportError } from "../nixvirt-export";

const PROJECT_DIR = join(__dirname, "..");

function main(argv: string[]): number {
  const program = new Command()
    .name("export-nixvirt")
    .description("Write the lab of one stack as NixVirt 0.6.0 Nix files (networks.nix, pools.nix, domains.nix)")
    .requiredOption("--stack <name>", "the stack whose Pulumi.<name>.yaml describes the lab")
    .requiredOption("--out <dir>", "the folder to write the files to, e.g. nixvirt/")
    .option("--project <dir>", "the folder holding Pulumi.yaml and the stack files", PROJECT_DIR)
    .parse(argv);
  const { stack, out, project } = program.opts<{ stack: string; out: string; project: string }>();

  const result = loadLabSpec(readStackConfig(project, stack));
  if (result.warnings.length > 0) console.warn(formatProblems(result.warnings));
  if (!result.ok) {
    console.error(`Pulumi.${stack}.yaml has ${result.errors.length} problem${result.errors.length === 1 ? "" : "s"}:`);
    console.error(formatProblems(result.errors));
    return 1;
  }
  let files;
  try {
    files = exportNixVirt(result.spec);
  } catch (error) {
    if (!(error instanceof NixVirtExportError)) throw error;
    console.error(error.message);
    return 1;
  }
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  for (const file of files) {
    writeFileSync(join(dir, file.path), file.content);
    console.log(`wrote ${join(out, file.path)}`);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
