// One exit-code table for every command: each row provoked through the built `homelab` entry,
// and the README's table checked against the module's rows.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT, EXIT_TABLE } from "../../cli/exit-codes";
import { COMMANDS } from "../../cli/main";
import { ensureFreshBuild, homelab, ROOT } from "./built";

jest.setTimeout(120_000);
beforeAll(ensureFreshBuild);

test("the table: 0 ok, 1 failed, 2 usage, 3 config, 4 environment, 5 runtime", () => {
  expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2, config: 3, environment: 4, runtime: 5 });
});

test("the README shows the same table", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const row of EXIT_TABLE) expect(readme).toContain(`| ${row.code} | ${row.meaning} |`);
});

test("no arguments is a usage error that lists the commands", () => {
  const r = homelab([]);
  expect(r.code).toBe(2);
  for (const name of ["render", "diagram", "export", "media", "phases"]) expect(r.stderr).toContain(`  ${name} `);
});

test("--help is not an error", () => {
  const r = homelab(["--help"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("Usage: homelab <command>");
});

test("an unknown command or option is a usage error", () => {
  expect(homelab(["rendr"]).code).toBe(2);
  const r = homelab(["render", "--stack", "dev", "--out", "/tmp/x", "--colour"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("unknown option '--colour'");
  expect(homelab(["render", "--stack", "dev"]).code).toBe(2);
});

test("a stack that does not exist, or a bad config, is a config error", () => {
  const missing = homelab(["phases", "waves", "--stack", "no-such-stack"]);
  expect(missing.code).toBe(3);
  expect(missing.stderr).toContain("no stack config");
  expect(missing.stderr).toContain("Pulumi.no-such-stack.yaml");
});

test("a file the command needs that is missing is an environment error", () => {
  const r = homelab(["phases", "waves", "--stack", "dev", "--graph", "/nonexistent/phases.json"]);
  expect(r.code).toBe(4);
  expect(r.stderr).toContain("cannot read the phase graph /nonexistent/phases.json");
});

test("a phase that does not exist is a usage error naming the phases there are", () => {
  const r = homelab(["phases", "invocation", "--stack", "minimal", "--phase", "nope"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("stack minimal has no phase nope; its phases: dc01-winrm");
});

test("every registered command answers --help through the one entry", () => {
  for (const name of Object.keys(COMMANDS)) {
    const r = homelab([name, "--help"]);
    expect({ name, code: r.code }).toEqual({ name, code: 0 });
    expect(r.stdout).toContain(`Usage: ${name}`);
  }
});
