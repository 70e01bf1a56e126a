// local.Command of pulumi-command 1.2.1, whose provider binary cannot be installed here. Written
// from its source (github.com/pulumi/pulumi-command, provider/pkg/provider/local: command.go,
// commandController.go, commandOutputs.go):
// - `triggers` is replaceOnChanges (CommandArgs: `provider:"replaceOnChanges"`); any other input
//   change is an update, which runs `update`, or `create` when `update` is unset;
// - a command runs as `/bin/sh -c <command>`, in `dir`, or in the provider's working directory
//   (os.Getwd(): the engine starts plugins in the project folder) when `dir` is unset;
// - its environment is the provider's plus `environment`, plus PULUMI_COMMAND_STDOUT/STDERR holding
//   the previous run's output unless `addPreviousOutputInEnv` is false;
// - stdout and stderr become outputs with one trailing newline cut; a non-zero exit fails the step;
// - outputs depend on every input (WireDependencies), so a secret input makes them secret.
// `logging` streams the output to the engine's log against the resource (stdoutAndStderr by default).
import { spawn } from "node:child_process";
import type { PropertyMap, Value } from "./values";
import { containsSecret, reveal, secret } from "./values";

export const COMMAND_TYPE = "command:local:Command";
export const COMMAND_VERSION = "1.2.1";

export interface CommandRun {
  urn: string;
  started: number;
  ended: number;
  command: string;
  exitCode: number | null;
  /** The environment it got, secrets included (tests check where secrets went). */
  environment: Record<string, string>;
  argv: string[];
}

export interface CommandProviderOptions {
  /** The provider's working directory (the project folder). */
  cwd: string;
  /** Put before `/bin/sh -c` (e.g. nsenter into the test's network namespace); empty: none. */
  prefix: string[];
  log: (urn: string, severity: "info" | "error", message: string) => void;
}

const str = (v: Value | undefined): string | undefined => (typeof v === "string" ? v : undefined);

export class CommandProvider {
  readonly runs: CommandRun[] = [];
  constructor(private readonly opts: CommandProviderOptions) {}

  diff(oldInputs: PropertyMap, news: PropertyMap): { changed: string[]; replace: boolean } {
    const keys = [...new Set([...Object.keys(oldInputs), ...Object.keys(news)])].sort();
    const changed = keys.filter((k) => JSON.stringify(reveal(oldInputs[k] ?? null)) !== JSON.stringify(reveal(news[k] ?? null)));
    return { changed, replace: changed.includes("triggers") };
  }

  async create(urn: string, inputs: PropertyMap, preview: boolean): Promise<PropertyMap> {
    if (preview) return { ...inputs };
    const create = str(reveal(inputs.create ?? null));
    return this.finish(inputs, create === undefined ? { stdout: "", stderr: "" } : await this.run(urn, create, inputs, undefined));
  }

  async update(urn: string, olds: PropertyMap, news: PropertyMap, preview: boolean): Promise<PropertyMap> {
    if (preview) return { ...news };
    const cmd = str(reveal(news.update ?? null)) ?? str(reveal(news.create ?? null));
    return this.finish(news, cmd === undefined ? { stdout: "", stderr: "" } : await this.run(urn, cmd, news, olds));
  }

  async delete(urn: string, olds: PropertyMap): Promise<void> {
    const cmd = str(reveal(olds.delete ?? null));
    if (cmd !== undefined) await this.run(urn, cmd, olds, olds);
  }

  private finish(inputs: PropertyMap, out: { stdout: string; stderr: string }): PropertyMap {
    const anySecret = containsSecret(inputs);
    const wrap = (s: string): Value => (anySecret ? secret(s) : s);
    return { ...inputs, stdout: wrap(out.stdout), stderr: wrap(out.stderr) };
  }

  private run(urn: string, command: string, inputs: PropertyMap, previous: PropertyMap | undefined): Promise<{ stdout: string; stderr: string }> {
    const environment = (reveal(inputs.environment ?? {}) ?? {}) as Record<string, string>;
    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...environment };
    if (previous && reveal(inputs.addPreviousOutputInEnv ?? true) !== false) {
      const stdout = str(reveal(previous.stdout ?? null));
      const stderr = str(reveal(previous.stderr ?? null));
      if (stdout) env.PULUMI_COMMAND_STDOUT = stdout;
      if (stderr) env.PULUMI_COMMAND_STDERR = stderr;
    }
    const dir = str(reveal(inputs.dir ?? null)) ?? this.opts.cwd;
    const argv = [...this.opts.prefix, "/bin/sh", "-c", command];
    const logging = str(reveal(inputs.logging ?? null)) ?? "stdoutAndStderr";
    const record: CommandRun = { urn, started: Date.now(), ended: 0, command, exitCode: null, environment, argv };
    this.runs.push(record);
    return new Promise((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      let child;
      try {
        child = spawn(argv[0], argv.slice(1), { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
      } catch (e) {
        // E2BIG and the like throw synchronously from spawn.
        record.ended = Date.now();
        reject(new Error(`${(e as Error).message}: running ${JSON.stringify(command)}`));
        return;
      }
      const stream = (which: "stdout" | "stderr") => (d: string) => {
        if (which === "stdout") stdout += d;
        else stderr += d;
        if (logging === "stdoutAndStderr" || logging === which)
          for (const line of d.split("\n").filter((l) => l !== "")) this.opts.log(urn, which === "stdout" ? "info" : "error", line);
      };
      child.stdout!.setEncoding("utf8").on("data", stream("stdout"));
      child.stderr!.setEncoding("utf8").on("data", stream("stderr"));
      child.once("error", (e) => {
        record.ended = Date.now();
        reject(new Error(`${e.message}: running ${JSON.stringify(command)}`));
      });
      child.once("close", (code) => {
        record.ended = Date.now();
        record.exitCode = code;
        if (code !== 0) reject(new Error(`exit status ${code}: running ${JSON.stringify(command)}:\n${stdout}${stderr}`));
        else resolve({ stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") });
      });
    });
  }
}
