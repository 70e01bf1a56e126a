// npm run up -- --stack dev [--preview] [-- <more pulumi up flags>]   (homelab up ...)
// The main-job line: on a host with the Pulumi CLI and nothing else set up, select (creating on
// first use) the stack on the local state backend with the passphrase secrets provider, ask for
// the passwords the stack needs, then run `pulumi up`. Each missing piece stops it with one
// sentence saying what to do, before the CLI is asked for anything it would fail on.
import { spawnSync, SpawnSyncOptions } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { Command } from "commander";
import satisfies from "semver/functions/satisfies";
import { parse } from "yaml";
import { loadLabSpec, readStackConfig } from "../lab";
import type { LabSpec } from "../lab";
import { installsUnattended } from "../unattend/paths";
import { CliError } from "./exit-codes";
import type { Subcommand } from "./io";

const INSTALL_PAGE = "https://www.pulumi.com/docs/install/";

/** Something on the host is missing or not set up (exit 4): the message says what to do. */
const hostProblem = (message: string) => new CliError("environment", message);

interface ProjectFile {
  backend?: { url?: string };
  requiredPulumiVersion?: string;
}

export function readProjectFile(projectDir: string): ProjectFile {
  return (parse(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) ?? {}) as ProjectFile;
}

/** `pulumi version` prints e.g. "v3.270.0"; the range is Pulumi.yaml's requiredPulumiVersion. */
export function cliVersionProblem(versionOutput: string, range: string | undefined): string | undefined {
  const version = /v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(versionOutput.trim())?.[1];
  if (!version) return `\`pulumi version\` printed "${versionOutput.trim()}", not a version: reinstall the Pulumi CLI (${INSTALL_PAGE})`;
  if (range && !satisfies(version, range, { includePrerelease: true })) {
    return `the Pulumi CLI is ${version}, and this project needs ${range} (requiredPulumiVersion in Pulumi.yaml): update it (${INSTALL_PAGE}) or run \`nix develop\``;
  }
  return undefined;
}

/**
 * The folder a file:// backend URL names, as the CLI resolves it: relative to the folder pulumi
 * runs in (the project folder here), `~` for the home folder. undefined for other backends.
 */
export function fileBackendDir(url: string, projectDir: string, home: string): string | undefined {
  if (!url.startsWith("file://")) return undefined;
  const path = url.slice("file://".length).replace(/\?.*$/, "");
  if (path === "~" || path.startsWith("~/")) return join(home, path.slice(1));
  return isAbsolute(path) ? path : resolve(projectDir, path);
}

/** Whether the stack's secrets need a passphrase this run cannot ask for. */
export function passphraseProblem(stack: string, env: NodeJS.ProcessEnv, interactive: boolean, stackFileText: string | undefined): string | undefined {
  const stackFile = (stackFileText ? parse(stackFileText) : undefined) as { secretsprovider?: string } | undefined;
  if (stackFile?.secretsprovider && !stackFile.secretsprovider.startsWith("passphrase")) return undefined;
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (file !== undefined && file !== "") {
    return existsSync(file)
      ? undefined
      : `PULUMI_CONFIG_PASSPHRASE_FILE names ${file}, which does not exist: write the passphrase of stack ${stack} into it (one line, mode 0600)`;
  }
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return undefined;
  if (interactive) return undefined;
  return `stack ${stack} keeps its secrets under a passphrase, and this run cannot prompt for it: export PULUMI_CONFIG_PASSPHRASE_FILE=<a file holding it, mode 0600> (or PULUMI_CONFIG_PASSPHRASE) and run again`;
}

/** The secret config keys the stack uses and has not set yet. */
export function missingSecrets(spec: LabSpec, setKeys: ReadonlySet<string>): string[] {
  // The program reads every secret for the guest phases (index.ts); without them, an unattended
  // install still writes homelab:adminPassword into each answer file (unattend/provider/ops.ts).
  const used = spec.guest.phases ? spec.secrets.map((s) => s.key) : spec.vms.some((vm) => installsUnattended(spec, vm)) ? ["adminPassword"] : [];
  return used.filter((key) => !setKeys.has(key));
}

export function setSecretCommands(stack: string, keys: string[]): string {
  return keys.map((key) => `  pulumi config set --secret homelab:${key} --stack ${stack}`).join("\n");
}

export interface Io {
  run(args: string[], opts?: Omit<SpawnSyncOptions, "encoding">): { status: number | null; stdout: string; stderr: string; error?: Error };
  interactive: boolean;
  env: NodeJS.ProcessEnv;
  home: string;
  err(text: string): void;
}

/** Runs the real `pulumi` found on env's PATH, in the project folder (the backend URL is relative to it). */
export function realIo(projectDir: string, env: NodeJS.ProcessEnv = process.env, interactive = Boolean(process.stdin.isTTY)): Io {
  return {
    run: (args, opts = {}) => {
      const r = spawnSync("pulumi", args, { cwd: projectDir, env, ...opts, encoding: "utf8" });
      return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
    },
    interactive,
    env,
    home: env.HOME ?? "/root",
    err: (text) => process.stderr.write(text),
  };
}

