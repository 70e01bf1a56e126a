// Issue 20 on the engine-protocol path: the dev lab with its guest phases on, each guest the
// project's WinRM test double at its management address inside the private libvirtd's network
// namespace, the phase Commands run there as pulumi-command would run them.
import { mkdtempSync, statSync } from "node:fs";
import { join } from "node:path";
import { requireLabSpec } from "../../lab";
import { buildPhaseGraph } from "../../phases/graph";
import type { PhaseGraph } from "../../phases/types";
import { CommandProvider } from "../support/engine/command-provider";
import { readState, RunResult } from "../support/engine/engine";
import { namespacePid, startGuestStandIns, GuestStandIns, synopsisOf } from "../support/engine/guest-standins";
import { copyProject, engineFor, stackUnder, StackInput, writeStackFile } from "../support/engine/lab-project";
import { reveal } from "../support/engine/values";
import { startPrivateLibvirtd, PrivateLibvirtd } from "../support/private-libvirtd";
import { PROJECT_DIR, stackSpec, REPO_MANIFEST } from "../support/stacks";

jest.setTimeout(900_000);

const PASSWORDS = {
  adminPassword: "Adm1n-Secret-Value",
  dsrmPassword: "Dsrm-Secret-Value",
  sqlServicePassword: "Sql-Secret-Value",
  networkAccessPassword: "Naa-Secret-Value",
  clientPushPassword: "Push-Secret-Value",
};
const MIB = 1024 * 1024;
const ops = (r: RunResult) =>
  r.steps
    .filter((s) => s.op !== "same")
    .map((s) => `${s.op} ${s.name}`)
    .sort();

