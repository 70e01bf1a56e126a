/**
 * homelab-winrm: run a PowerShell script on a Windows guest, or wait for it to be ready.
 * The password comes only from WINRM_PASSWORD so it never shows in `ps`, shell history or logs.
 *
 * Exit codes (one table, in winrm/README.md and the README): 0 the script succeeded (exit 0, or
 * 3010/1641 and the reboot it asked for completed; with --max-runs N, a run exited 0 without
 * asking for a reboot); 1 the script failed with any other code, the real code printed on the
 * last stderr line; 2 usage or configuration error; 3 authentication failure; 4 timeout or
 * unreachable host; 5 other WinRM/protocol error; 6 with --max-runs N above 1, all N runs asked
 * for a reboot. A script's own code is never passed through: codes above 255 wrap on Linux (1603
 * would read as 67) and could collide with 2..6.
 */
import { Command, CommanderError, Option } from "commander";
import { readFileSync } from "fs";
import { EXIT_AUTH, EXIT_OK, EXIT_PROTOCOL, EXIT_SCRIPT_FAILED, EXIT_STILL_ASKS_FOR_REBOOT, EXIT_TIMEOUT, EXIT_USAGE } from "./exit-codes";
import { DEFAULT_AUTH_GRACE_MS } from "./readiness";
import { ClientOptions } from "./client";
import { AuthenticationError, ConfigurationError, TimeoutError, TransportError, WinRmError, errorMessage } from "./errors";
import { LinePrefixer } from "./line-prefixer";
import { inlineScriptModules } from "./bundle";
import { ParamValue, parseParamAssignments, parseParamsJson, stripBom } from "./powershell-stdin";
import { waitForReady } from "./readiness";
import { runScriptUntilDone } from "./run";
import { TransportKind } from "./transport";

export { EXIT_AUTH, EXIT_OK, EXIT_PROTOCOL, EXIT_SCRIPT_FAILED, EXIT_STILL_ASKS_FOR_REBOOT, EXIT_TIMEOUT, EXIT_USAGE } from "./exit-codes";

interface CommonFlags {
  host: string;
  port?: string;
  transport: TransportKind;
  allowUnencrypted?: boolean;
  ca?: string;
  pin?: string;
  user: string;
  name?: string;
  timeout?: string;
  operationTimeout?: string;
}

interface RunFlags extends CommonFlags {
  script: string;
  param: string[];
  paramsEnv?: string;
  secretParam: string[];
  readyTimeout?: string;
  authRetry?: string;
  maxRuns?: string;
}

/** --param, --params-env and --secret-param merged; a name given twice is an error. */
function collectParams(f: RunFlags, env: NodeJS.ProcessEnv): Record<string, ParamValue> {
  const sources: [string, Record<string, ParamValue>][] = [["--param", parseParamAssignments(f.param)]];
  if (f.paramsEnv !== undefined) {
    const text = env[f.paramsEnv];
    if (text === undefined) throw new ConfigurationError(`--params-env ${f.paramsEnv}: the environment variable is not set`);
    sources.push([`--params-env ${f.paramsEnv}`, parseParamsJson(text, `the environment variable ${f.paramsEnv}`)]);
  }
  const secrets: Record<string, ParamValue> = {};
  for (const [name, variable] of Object.entries(parseParamAssignments(f.secretParam))) {
    const value = env[variable];
    // The value itself is never echoed, only the variable's name.
    if (value === undefined) throw new ConfigurationError(`--secret-param ${name}: the environment variable ${variable} is not set`);
    secrets[name] = value;
  }
  sources.push(["--secret-param", secrets]);
  const out: Record<string, ParamValue> = {};
  const from: Record<string, string> = {};
  for (const [source, params] of sources) {
    for (const [k, v] of Object.entries(params)) {
      if (k in out) throw new ConfigurationError(`parameter ${k} is given by both ${from[k]} and ${source}`);
      out[k] = v;
      from[k] = source;
    }
  }
  return out;
}

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

const defaultIo: CliIo = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  env: process.env,
};

function positiveNumber(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigurationError(`${flag} must be a positive number of seconds, got ${JSON.stringify(v)}`);
  return n;
}

function nonNegativeNumber(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0)
    throw new ConfigurationError(`${flag} must be a number of seconds (0 or more), got ${JSON.stringify(v)}`);
  return n;
}

