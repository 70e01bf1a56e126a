// `npm run up`: the main-job line's wrapper, driven against a recorded stand-in for the Pulumi
// CLI (test/cli/fake-pulumi/pulumi, which prints what the real CLI prints for each case).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { runSubcommand } from "../../cli/main";
import { cliVersionProblem, fileBackendDir, Io, passphraseProblem, realIo, upSubcommand } from "../../cli/up";
import { PROJECT_DIR } from "../support/stacks";

const FAKE_DIR = join(PROJECT_DIR, "test", "cli", "fake-pulumi");

interface Call {
  args: string[];
  hasPassphrase: boolean;
  stdinChars?: number;
  failed?: string;
}

function scratchProject(stack = "dev", edit?: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "homelab-up-"));
  copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
  const text = readFileSync(join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
  writeFileSync(join(dir, `Pulumi.${stack}.yaml`), edit ? edit(text) : text);
  return dir;
}

async function runUp(argv: string[], opts: { project: string; env?: NodeJS.ProcessEnv; path?: string; interactive?: boolean; stdin?: string }) {
  const log = join(opts.project, "calls.jsonl");
  writeFileSync(log, "");
  const env: NodeJS.ProcessEnv = {
    HOME: opts.project,
    PATH: opts.path ?? `${FAKE_DIR}:${process.env.PATH}`,
    FAKE_PULUMI_LOG: log,
    FAKE_PULUMI_NODE_MODULES: join(PROJECT_DIR, "node_modules"),
    ...opts.env,
  };
  const errors: string[] = [];
  const base = realIo(opts.project, env, opts.interactive ?? false);
  const io: Io = {
    ...base,
    // What the wrapper hands to the terminal is captured here; a "typed" value is piped in instead.
    run: (args, o = {}) => base.run(args, o.stdio === "inherit" ? { ...o, stdio: "pipe", input: opts.stdin } : o),
  };
  const code = await runSubcommand(
    upSubcommand(() => io),
    argv,
    { stdout: () => undefined, stderr: (t) => void errors.push(t), projectDir: opts.project },
  );
  const calls = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Call);
  return { code, calls, stderr: errors.join("") };
}

const PASS = { PULUMI_CONFIG_PASSPHRASE: "correct horse" };
// These tests are about the stack and backend flow, not passwords: a stack that needs none, with the
// phases (on by default) off and Windows installed by hand (an unattended install needs adminPassword).
const noPasswords = (text: string) => text.replace(/^config:\n/m, "config:\n  homelab:guestPhases: false\n  homelab:install: manual\n");