describe("the dev phase graph under the engine protocol", () => {
  const spec = stackSpec("dev");
  let graph: PhaseGraph;
  const synopsis = (script: string) => synopsisOf(join(PROJECT_DIR, script));
  const urnOf = (id: string) => `urn:pulumi:dev::homelab::homelab:lab:Lab$homelab:phases:GuestPhases$command:local:Command::dev-phases-${id}`;
  let daemon: PrivateLibvirtd;
  let guests: GuestStandIns;
  let input: StackInput;
  let first: string;
  let state: string;
  let prefix: string[];
  const engine = (project: string) => engineFor(project, "dev", input, state, { commandPrefix: prefix });
  const ranOn = async (vm: string) => (await guests.phaseRuns(vm)).map((r) => r.runs.find((run) => run.synopsis !== null)!.synopsis);

  beforeAll(async () => {
    daemon = await startPrivateLibvirtd();
    input = stackUnder("dev", daemon.uri, daemon.dir);
    input.config.guestPhases = true;
    // Checkpoints around the risky phases need installed guests to shut down: they are tested
    // against a real domain in test/checkpoints/phase-wrapper.test.ts. Here the wrapper only locks and records.
    input.config.checkpoints = "off";
    input.secrets = { ...PASSWORDS };
    // The graph of the config the program gets (install manual: the guests are not installed here).
    const config = { ...input.config, ...Object.fromEntries(Object.keys(PASSWORDS).map((k) => [k, "[secret]"])) };
    graph = buildPhaseGraph(requireLabSpec({ stack: "dev", config, secretKeys: new Set(Object.keys(PASSWORDS)) }).spec, REPO_MANIFEST);
    first = copyProject(join(daemon.dir, "checkout-first"));
    writeStackFile(first, "dev", input);
    state = join(mkdtempSync(join(daemon.dir, "state-")), "dev.json");
    const nsPid = namespacePid(daemon.pid);
    prefix = ["nsenter", "-t", String(nsPid), "-n", "--"];
    guests = await startGuestStandIns({
      nsPid,
      dir: daemon.dir,
      repoDir: PROJECT_DIR,
      port: spec.guest.port,
      password: PASSWORDS.adminPassword,
      forbidden: Object.values(PASSWORDS).concat("Dsrm-Second-Value"),
      guests: spec.vms.map((vm) => ({ vm: vm.name, ip: vm.managementIp! })),
      outcomes: {
        // An installer that prints 1 MiB, and a phase that asks for a reboot.
        SCCM01: [{ synopsis: synopsis("scripts/sql/Install-SqlServer.ps1"), outcome: { exitCode: 0, stdout: `${"x".repeat(1023)}\n`.repeat(1024) } }],
        // Run again after the reboot (--max-runs from the graph), the rename is done.
        DC01: [
          {
            synopsis: synopsis("scripts/common/Rename-LabComputer.ps1"),
            outcome: [
              { exitCode: 3010, stdout: "renamed; a restart completes it\r\n" },
              { exitCode: 0, stdout: "already done\r\n" },
            ],
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await guests?.stop();
    await daemon?.stop();
  });

  test("up runs every phase once, in graph order, side by side where the graph allows, secrets only in the environment", async () => {
    const r = await engine(first).up();
    expect(r.error).toBeUndefined();
    for (const vm of spec.vms) {
      // dc01-rename asks for a reboot on its first run: homelab-winrm reboots and runs it once more.
      expect(await ranOn(vm.name)).toEqual(
        graph.phases.filter((p) => p.vm === vm.name).flatMap((p) => (p.id === "dc01-rename" ? [synopsis(p.script), synopsis(p.script)] : [synopsis(p.script)])),
      );
      for (const rec of await guests.phaseRuns(vm.name)) expect(rec.forbiddenSeen).toBe(false);
    }
    expect(r.commandRuns).toHaveLength(graph.phases.length);
    const run = (id: string) => r.commandRuns.find((c) => c.urn === urnOf(id))!;
    for (const p of graph.phases) for (const a of p.after) expect(run(a).ended).toBeLessThanOrEqual(run(p.id).started);
    // The two clients' phase Commands ran at the same time (the graph orders neither before the other).
    const c1 = r.commandRuns.filter((x) => x.urn.includes("-client01-"));
    const c2 = r.commandRuns.filter((x) => x.urn.includes("-client02-"));
    expect(c1.some((a) => c2.some((b) => a.started < b.ended && b.started < a.ended))).toBe(true);
    for (const c of r.commandRuns) {
      const argv = c.argv.join(" ");
      for (const value of Object.values(PASSWORDS)) expect(argv).not.toContain(value);
      expect(argv).not.toContain(first);
      expect(c.environment.WINRM_PASSWORD).toBe(PASSWORDS.adminPassword);
    }
    expect(run("dc01-ad-forest").environment.HOMELAB_DSRM_PASSWORD).toBe(PASSWORDS.dsrmPassword);
    const forest = (await guests.phaseRuns("DC01")).find((x) => x.runs.some((y) => y.synopsis === synopsis("scripts/dc/Install-AdForest.ps1")))!;
    expect(forest.runs.find((y) => y.synopsis !== null)!.params).toContain("DsrmPassword");
  });

  test("a phase printing 1 MiB leaves a short log and a short state; its whole output is in its file", async () => {
    const cmd = readState(state).resources.find((x) => x.name === "dev-phases-sccm01-sql-install")!;
    const stdout = String(reveal(cmd.outputs.stdout));
    expect(stdout.length).toBeLessThan(12_000);
    expect(stdout).toContain("lines left out; the whole output is in .homelab/phase-logs/sccm01-sql-install.log");
    expect(statSync(join(first, ".homelab/phase-logs/sccm01-sql-install.log")).size).toBeGreaterThan(MIB);
  });

  test("a second up runs nothing", async () => {
    const r = await engine(first).up();
    expect(r.error).toBeUndefined();
    expect(ops(r)).toEqual([]);
    expect(r.commandRuns).toEqual([]);
  });

  test("the project copied to another path runs nothing", async () => {
    const second = copyProject(join(daemon.dir, "checkout-second"));
    writeStackFile(second, "dev", input);
    const preview = await engine(second).preview();
    expect(preview.error).toBeUndefined();
    expect(ops(preview)).toEqual([]);
    const r = await engine(second).up();
    expect(ops(r)).toEqual([]);
    expect(r.commandRuns).toEqual([]);
  });

  test("a new DSRM password re-runs exactly the phases that take it, and the preview says which secret", async () => {
    input.secrets.dsrmPassword = "Dsrm-Second-Value";
    const preview = await engine(first).preview();
    expect(preview.error).toBeUndefined();
    // The forest takes it to promote DC01; the DC's last phase takes it to prove no copy is left on the disk.
    expect(ops(preview)).toEqual(["replace dev-phases-dc01-ad-forest", "replace dev-phases-dc01-no-secrets"]);
    const step = preview.steps.find((s) => s.name === "dev-phases-dc01-ad-forest")!;
    expect(step.diff).toEqual(["environment", "triggers"]);
    expect(step.detail).toEqual(["environment.HOMELAB_DSRM_PASSWORD", "triggers[3]"]);
    expect(step.changes).toEqual([
      "environment.HOMELAB_DSRM_PASSWORD: [secret] => [secret]",
      expect.stringMatching(/^triggers\[3\]: "secret dsrmPassword: scrypt [0-9a-f]{32}" => "secret dsrmPassword: scrypt [0-9a-f]{32}"$/),
    ]);
    expect(preview.printed).toContain('~ triggers[3]: "secret dsrmPassword: scrypt ');
    const before = (await ranOn("DC01")).length;
    const r = await engine(first).up();
    expect(r.error).toBeUndefined();
    expect(r.commandRuns.map((c) => c.urn)).toEqual([urnOf("dc01-ad-forest"), urnOf("dc01-no-secrets")]);
    for (const c of r.commandRuns) expect(c.environment.HOMELAB_DSRM_PASSWORD).toBe("Dsrm-Second-Value");
    expect((await ranOn("DC01")).slice(before)).toEqual([synopsis("scripts/dc/Install-AdForest.ps1"), synopsis("scripts/common/Test-LabNoSecrets.ps1")]);
  });

  test("a new logon password is refused with the steps before any phase runs", async () => {
    input.secrets.adminPassword = "Adm1n-Second-Value";
    const r = await engine(first).up();
    expect(r.error).toContain("homelab:adminPassword changed since the last `pulumi up`, but the guests still have the old password");
    expect(r.error).toContain("pulumi config set --secret homelab:adminPassword <old password>");
    expect(r.commandRuns).toEqual([]);
    input.secrets.adminPassword = PASSWORDS.adminPassword;
    expect(ops(await engine(first).preview())).toEqual([]);
  });
});

describe("pulumi-command's previous output in the environment (the stand-in, against Linux's limit)", () => {
  const urn = "urn:pulumi:dev::homelab::command:local:Command::big";
  const provider = new CommandProvider({ cwd: "/tmp", prefix: [], log: () => undefined });
  const printMiB = "head -c 1048576 /dev/zero | tr '\\0' x";

  test("an update after 1 MiB of output fails to start when the output goes into the environment (E2BIG)", async () => {
    const made = await provider.create(urn, { create: printMiB }, false);
    expect(String(made.stdout)).toHaveLength(MIB);
    await expect(provider.update(urn, made, { create: `${printMiB}; echo again` }, false)).rejects.toThrow(/E2BIG/);
  });

  test("with addPreviousOutputInEnv false the same update runs", async () => {
    const made = await provider.create(urn, { create: printMiB, addPreviousOutputInEnv: false }, false);
    const updated = await provider.update(urn, made, { create: `${printMiB}; echo again`, addPreviousOutputInEnv: false }, false);
    expect(String(updated.stdout).endsWith("again")).toBe(true);
  });
});
