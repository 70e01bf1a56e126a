// How a phase becomes one homelab-winrm call: typed parameters (and the generated files) as a
// JSON object in an environment variable (--params-env), secrets as --secret-param names of
// environment variables. No value of either ever appears in argv. homelab-winrm itself inlines
// the script's modules, so the script path is the repo file.
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

export function winrmInvocation(phase: Phase, opts: { projectDir: string; user: string; transport: string; port: number }): WinrmInvocation {
  const args = ["run", "--host", phase.host, "--port", String(opts.port), "--transport", opts.transport, "--user", opts.user,
    "--name", phase.vm, "--script", `${opts.projectDir.replace(/\/+$/, "")}/${phase.script}`, "--params-env", PHASE_PARAMS_ENV];
  const secretEnv: Record<string, string> = {};
  for (const [name, key] of Object.entries(phase.secretParams)) {
    const variable = secretEnvVar(key);
    args.push("--secret-param", `${name}=${variable}`);
    secretEnv[variable] = key;
  }
  return { args, env: { [PHASE_PARAMS_ENV]: JSON.stringify(phaseParams(phase)) }, secretEnv };
}