describe("npm run up against the recorded Pulumi CLI", () => {
  it("creates the stack on the local backend and runs pulumi up, with no account", async () => {
    const project = scratchProject("dev", noPasswords);
    const r = await runUp(["--stack", "dev"], { project, env: PASS });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.args)).toEqual([
      ["version"],
      ["stack", "select", "--create", "dev", "--secrets-provider", "passphrase", "--non-interactive"],
      ["up", "--stack", "dev", "--non-interactive"],
    ]);
    expect(existsSync(join(project, ".pulumi-state"))).toBe(true);
    expect(parse(readFileSync(join(project, "Pulumi.dev.yaml"), "utf8")).encryptionsalt).toBe("v1:fakesalt:v1:fake");
  });

  it("passes --preview and further flags through", async () => {
    const project = scratchProject("dev", noPasswords);
    const r = await runUp(["--stack", "dev", "--preview", "--", "--diff"], { project, env: PASS });
    expect(r.code).toBe(0);
    expect(r.calls.at(-1)?.args).toEqual(["preview", "--stack", "dev", "--non-interactive", "--diff"]);
  });

  it("says the CLI is missing when there is no pulumi on PATH", async () => {
    const project = scratchProject();
    const r = await runUp(["--stack", "dev"], { project, env: PASS, path: "/nonexistent" });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "homelab up: the Pulumi CLI is not installed (no `pulumi` on PATH): install it (https://www.pulumi.com/docs/install/), version >=3.228.0, or run `nix develop`\n",
    );
  });

  it("refuses a CLI older than requiredPulumiVersion before any stack command", async () => {
    const project = scratchProject();
    const r = await runUp(["--stack", "dev"], { project, env: { ...PASS, FAKE_PULUMI_VERSION: "3.200.1" } });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "homelab up: the Pulumi CLI is 3.200.1, and this project needs >=3.228.0 (requiredPulumiVersion in Pulumi.yaml): update it (https://www.pulumi.com/docs/install/) or run `nix develop`\n",
    );
    expect(r.calls.map((c) => c.args)).toEqual([["version"]]);
  });

  it("in a non-interactive run without a passphrase, says how to give it before the CLI fails on it", async () => {
    const project = scratchProject();
    const r = await runUp(["--stack", "dev"], { project });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "homelab up: stack dev keeps its secrets under a passphrase, and this run cannot prompt for it: export PULUMI_CONFIG_PASSPHRASE_FILE=<a file holding it, mode 0600> (or PULUMI_CONFIG_PASSPHRASE) and run again\n",
    );
    expect(r.calls.map((c) => c.args)).toEqual([["version"]]);
  });

  it("names a passphrase file that does not exist", async () => {
    const project = scratchProject();
    const r = await runUp(["--stack", "dev"], { project, env: { PULUMI_CONFIG_PASSPHRASE_FILE: "/nonexistent/pass" } });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "homelab up: PULUMI_CONFIG_PASSPHRASE_FILE names /nonexistent/pass, which does not exist: write the passphrase of stack dev into it (one line, mode 0600)\n",
    );
  });

  it("with PULUMI_BACKEND_URL at Pulumi Cloud and no login, says to log in or unset it", async () => {
    const project = scratchProject();
    const r = await runUp(["--stack", "dev"], { project, env: { ...PASS, PULUMI_BACKEND_URL: "https://api.pulumi.com" } });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "homelab up: the Pulumi CLI is not logged in to https://api.pulumi.com: run `pulumi login https://api.pulumi.com`, or unset PULUMI_BACKEND_URL to keep state in .pulumi-state/ (error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions)\n",
    );
    expect(r.calls.map((c) => c.args)).toEqual([["version"], ["whoami", "--non-interactive"]]);
  });

  it("uses a logged-in Pulumi Cloud backend when the user chose it", async () => {
    const project = scratchProject("dev", noPasswords);
    const r = await runUp(["--stack", "dev"], { project, env: { ...PASS, PULUMI_BACKEND_URL: "https://api.pulumi.com", FAKE_PULUMI_LOGGED_IN: "1" } });
    expect(r.code).toBe(0);
    expect(existsSync(join(project, ".pulumi-state"))).toBe(false);
  });

  it("refuses a stack with no config file, naming the ones there are", async () => {
    const project = scratchProject();
    const r = await runUp(["--stack", "prod"], { project, env: PASS });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `homelab up: there is no stack config ${project}/Pulumi.prod.yaml: pick one of the Pulumi.<stack>.yaml files (dev, minimal, split-sql, linux, nokvm) or copy one\n`,
    );
  });

  it("without --stack is a usage error", async () => {
    const project = scratchProject();
    expect((await runUp([], { project, env: PASS })).code).toBe(2);
  });

  it("lists the secret commands of the dev stack as it ships (guest phases on by default), in a non-interactive run", async () => {
    const project = scratchProject();
    const r = await runUp(["--stack", "dev"], { project, env: PASS });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "homelab up: stack dev needs 5 password(s) not set yet; set each (pulumi prompts without echo, or reads it from stdin):\n" +
        "  pulumi config set --secret homelab:adminPassword --stack dev\n" +
        "  pulumi config set --secret homelab:dsrmPassword --stack dev\n" +
        "  pulumi config set --secret homelab:sqlServicePassword --stack dev\n" +
        "  pulumi config set --secret homelab:networkAccessPassword --stack dev\n" +
        "  pulumi config set --secret homelab:clientPushPassword --stack dev\n",
    );
    expect(r.calls.map((c) => c.args[0])).toEqual(["version", "stack"]);
  });

  it("interactively, sets each missing secret through pulumi's own prompt (the value on stdin, never in argv)", async () => {
    const project = scratchProject();
    const r = await runUp(["--stack", "dev"], { project, env: PASS, interactive: true, stdin: "Pa55word!\n" });
    expect(r.code).toBe(0);
    const sets = r.calls.filter((c) => c.args[0] === "config");
    expect(sets.map((c) => c.args)).toEqual(
      ["adminPassword", "dsrmPassword", "sqlServicePassword", "networkAccessPassword", "clientPushPassword"].map((k) => [
        "config",
        "set",
        "--secret",
        `homelab:${k}`,
        "--stack",
        "dev",
      ]),
    );
    expect(sets.every((c) => c.stdinChars === 9)).toBe(true);
    expect(JSON.stringify(r.calls)).not.toContain("Pa55word");
    expect(r.calls.at(-1)?.args).toEqual(["up", "--stack", "dev"]);
    const config = parse(readFileSync(join(project, "Pulumi.dev.yaml"), "utf8")).config;
    expect(config["homelab:adminPassword"]).toEqual({ secure: "v1:fake-ciphertext-of-9-chars" });
  });

  it("with the phases off, an unattended install still asks for homelab:adminPassword alone (nokvm as it ships)", async () => {
    const project = scratchProject("nokvm");
    const r = await runUp(["--stack", "nokvm"], { project, env: PASS });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "homelab up: stack nokvm needs 1 password(s) not set yet; set each (pulumi prompts without echo, or reads it from stdin):\n" +
        "  pulumi config set --secret homelab:adminPassword --stack nokvm\n",
    );
  });

  it("a stack without Windows needs no password (linux as it ships)", async () => {
    const project = scratchProject("linux");
    const r = await runUp(["--stack", "linux"], { project, env: PASS });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.args[0])).toEqual(["version", "stack", "up"]);
  });

  it("a second run finds the stack and its secrets and only runs up", async () => {
    const project = scratchProject();
    await runUp(["--stack", "dev"], { project, env: PASS, interactive: true, stdin: "Pa55word!\n" });
    const r = await runUp(["--stack", "dev"], { project, env: PASS });
    expect(r.code).toBe(0);
    expect(r.calls.map((c) => c.args[0])).toEqual(["version", "stack", "up"]);
  });
});

