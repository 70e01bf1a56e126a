// How a phase becomes one homelab-winrm call: typed parameters (and the generated files) as a
// JSON object in an environment variable (--params-env), secrets as --secret-param names of
// environment variables. No value of either ever appears in argv. homelab-winrm itself inlines
// the script's modules, so the script path is the repo file: relative to the project folder
// unless a caller (the by-hand wrapper) asks for it under a given folder, so that a phase's
// command line is the same in every checkout.
import type { ParamValue, Phase } from "./types";

/** The environment variable that carries a phase's parameters as JSON. */
export const PHASE_PARAMS_ENV = "HOMELAB_PHASE_PARAMS";

export class PhaseInvocationError extends Error {
  override name = "PhaseInvocationError";
}

/** Parameters and generated files merged into the one object the script binds. */
export function phaseParams(phase: Phase): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = { ...phase.params };
  for (const [name, content] of Object.entries(phase.files ?? {})) {
    if (name in out) throw new PhaseInvocationError(`phase ${phase.id}: ${name} is both a parameter and a file`);
    out[name] = content;
  }
  for (const name of Object.keys(phase.secretParams)) {
    if (name in out) throw new PhaseInvocationError(`phase ${phase.id}: ${name} is both a parameter and a secret`);
  }
  return out;
}

/** The host environment variable that holds a secret config key, e.g. dsrmPassword -> HOMELAB_DSRM_PASSWORD. */
export function secretEnvVar(key: string): string {
  return `HOMELAB_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

export interface WinrmInvocation {
  /** Arguments after `homelab-winrm`. */
  args: string[];
  /** Non-secret environment to add (the parameters JSON); secrets and WINRM_PASSWORD are the caller's. */
  env: Record<string, string>;
  /** Environment variables the caller must set from the stack's secrets: variable -> config key. */
  secretEnv: Record<string, string>;
}

export interface InvocationOptions {
  /** Folder to put before the script path; omit it for the project-relative path a Command runs from the project folder. */
  projectDir?: string;
  transport: string;
  port: number;
}

export function winrmInvocation(phase: Phase, opts: InvocationOptions): WinrmInvocation {
  const script = opts.projectDir === undefined ? phase.script : `${opts.projectDir.replace(/\/+$/, "")}/${phase.script}`;
  const args = [
    "run",
    "--host",
    phase.host,
    "--port",
    String(opts.port),
    "--transport",
    opts.transport,
    "--user",
    phase.user,
    "--name",
    phase.vm,
    "--script",
    script,
    "--params-env",
    PHASE_PARAMS_ENV,
    // The graph's bound per run (reboot included; already scaled for TCG guests) and how many runs a
    // phase that asks for a reboot (3010) may take: homelab-winrm reboots and runs it again.
    // After --script: scripts/orchestration/run-phase.sh hands what precedes it to `homelab-winrm wait`.
    "--timeout",
    String(phase.timeoutSeconds),
    "--max-runs",
    String(phase.maxRuns),
  ];
  const secretEnv: Record<string, string> = {};
  for (const [name, key] of Object.entries(phase.secretParams)) {
    const variable = secretEnvVar(key);
    args.push("--secret-param", `${name}=${variable}`);
    secretEnv[variable] = key;
  }
  return { args, env: { [PHASE_PARAMS_ENV]: JSON.stringify(phaseParams(phase)) }, secretEnv };
}