export interface UpOptions {
  stack: string;
  preview: boolean;
  pulumiArgs: string[];
  projectDir: string;
}

/** Returns the exit code of the pulumi command it ends with; throws CliError for what is missing. */
export function up(opts: UpOptions, io: Io): number {
  const project = readProjectFile(opts.projectDir);

  const version = io.run(["version"]);
  if (version.error) {
    throw hostProblem(
      `the Pulumi CLI is not installed (no \`pulumi\` on PATH): install it (${INSTALL_PAGE}), version ${project.requiredPulumiVersion ?? "3"}, or run \`nix develop\``,
    );
  }
  const versionProblem = cliVersionProblem(version.stdout, project.requiredPulumiVersion);
  if (versionProblem) throw hostProblem(versionProblem);

  const backendUrl = io.env.PULUMI_BACKEND_URL || project.backend?.url;
  const stateDir = backendUrl ? fileBackendDir(backendUrl, opts.projectDir, io.home) : undefined;
  if (stateDir) {
    mkdirSync(stateDir, { recursive: true });
  } else {
    const who = io.run(["whoami", "--non-interactive"]);
    if (who.status !== 0) {
      throw hostProblem(
        `the Pulumi CLI is not logged in to ${backendUrl ?? "a backend"}: run \`pulumi login ${backendUrl ?? "<backend url>"}\`, or unset PULUMI_BACKEND_URL to keep state in .pulumi-state/ (${firstLine(who.stderr)})`,
      );
    }
  }

  const stackFile = join(opts.projectDir, `Pulumi.${opts.stack}.yaml`);
  if (!existsSync(stackFile)) {
    throw new CliError(
      "usage",
      `there is no stack config ${stackFile}: pick one of the Pulumi.<stack>.yaml files (dev, minimal, split-sql, linux, nokvm) or copy one`,
    );
  }
  const passphrase = passphraseProblem(opts.stack, io.env, io.interactive, readFileSync(stackFile, "utf8"));
  if (passphrase) throw hostProblem(passphrase);

  const interactivity = io.interactive ? [] : ["--non-interactive"];
  const select = io.run(["stack", "select", "--create", opts.stack, "--secrets-provider", "passphrase", ...interactivity], {
    stdio: io.interactive ? "inherit" : "pipe",
  });
  if (select.status !== 0) throw hostProblem(`could not select or create stack ${opts.stack}: ${firstLine(select.stderr) || `pulumi exited ${select.status}`}`);

  const config = readStackConfig(opts.projectDir, opts.stack);
  const loaded = loadLabSpec(config);
  // A bad config is reported by the program itself, with every problem and its path.
  const missing = loaded.ok ? missingSecrets(loaded.spec, config.secretKeys ?? new Set()) : [];
  if (missing.length && !io.interactive) {
    throw hostProblem(
      `stack ${opts.stack} needs ${missing.length} password(s) not set yet; set each (pulumi prompts without echo, or reads it from stdin):\n${setSecretCommands(opts.stack, missing)}`,
    );
  }
  for (const key of missing) {
    io.err(`stack ${opts.stack} needs homelab:${key} (${loaded.ok ? loaded.spec.secrets.find((s) => s.key === key)?.purpose : key})\n`);
    const set = io.run(["config", "set", "--secret", `homelab:${key}`, "--stack", opts.stack], { stdio: "inherit" });
    if (set.status !== 0) throw hostProblem(`could not set homelab:${key}: run \`pulumi config set --secret homelab:${key} --stack ${opts.stack}\` by hand`);
  }

  const command = io.run([opts.preview ? "preview" : "up", "--stack", opts.stack, ...interactivity, ...opts.pulumiArgs], { stdio: "inherit" });
  return command.status ?? 1;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

/** `homelab up`, with the Pulumi CLI reached through `makeIo` (the real one on PATH by default). */
export function upSubcommand(makeIo: (projectDir: string) => Io = (dir) => realIo(dir)): Subcommand {
  return {
    command: (io, result) =>
      new Command("up")
        .description("select (or create) a stack on the local state backend, set its passwords, and run pulumi up")
        .requiredOption("--stack <name>", "stack name (Pulumi.<name>.yaml)")
        .option("--preview", "run pulumi preview instead of pulumi up", false)
        .argument("[pulumiArgs...]", "further flags for pulumi up or preview, after --")
        .action((pulumiArgs: string[], opts: { stack: string; preview: boolean }) => {
          result.code = up({ stack: opts.stack, preview: opts.preview, pulumiArgs, projectDir: io.projectDir }, makeIo(io.projectDir));
        }),
  };
}

export const upCommand = upSubcommand();
