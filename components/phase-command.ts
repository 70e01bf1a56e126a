// The shell command and environment of one guest phase, as plain data. Parameters and secrets
// travel in environment variables, so nothing about the phase, and no password, is in argv.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GuestSpec } from "../lab";
import type { Phase } from "../phases/types";

export const PARAMS_ENV = "HOMELAB_PHASE_PARAMS";
export const PASSWORD_ENV = "WINRM_PASSWORD";

/** The environment variable that carries one secret parameter. */
export const secretEnvName = (param: string): string => `HOMELAB_SECRET_${param.replace(/[^A-Za-z0-9]/g, "_").toUpperCase()}`;

/** POSIX single-quoting: the only character that needs care inside '...' is ' itself. */
export const shellQuote = (s: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export interface PhaseCommand {
  /** The command line `local.Command` runs through /bin/sh. */
  create: string;
  /** Non-secret environment (the parameters as JSON). */
  environment: Record<string, string>;
  /** Environment variable -> secret config key whose value it carries. */
  secretEnvironment: Record<string, string>;
  /** What re-runs the phase when it changes. */
  triggers: string[];
}

export function phaseCommand(phase: Phase, guest: GuestSpec, projectDir: string, vmUuid: string, adminSecretKey = "adminPassword"): PhaseCommand {
  const script = join(projectDir, phase.script);
  const args = [
    "npx", "--no-install", "homelab-winrm", "run",
    "--host", phase.host, "--port", String(guest.port), "--transport", guest.transport,
    "--user", guest.user, "--name", phase.vm, "--script", script, "--params-env", PARAMS_ENV,
    ...Object.keys(phase.secretParams).sort().flatMap((param) => ["--secret-param", `${param}=${secretEnvName(param)}`]),
  ];
  const params = { ...phase.params, ...(phase.files ?? {}) };
  const secretEnvironment: Record<string, string> = { [PASSWORD_ENV]: adminSecretKey };
  for (const [param, key] of Object.entries(phase.secretParams)) secretEnvironment[secretEnvName(param)] = key;
  return {
    create: args.map(shellQuote).join(" "),
    environment: { [PARAMS_ENV]: JSON.stringify(params) },
    secretEnvironment,
    triggers: [scriptHash(script), JSON.stringify(params), vmUuid],
  };
}

/** SHA-256 of the script and of the shared modules it imports, so an edit to either re-runs the phase. */
export function scriptHash(scriptPath: string): string {
  const hash = createHash("sha256").update(readFileSync(scriptPath));
  const modulesDir = join(scriptPath, "..", "..", "modules");
  for (const module of ["Logger.psm1", "Validator.psm1"]) {
    try {
      hash.update(readFileSync(join(modulesDir, module)));
    } catch {
      // A script tree without shared modules hashes the script alone.
    }
  }
  return hash.digest("hex");
}
