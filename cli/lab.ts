// npm run lab -- checkpoint create --stack dev --name before-sccm [--vm SCCM01 --vm SQL01]
// npm run lab -- status --stack dev [--json]
// Runs the day-2 commands of checkpoints/command.ts (until the one homelab entry registers them):
// a message without a stack trace on failure, and the exit code of checkpoints' exitCodeOf.
import { CommanderError } from "commander";
import { DEFAULT_PROJECT_DIR, exitCodeOf, LAB_SUBCOMMANDS, LabIo } from "../checkpoints/command";

const io: LabIo = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t), projectDir: DEFAULT_PROJECT_DIR };

function usage(): string {
  return `Usage: npm run lab -- <command> [options]   (<command> --help for its options)\n\nCommands:\n${
    Object.entries(LAB_SUBCOMMANDS).map(([name, s]) => `  ${name.padEnd(10)}  ${s.command(io, { code: 0 }).description()}`).join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout(usage());
    return 0;
  }
  const sub = name === undefined ? undefined : LAB_SUBCOMMANDS[name];
  if (!sub) {
    io.stderr(`${name === undefined ? "" : `lab: unknown command ${JSON.stringify(name)}\n\n`}${usage()}`);
    return 2;
  }
  const result = { code: 1 };
  const command = sub.command(io, result);
  const configure = (c: typeof command) => {
    c.exitOverride();
    c.commands.forEach(configure);
  };
  configure(command);
  try {
    await command.parseAsync(rest, { from: "user" });
    return result.code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    io.stderr(`lab ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return exitCodeOf(err);
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
  process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
