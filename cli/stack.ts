// The one stack loader of the commands: a stack's LabSpec exactly as the Pulumi program gets
// it, warnings printed, and every problem thrown at once as a LabConfigError (exit code config).
import { formatProblems, LabConfigError, loadLabSpec, missingPhaseSecrets, readStackConfig } from "../lab";
import type { LabSpec } from "../lab";
import type { CliIo } from "./io";

export function loadStack(stack: string, io: CliIo, projectDir = io.projectDir): LabSpec {
  const input = readStackConfig(projectDir, stack);
  const result = loadLabSpec(input);
  if (result.warnings.length) io.stderr(`warning:\n${formatProblems(result.warnings).replace(/^/gm, "  ")}\n`);
  if (!result.ok) throw new LabConfigError(result.errors, `the lab config of stack ${stack}`);
  // Guest phases on without their passwords: what `pulumi up` would stop at, every one named.
  const missing = missingPhaseSecrets(input, result.spec);
  if (missing.length) throw new LabConfigError(missing, `the lab config of stack ${stack}`);
  return result.spec;
}
