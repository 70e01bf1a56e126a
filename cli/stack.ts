// The one stack loader of the commands: a stack's LabSpec exactly as the Pulumi program gets
// it, warnings printed, and every problem thrown at once as a LabConfigError (exit code config).
import { formatProblems, LabConfigError, loadLabSpec, readStackConfig } from "../lab";
import type { LabSpec } from "../lab";
import type { CliIo } from "./io";

export function loadStack(stack: string, io: CliIo, projectDir = io.projectDir): LabSpec {
  const result = loadLabSpec(readStackConfig(projectDir, stack));
  if (result.warnings.length) io.stderr(`warning:\n${formatProblems(result.warnings).replace(/^/gm, "  ")}\n`);
  if (!result.ok) throw new LabConfigError(result.errors, `the lab config of stack ${stack}`);
  return result.spec;
}
