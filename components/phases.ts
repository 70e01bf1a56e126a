import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { GuestSpec } from "../lab";
import type { PhaseGraph } from "../phases/types";
import { phaseCommand } from "./phase-command";
import { childName } from "./naming";

export interface GuestPhasesArgs {
  graph: PhaseGraph;
  guest: GuestSpec;
  /** Folder holding scripts/ and the homelab-winrm bin. */
  projectDir: string;
  /** Each VM's domain: a phase waits for the domain of its VM. */
  domains: Record<string, pulumi.Resource>;
  vmUuids: Record<string, string>;
  /** Secret config values by key (adminPassword, dsrmPassword, ...). */
  secrets: Record<string, pulumi.Output<string>>;
}

/** The PowerShell phases as `local.Command`s, each after the phases the graph names. */
export class GuestPhases extends pulumi.ComponentResource {
  public readonly commands: Record<string, command.local.Command>;

  constructor(name: string, args: GuestPhasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:phases:GuestPhases", name, {}, opts);
    this.commands = {};
    // The graph is acyclic and lists phases after those they wait for.
    for (const phase of args.graph.phases) {
      const cmd = phaseCommand(phase, args.guest, args.projectDir, args.vmUuids[phase.vm]);
      const secretEnv: Record<string, pulumi.Output<string>> = {};
      for (const [env, key] of Object.entries(cmd.secretEnvironment)) {
        const value = args.secrets[key];
        if (!value) throw new Error(`phase ${phase.id} needs the secret homelab:${key}: run \`pulumi config set --secret homelab:${key}\``);
        secretEnv[env] = pulumi.secret(value);
      }
      const after = phase.after.map((id) => {
        const dep = this.commands[id];
        if (!dep) throw new Error(`phase ${phase.id} runs after ${id}, which is not defined before it`);
        return dep;
      });
      this.commands[phase.id] = new command.local.Command(childName(name, phase.id), {
        create: cmd.create,
        dir: args.projectDir,
        environment: pulumi.all(secretEnv).apply((secrets) => ({ ...cmd.environment, ...secrets })),
        triggers: cmd.triggers,
        // The scripts log progress, never secrets; the environment is not logged.
        logging: "stdoutAndStderr",
      }, { parent: this, dependsOn: [args.domains[phase.vm], ...after] });
    }
    this.registerOutputs({});
  }
}
