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
  // Guest phases on (the default) without their passwords: what `pulumi up` would stop at, every one
  // named. A warning here: these commands never read a password, and a fresh checkout has none set.
  const missing = missingPhaseSecrets(input, result.spec);
  if (missing.length) io.stderr(`warning: pulumi up will stop until these are set:\n${formatProblems(missing).replace(/^/gm, "  ")}\n`);
  return result.spec;
}