function maxRunsFlag(v: string | undefined): number {
  if (v === undefined) return 1;
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1) {
    throw new ConfigurationError(`--max-runs must be a whole number of runs, 1 or more (e.g. --max-runs 3), got ${JSON.stringify(v)}`);
  }
  return Number(v);
}

function clientOptions(f: CommonFlags, env: NodeJS.ProcessEnv): ClientOptions {
  const password = env.WINRM_PASSWORD;
  if (password === undefined || password === "") {
    throw new ConfigurationError("the password must be given in the environment variable WINRM_PASSWORD (it is never read from the command line)");
  }
  if (f.ca && f.pin) throw new ConfigurationError("use either --ca or --pin, not both");
  if ((f.ca || f.pin) && f.transport !== "basic-https") throw new ConfigurationError("--ca and --pin apply to --transport basic-https only");
  let port: number | undefined;
  if (f.port !== undefined) {
    port = Number(f.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigurationError(`--port must be 1..65535, got ${JSON.stringify(f.port)}`);
  }
  return {
    host: f.host,
    port,
    kind: f.transport,
    allowUnencrypted: f.allowUnencrypted === true,
    caFile: f.ca,
    pinSha256: f.pin,
    user: f.user,
    password,
    operationTimeoutSec: f.operationTimeout ? positiveNumber("--operation-timeout", f.operationTimeout, 20) : undefined,
  };
}

function addCommon(cmd: Command): Command {
  return cmd
    .requiredOption("--host <host>", "guest address")
    .option("--port <port>", "WinRM port (default 5985, or 5986 for basic-https)")
    .addOption(new Option("--transport <kind>", "ntlm (sealed, default), basic-https, or basic").choices(["ntlm", "basic", "basic-https"]).default("ntlm"))
    .option("--allow-unencrypted", "permit Basic over plain HTTP (password in clear on the wire)")
    .option("--ca <file>", "PEM CA (or certificate) to trust for basic-https")
    .option("--pin <sha256>", "SHA-256 fingerprint of the guest's certificate for basic-https")
    .requiredOption("--user <user>", "user, DOMAIN\\user or user@domain (password: env WINRM_PASSWORD)")
    .option("--name <vmname>", "prefix for output lines (default: the host)")
    .option("--timeout <seconds>", "run: bound for each run, its ready wait and reboot included (default 3600); wait: for the wait (default 600)")
    .option("--operation-timeout <seconds>", "WS-Man OperationTimeout for Receive (default 20)");
}

/** Refuses a password on the command line without echoing it (commander would quote it back). */
function rejectPasswordArgs(argv: string[]): string | undefined {
  for (const a of argv) {
    if (/^--?(password|pass|pw|p)(=|$)/i.test(a)) {
      return "passwords are not accepted on the command line; set WINRM_PASSWORD in the environment";
    }
  }
  return undefined;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof ConfigurationError) return EXIT_USAGE;
  if (err instanceof AuthenticationError) return EXIT_AUTH;
  if (err instanceof TimeoutError || err instanceof TransportError) return EXIT_TIMEOUT;
  if (err instanceof WinRmError) return EXIT_PROTOCOL;
  return EXIT_PROTOCOL;
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const refused = rejectPasswordArgs(argv);
  if (refused) {
    io.stderr(`homelab-winrm: ${refused}\n`);
    return EXIT_USAGE;
  }
  let result = 0;
  const program = new Command("homelab-winrm")
    .description("Run PowerShell on Windows guests over WinRM (NTLM-sealed HTTP, or Basic over HTTPS)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError(false)
    .addHelpText(
      "after",
      "\nExit codes: 0 the script succeeded (0, or 3010/1641 after the reboot it asked for); 1 the script failed\n" +
        "(its real exit code is on the last stderr line); 2 usage or configuration error; 3 authentication failed;\n" +
        "4 timeout or unreachable; 5 other WinRM error; 6 with --max-runs N above 1: still asks for a reboot after\n" +
        "N runs (each exited 3010/1641; the last reboot was done too). With --max-runs N, 0 means a run exited 0\n" +
        "without asking for a reboot.",
    );

  const fail = (err: unknown, name: string): number => {
    io.stderr(`[${name}] homelab-winrm: ${errorMessage(err)}\n`);
    return exitCodeFor(err);
  };

  addCommon(program.command("run").description("run a PowerShell script; exits with the script's exit code"))
    .requiredOption("--script <file>", "PowerShell script to run")
    .option("--param <k=v>", "script parameter (repeatable)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option("--ready-timeout <seconds>", "bound for the guest to be ready before the script: port, Identify, a command (default 600)")
    .option(
      "--auth-retry <seconds>",
      `how long HTTP 401 is retried while waiting for the guest, e.g. after a DC promotion or a domain join (default ${DEFAULT_AUTH_GRACE_MS / 1000}; 0: the first 401 is final)`,
    )
    .option("--params-env <VAR>", "environment variable holding a JSON object of script parameters")
    .option(
      "--secret-param <Name=VAR>",
      "script parameter whose value is in environment variable VAR (repeatable; never logged)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      "--max-runs <n>",
      "after an exit 3010/1641 and its reboot, run the script again, up to n runs in all, until a run exits 0 without asking for a reboot (default 1: the reboot ends it with 0)",
    )
    .action(async (f: RunFlags) => {
      const name = f.name ?? f.host;
      try {
        const opts = clientOptions(f, io.env);
        const params = collectParams(f, io.env);
        let script: string;
        try {
          script = stripBom(readFileSync(f.script, "utf8"));
        } catch (e) {
          throw new ConfigurationError(`cannot read --script ${f.script}: ${errorMessage(e)}`);
        }
        script = inlineScriptModules(script, f.script);
        const out = new LinePrefixer(`[${name}] `, io.stdout);
        const err = new LinePrefixer(`[${name}] `, io.stderr);
        const maxRuns = maxRunsFlag(f.maxRuns);
        let scriptCode = 0;
        let runs = 1;
        try {
          const r = await runScriptUntilDone({
            ...opts,
            maxRuns,
            script,
            params,
            timeoutMs: positiveNumber("--timeout", f.timeout, 3600) * 1000,
            readyTimeoutMs: positiveNumber("--ready-timeout", f.readyTimeout, 600) * 1000,
            authGraceMs: nonNegativeNumber("--auth-retry", f.authRetry, DEFAULT_AUTH_GRACE_MS / 1000) * 1000,
            onStdout: (t) => out.push(t),
            onStderr: (t) => err.push(t),
            onEvent: (m) => io.stderr(`[${name}] homelab-winrm: ${m}\n`),
          });
          scriptCode = r.scriptExitCode;
          runs = r.runs;
          result = r.stillAsksForReboot ? EXIT_STILL_ASKS_FOR_REBOOT : r.exitCode === 0 ? EXIT_OK : EXIT_SCRIPT_FAILED;
        } finally {
          out.flush();
          err.flush();
        }
        // Last line, so a log reader finds the real code without scrolling (it may exceed 255).
        if (result === EXIT_SCRIPT_FAILED) io.stderr(`[${name}] homelab-winrm: the script failed with exit code ${scriptCode}\n`);
        if (result === EXIT_STILL_ASKS_FOR_REBOOT) {
          io.stderr(
            `[${name}] homelab-winrm: the script still asks for a reboot after ${runs} runs (run ${runs} exited ${scriptCode}; the guest was rebooted)\n`,
          );
        }
      } catch (e) {
        result = fail(e, name);
      }
    });

  addCommon(program.command("wait").description("wait until WinRM runs commands; prints the boot time")).action(async (f: CommonFlags) => {
    const name = f.name ?? f.host;
    try {
      const opts = clientOptions(f, io.env);
      const { bootTime } = await waitForReady(opts, {
        timeoutMs: positiveNumber("--timeout", f.timeout, 600) * 1000,
        pollIntervalMs: 1000,
        onProgress: (m) => io.stderr(`[${name}] homelab-winrm: ${m}\n`),
      });
      io.stdout(`${bootTime}\n`);
      result = 0;
    } catch (e) {
      result = fail(e, name);
    }
  });

  if (argv.length === 0) {
    io.stderr(`homelab-winrm: missing command\n${program.helpInformation()}`);
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.help" || e.code === "commander.version" ? 0 : EXIT_USAGE;
    }
    throw e;
  }
  return result;
}
