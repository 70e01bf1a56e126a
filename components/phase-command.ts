// The shell command and environment of one guest phase's local.Command. The homelab-winrm call
// itself (arguments, parameters JSON, secret variables) is phases/invocation.ts's, the same one
// the by-hand wrapper uses; here it only becomes a shell line and Pulumi triggers.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GuestSpec } from "../lab";
import { PHASE_PARAMS_ENV, winrmInvocation } from "../phases/invocation";
import type { Phase } from "../phases/types";
import { inlineScriptModules } from "../winrm";

export const PASSWORD_ENV = "WINRM_PASSWORD";

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
  const inv = winrmInvocation(phase, { projectDir, user: guest.user, transport: guest.transport, port: guest.port });
  return {
    create: ["npx", "--no-install", "homelab-winrm", ...inv.args].map(shellQuote).join(" "),
    environment: inv.env,
    secretEnvironment: { [PASSWORD_ENV]: adminSecretKey, ...inv.secretEnv },
    triggers: [scriptHash(join(projectDir, phase.script)), inv.env[PHASE_PARAMS_ENV], vmUuid],
  };
}

/** SHA-256 of the script as it is sent (its modules inlined), so an edit to either re-runs the phase. */
export function scriptHash(scriptPath: string): string {
  return createHash("sha256").update(inlineScriptModules(readFileSync(scriptPath, "utf8"), scriptPath)).digest("hex");
}
