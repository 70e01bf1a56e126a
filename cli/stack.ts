// Shared by the commands that run without a Pulumi CLI: load a stack's LabSpec exactly as the
// Pulumi program does, print warnings, and exit non-zero with every problem on a bad config.
import { formatProblems, loadLabSpec, readStackConfig } from "../lab";
import type { LabSpec } from "../lab";

export const PROJECT_DIR = `${__dirname}/..`;

export function loadStackOrExit(stack: string, projectDir = PROJECT_DIR): LabSpec {
  let result;
  try {
    result = loadLabSpec(readStackConfig(projectDir, stack));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  if (result.warnings.length) process.stderr.write(`warning:\n${formatProblems(result.warnings).replace(/^/gm, "  ")}\n`);
  if (!result.ok) {
    process.stderr.write(`the lab config of stack ${stack} has ${result.errors.length} problem(s):\n${formatProblems(result.errors).replace(/^/gm, "  ")}\n`);
    process.exit(1);
  }
  return result.spec;
}
