// Issue 20's plumbing around the phase Commands, under the mocks: nothing machine-specific in their
// inputs, secrets as fingerprints in triggers only for the phases whose result depends on them,
// previous output kept out of the environment, time limits per phase, and a short Pulumi log.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { phaseCommand, secretFingerprint, shortLogCommand } from "../../components/phase-command";
import { newNotes } from "../../components/notes";
import { buildPhaseGraph } from "../../phases/graph";
import { runProgram } from "./harness";
import { PROJECT_DIR, stackSpec, REPO_MANIFEST } from "../support/stacks";

const PASSWORDS = {
  adminPassword: "Adm1n-Secret-Value",
  dsrmPassword: "Dsrm-Secret-Value",
  sqlServicePassword: "Sql-Secret-Value",
  networkAccessPassword: "Naa-Secret-Value",
  clientPushPassword: "Push-Secret-Value",
};

describe("the phase Commands of dev", () => {
  let run: Awaited<ReturnType<typeof runProgram>>;
  beforeAll(async () => {
    run = await runProgram(
      "dev",
      (c) => {
        c.guestPhases = true;
      },
      PASSWORDS,
    );
  }, 120_000);
  const commands = () => run.byType("command:local:Command");

  test("carry no path of the checkout: no dir, a project-relative script", () => {
    expect(run.error).toBeUndefined();
    expect(commands()).toHaveLength(buildPhaseGraph({ ...stackSpec("dev"), guest: { ...stackSpec("dev").guest, phases: true } }, REPO_MANIFEST).phases.length);
    for (const c of commands()) {
      expect(c.inputs.dir).toBeUndefined();
      expect(JSON.stringify(c.inputs)).not.toContain(PROJECT_DIR);
      expect(String(c.inputs.create)).toMatch(/ --script scripts\/[a-z]+\/[A-Za-z-]+\.ps1 /);
    }
  });

  test("keep the previous run's output out of the next run's environment", () => {
    for (const c of commands()) expect(c.inputs.addPreviousOutputInEnv).toBe(false);
  });

  test("re-run on a secret only where the script takes it: a fingerprint in the triggers, never the value", () => {
    const triggersOf = (id: string) => commands().find((c) => c.name === `dev-phases-${id}`)!.inputs.triggers as string[];
    const forest = triggersOf("dc01-ad-forest");
    expect(forest).toHaveLength(4);
    expect(forest[3]).toBe(secretFingerprint("dev", "dsrmPassword", "Dsrm-Secret-Value"));
    expect(forest[3]).toMatch(/^secret dsrmPassword: scrypt [0-9a-f]{32}$/);
    // A phase without secret parameters has only script, parameters and VM UUID.
    expect(triggersOf("client01-network")).toHaveLength(3);
    const all = JSON.stringify(commands().map((c) => c.inputs.triggers));
    for (const value of Object.values(PASSWORDS)) expect(all).not.toContain(value);
    // New-LabAccounts takes three service passwords, in key order.
    expect(
      triggersOf("dc01-accounts")
        .slice(3)
        .map((t) => t.split(":")[0]),
    ).toEqual(["secret clientPushPassword", "secret networkAccessPassword", "secret sqlServicePassword"]);
  });

  test("wait for the guard that refuses a changed logon password", () => {
    const guard = run.registrations.find((r) => r.name === "dev-phases-logon-guard")!;
    expect(guard.type).toBe("pulumi-nodejs:dynamic/homelab:CredentialGuard");
    expect(guard.inputs.fingerprint).toBe(secretFingerprint("dev", "adminPassword", "Adm1n-Secret-Value"));
    for (const c of commands()) expect(c.dependencies).toContain(guard.urn);
  });
});

test("a fingerprint depends on the stack, the key and the value", () => {
  const a = secretFingerprint("dev", "dsrmPassword", "one");
  expect(secretFingerprint("dev", "dsrmPassword", "one")).toBe(a);
  expect(secretFingerprint("dev", "dsrmPassword", "two")).not.toBe(a);
  expect(secretFingerprint("nokvm", "dsrmPassword", "one")).not.toBe(a);
  expect(secretFingerprint("dev", "sqlServicePassword", "one")).not.toBe(a);
});

test.each([
  ["dev", "sccm01-sql-install", ["--timeout", "7200", "--max-runs", "3"]],
  ["nokvm", "dc01-ad-forest", ["--timeout", "36000", "--max-runs", "3"]],
  ["dev", "client01-sccm-client", ["--timeout", "7800", "--max-runs", "1"]],
])("%s's %s gets its own bound and run count from the graph: %j", (stack, id, expected) => {
  const spec = { ...stackSpec(stack), guest: { ...stackSpec(stack).guest, phases: true } };
  const phase = buildPhaseGraph(spec, REPO_MANIFEST).phases.find((p) => p.id === id)!;
  const args = phaseCommand(phase, spec.guest, { projectDir: PROJECT_DIR, vmUuid: "u", stack }).create;
  expect(args).toContain(expected.join(" "));
});

describe("the short log of a phase", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "homelab-shortlog-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sh = (command: string) => {
    try {
      return {
        out: execFileSync("/bin/sh", ["-c", shortLogCommand(command, ".homelab/phase-logs/p.log")], { cwd: dir, encoding: "utf8", maxBuffer: 4 << 20 }),
        code: 0,
      };
    } catch (e) {
      const err = e as { stdout: string; status: number };
      return { out: err.stdout, code: err.status };
    }
  };

  test("keeps 1 MiB of output in the file and 41 short lines in the log, with the command's exit code", () => {
    // 16384 lines of 63 characters and a newline: exactly 1 MiB.
    const { out, code } = sh(`i=0; while [ $i -lt 16384 ]; do printf '%063d\\n' $i; i=$((i+1)); done; exit 3`);
    expect(code).toBe(3);
    const lines = out.trimEnd().split("\n");
    expect(lines).toHaveLength(41);
    expect(lines[0]).toBe("0".repeat(63));
    expect(lines[20]).toBe("... 16344 lines left out; the whole output is in .homelab/phase-logs/p.log");
    expect(lines[40]).toBe("000000000000000000000000000000000000000000000000000000000016383");
    expect(readFileSync(join(dir, ".homelab/phase-logs/p.log")).length).toBe(1024 * 1024 + "homelab-phase-exit 3\n".length);
  });

  test("keeps the exit code when the output does not end with a newline", () => {
    expect(sh(`printf 'no newline'; exit 5`)).toEqual({ out: "no newline\n", code: 5 });
  });

  test("cuts a long line and passes a short output whole", () => {
    expect(sh(`printf '%0300d\\n' 7; echo done`)).toEqual({ out: `${"0".repeat(240)}...\ndone\n`, code: 0 });
  });
});

test("only notes made since the run started are new", () => {
  const notes = [
    { level: "warn" as const, message: "old", at: 1000 },
    { level: "warn" as const, message: "new", at: 3000 },
  ];
  expect(newNotes(notes, 2000).map((n) => n.message)).toEqual(["new"]);
  expect(newNotes(undefined, 2000)).toEqual([]);
});