describe("the pure checks", () => {
  it.each([
    ["v3.270.0", undefined],
    ["v3.228.0", undefined],
    [
      "v3.227.3",
      "the Pulumi CLI is 3.227.3, and this project needs >=3.228.0 (requiredPulumiVersion in Pulumi.yaml): update it (https://www.pulumi.com/docs/install/) or run `nix develop`",
    ],
    ["v3.300.0-alpha.1", undefined],
    ["garbage", '`pulumi version` printed "garbage", not a version: reinstall the Pulumi CLI (https://www.pulumi.com/docs/install/)'],
  ])("CLI %s against >=3.228.0", (out, problem) => {
    expect(cliVersionProblem(out, ">=3.228.0")).toBe(problem);
  });

  it.each([
    ["file://./.pulumi-state", "/work/lab/.pulumi-state"],
    ["file://~", "/home/me"],
    ["file://~/pulumi", "/home/me/pulumi"],
    ["file:///srv/state?no_tmp_dir=true", "/srv/state"],
    ["https://api.pulumi.com", undefined],
    ["s3://bucket/lab", undefined],
  ])("backend %s is folder %s", (url, dir) => {
    expect(fileBackendDir(url, "/work/lab", "/home/me")).toBe(dir);
  });

  it("needs no passphrase check for a stack on another secrets provider", () => {
    expect(passphraseProblem("dev", {}, false, "secretsprovider: awskms://alias/lab\nconfig: {}\n")).toBeUndefined();
    expect(passphraseProblem("dev", {}, false, "secretsprovider: passphrase\n")).toMatch(/^stack dev keeps its secrets under a passphrase/);
  });

  it("an interactive run may let pulumi prompt for the passphrase", () => {
    expect(passphraseProblem("dev", {}, true, undefined)).toBeUndefined();
  });
});

describe("the project's backend choice", () => {
  const project = parse(readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8"));

  it("keeps state in a folder inside the project, on a file backend", () => {
    expect(project.backend).toEqual({ url: "file://./.pulumi-state" });
  });

  it("git ignores that folder's state but keeps its README", () => {
    const check = (path: string) => spawnSync("git", ["check-ignore", "-q", "--no-index", path], { cwd: PROJECT_DIR }).status;
    expect(check(".pulumi-state/.pulumi/stacks/homelab/dev.json")).toBe(0);
    expect(check(".pulumi-state/README.md")).toBe(1);
    expect(check(".tools/node-24.22.3/bin/node")).toBe(0);
  });

  it("names the CLI it needs", () => {
    expect(project.requiredPulumiVersion).toBe(">=3.228.0");
  });
});
