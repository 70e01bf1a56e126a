// What a subcommand gets from the entry: where to write, where the project is, and a place for
// its exit code (commander's actions cannot return one).
import type { Command } from "commander";
import { PROJECT_DIR } from "../lab/project-dir";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The folder holding Pulumi.yaml and the stack files. */
  projectDir: string;
}

export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  projectDir: PROJECT_DIR,
};

/** One subcommand: builds its commander Command; an action sets `result.code` or throws. */
export interface Subcommand {
  command(io: CliIo, result: { code: number }): Command;
}
