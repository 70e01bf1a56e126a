import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { GuestSpec } from "../lab";
import type { PhaseGraph } from "../phases/types";
import { CredentialGuard, logonPasswordSteps } from "./credential-guard";
import { childName } from "./naming";
import { phaseCommand, secretFingerprint } from "./phase-command";

export interface GuestPhasesArgs {
  graph: PhaseGraph;
  guest: GuestSpec;
  /** Folder holding scripts/, read to hash them; the Commands themselves run from the program's folder. */
  projectDir: string;
  /** LabSpec.stack: the salt of the secrets' fingerprints. */
  stack: string;
  /** Each VM's domain: a phase waits for the domain of its VM. */
  domains: Record<string, pulumi.Resource>;
  vmUuids: Record<string, string>;
  /** Secret config values by key (adminPassword, dsrmPassword, ...). */
  secrets: Record<string, pulumi.Output<string>>;
}

const LOGON_SECRET = "adminPassword";

/** The PowerShell phases as `local.Command`s, each after the phases the graph names. */
export class GuestPhases extends pulumi.ComponentResource {
  public readonly commands: Record<string, command.local.Command>;
  public readonly logonGuard: CredentialGuard;

  constructor(name: string, args: GuestPhasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:phases:GuestPhases", name, {}, opts);
    this.commands = {};
    const secretOf = (key: string, phaseId: string): pulumi.Output<string> => {
      const value = args.secrets[key];
      if (!value) throw new Error(`phase ${phaseId} needs the secret homelab:${key}: run \`pulumi config set --secret homelab:${key}\``);
      return value;
    };
    // One fingerprint per secret (scrypt is slow on purpose); not a secret itself, so a preview can say which secret changed.
    const fingerprints = new Map<string, pulumi.Output<string>>();
    const fingerprint = (key: string, phaseId: string): pulumi.Output<string> => {
      if (!fingerprints.has(key)) fingerprints.set(key, pulumi.unsecret(secretOf(key, phaseId).apply((v) => secretFingerprint(args.stack, key, v))));
      return fingerprints.get(key)!;
    };
    const guardName = childName(name, "logon-guard");
    this.logonGuard = new CredentialGuard(
      guardName,
      {
        secretKey: LOGON_SECRET,
        fingerprint: fingerprint(LOGON_SECRET, "(every phase)"),
        steps: logonPasswordSteps(
          LOGON_SECRET,
          `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::homelab:lab:Lab$homelab:phases:GuestPhases$pulumi-nodejs:dynamic/homelab:CredentialGuard::${guardName}`,
        ),
      },
      { parent: this },
    );

    // The graph is acyclic and lists phases after those they wait for.
    for (const phase of args.graph.phases) {
      const cmd = phaseCommand(phase, args.guest, {
        projectDir: args.projectDir,
        vmUuid: args.vmUuids[phase.vm],
        stack: args.stack,
        adminSecretKey: LOGON_SECRET,
      });
      const secretEnv: Record<string, pulumi.Output<string>> = {};
      for (const [env, key] of Object.entries(cmd.secretEnvironment)) secretEnv[env] = pulumi.secret(secretOf(key, phase.id));
      const after = phase.after.map((id) => {
        const dep = this.commands[id];
        if (!dep) throw new Error(`phase ${phase.id} runs after ${id}, which is not defined before it`);
        return dep;
      });
      // A secret the script takes as a parameter is part of its result: a new value re-runs it (a replace; the
      // Command has no delete step). The logon password is not: the guard above refuses its change.
      const triggers = pulumi.all(cmd.resultSecrets.map((key) => fingerprint(key, phase.id))).apply((fps) => [...cmd.triggers, ...fps]);
      this.commands[phase.id] = new command.local.Command(
        childName(name, phase.id),
        {
          create: cmd.create,
          // No `dir`: pulumi-command runs the command in its plugin's working directory, the project folder,
          // so a copy of the project elsewhere has the same inputs.
          environment: pulumi.all(secretEnv).apply((secrets) => ({ ...cmd.environment, ...secrets })),
          triggers,
          // pulumi-command 1.x otherwise puts the previous run's whole stdout/stderr into the next run's
          // environment (PULUMI_COMMAND_STDOUT), and Linux refuses one environment string over 128 KiB (E2BIG).
          addPreviousOutputInEnv: false,
          // The command prints only the head and tail of the phase's output (the whole of it is in cmd.logFile);
          // the scripts log progress, never secrets; the environment is not logged.
          logging: "stdoutAndStderr",
        },
        { parent: this, dependsOn: [this.logonGuard, args.domains[phase.vm], ...after] },
      );
    }
    this.registerOutputs({});
  }
}
