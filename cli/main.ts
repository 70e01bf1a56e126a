// homelab <command>: the one entry of the lab's commands. Each command lives in its own module,
// loaded only when it runs, so `homelab --help` and every command start without the others.
import { CommanderError } from "commander";
import { EXIT, CliError } from "./exit-codes";
import { CliIo, processIo, Subcommand } from "./io";

interface Registered {
  summary: string;
  load: () => Subcommand;
}

// Registering a command is one line: its name, what it does, and the module that builds it.
/* eslint-disable @typescript-eslint/no-require-imports -- loaded lazily, for start-up time */
export const COMMANDS: Record<string, Registered> = {
  render: { summary: "write a stack's libvirt XML, phase plan and topology picture into a folder", load: () => require("./render").render },
  diagram: { summary: "write the lab's topology picture (SVG)", load: () => require("./diagram").diagram },
  export: { summary: "export nixvirt: the lab as NixVirt Nix files", load: () => require("./export-nixvirt").exportCommand },
  media: { summary: "check the installers folder, build the media ISO", load: () => require("./media").media },
  phases: { summary: "the PowerShell phase graph: waves, graph, invocation", load: () => require("./phases").phases },
  up: { summary: "select or create a stack on the local state backend, set its passwords, run pulumi up", load: () => require("./up").upCommand },
  checkpoint: {
    summary: "create, list, revert or delete checkpoints of a lab's VMs (disk, NVRAM, TPM)",
    load: () => require("../checkpoints/command").checkpointSubcommand,
  },
  status: {
    summary: "per VM: state, addresses, install, phases, checkpoints, evaluation days left",
    load: () => require("../checkpoints/command").statusSubcommand,
  },
  rearm: { summary: "extend a Windows guest's evaluation (slmgr /rearm) and reboot it", load: () => require("../checkpoints/command").rearmSubcommand },
};
/* eslint-enable @typescript-eslint/no-require-imports */

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return `Usage: homelab <command> [options]   (homelab <command> --help for its options)\n\nCommands:\n${Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
    .join("\n")}\n\nExit codes: 0 ok, 1 failed, 2 usage error, 3 config error, 4 environment error, 5 runtime failure\n`;
}

/** The exit code of an error by its kind; the message goes to stderr without a stack trace. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return EXIT[err.kind];
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const name = err instanceof Error ? err.name : "";
  // By name, so that this table does not import the lab model or the exporter.
  if (name === "LabConfigError" || name === "StackFileError" || name === "NixVirtExportError") return EXIT.config;
  if (name === "UsageError" || name === "CheckpointNameError") return EXIT.usage;
  // The day-2 work ran and failed: a VM locked by another operation, a checkpoint that cannot be restored.
  if (name === "CheckpointError" || name === "LockedError" || name === "LicenceError") return EXIT.failed;
  if (name === "HostError") return EXIT.environment;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT" || code === "EACCES" || code === "EROFS" || code === "ENOSPC") return EXIT.environment;
  return EXIT.runtime;
}

/** Runs one subcommand with argv (without its own name); returns the exit code. */
export async function runSubcommand(sub: Subcommand, argv: string[], io: CliIo): Promise<number> {
  const result = { code: EXIT.ok as number };
  const command = sub.command(io, result);
  const configure = (c: typeof command) => {
    c.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    c.commands.forEach(configure);
  };
  configure(command);
  try {
    await command.parseAsync(argv, { from: "user" });
    return result.code;
  } catch (err) {
    if (!(err instanceof CommanderError)) io.stderr(`homelab ${command.name()}: ${err instanceof Error ? err.message : String(err)}\n`);
    return exitCodeOf(err);
  }
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(usage());
    return EXIT.usage;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout(usage());
    return EXIT.ok;
  }
  const registered = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!registered) {
    io.stderr(`homelab: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return EXIT.usage;
  }
  return runSubcommand(registered.load(), rest, io);
}
