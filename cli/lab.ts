// npm run lab -- checkpoint create --stack dev --name before-sccm [--vm SCCM01 --vm SQL01]
// npm run lab -- status --stack dev [--json]
// The day-2 commands of checkpoints/command.ts behind one entry.
import { Command } from "commander";
import { labCommands } from "../checkpoints/command";

const program = new Command("lab").description("day-2 operations on an applied lab: checkpoints, status, licence rearm");
for (const command of labCommands()) program.addCommand(command);
program.parseAsync(process.argv).catch((err) => {
  process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
