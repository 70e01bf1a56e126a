import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR } from "../support/stacks";

const RUN_PHASE = join(PROJECT_DIR, "scripts", "orchestration", "run-phase.sh");
let work: string;
let fakeWinrm: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "homelab-orch-"));
  // Stands in for homelab-winrm. `run` records its argv and environment and exits like a script
  // would (FAKE_EXIT, default 7); while FAKE_STATE/reboots holds a number above 0 it also "reboots"
  // (the boot counter moves and the number drops). `wait` prints the boot time, as the real one does.
  fakeWinrm = join(work, "fake-winrm");
  writeFileSync(fakeWinrm, [
    "#!/usr/bin/env bash",
    'state=${FAKE_STATE:-/nonexistent}',
    'if [[ $1 == wait ]]; then if [[ -d $state ]]; then echo wait >> "$state/runs"; fi; echo "boot-$(cat "$state/boot" 2>/dev/null || echo 0)"; exit 0; fi',
    "printf 'ARG:%s\\n' \"$@\"",
    'echo "PARAMS:$HOMELAB_PHASE_PARAMS"',
    'echo "SECRET_SET:${HOMELAB_DSRM_PASSWORD:+yes}"',
    'if [[ -d $state ]]; then',
    '  echo run >> "$state/runs"',
    '  left=$(cat "$state/reboots"); if (( left > 0 )); then echo $((left - 1)) > "$state/reboots"; echo $(( $(cat "$state/boot") + 1 )) > "$state/boot"; fi',
    'fi',
    'exit ${FAKE_EXIT:-7}',
    "",
  ].join("\n"));
  chmodSync(fakeWinrm, 0o755);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string>) =>
  spawnSync("bash", [RUN_PHASE, ...args], { cwd: PROJECT_DIR, encoding: "utf8", env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/root", HOMELAB_WINRM: fakeWinrm, ...env } });

test("the wrappers are valid bash", () => {
  for (const f of ["run-phase.sh", "list-phases.sh"]) {
    expect(spawnSync("bash", ["-n", join(PROJECT_DIR, "scripts", "orchestration", f)]).status).toBe(0);
  }
});

test("run-phase.sh calls homelab-winrm with the phase's host and script, parameters in the environment, secrets by name", () => {
  const r = run(["dev", "dc01-ad-forest"], { WINRM_PASSWORD: "winrm-secret-value", HOMELAB_DSRM_PASSWORD: "dsrm-secret-value" });
  expect(r.status).toBe(7);
  const args = r.stdout.split("\n").filter((l) => l.startsWith("ARG:")).map((l) => l.slice(4));
  expect(args).toEqual(["run", "--host", "192.168.56.10", "--port", "5985", "--transport", "ntlm", "--user", "Administrator", "--name", "DC01",
    "--script", join(PROJECT_DIR, "scripts/dc/Install-AdForest.ps1"), "--params-env", "HOMELAB_PHASE_PARAMS", "--timeout", "3600", "--max-runs", "3",
    "--secret-param", "DsrmPassword=HOMELAB_DSRM_PASSWORD"]);
  expect(r.stdout).toContain('PARAMS:{"DomainName":"corp.homelab.test","DomainNetbios":"CORP"}');
  expect(r.stdout).toContain("SECRET_SET:yes");
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/secret-value/);
});

/** A fresh fake guest: boot counter 0 and `reboots` runs that end in a reboot. */
function fakeGuest(reboots: number): string {
  const state = mkdtempSync(join(work, "guest-"));
  writeFileSync(join(state, "boot"), "0\n");
  writeFileSync(join(state, "reboots"), `${reboots}\n`);
  return state;
}
const callsOf = (state: string, what: "run" | "wait"): number => readFileSync(join(state, "runs"), "utf8").split("\n").filter((l) => l === what).length;
const runsOf = (state: string): number => callsOf(state, "run");
const SECRETS = { WINRM_PASSWORD: "w", HOMELAB_DSRM_PASSWORD: "d" };

test("a phase whose run rebooted the guest runs again, and stops once a run leaves the boot time alone", () => {
  const state = fakeGuest(1);
  const r = run(["dev", "dc01-ad-forest"], { ...SECRETS, FAKE_STATE: state, FAKE_EXIT: "0" });
  expect(r.status).toBe(0);
  expect(runsOf(state)).toBe(2);
  expect(callsOf(state, "wait")).toBe(4);
  expect(r.stderr).toContain("phase dc01-ad-forest: the guest rebooted (boot time boot-1); run 2 of 3");
});

test("a phase that still reboots after maxRuns runs fails with exit code 3", () => {
  const state = fakeGuest(10);
  const r = run(["dev", "dc01-ad-forest"], { ...SECRETS, FAKE_STATE: state, FAKE_EXIT: "0" });
  expect(r.status).toBe(3);
  expect(runsOf(state)).toBe(3);
  expect(r.stderr).toContain("phase dc01-ad-forest still asks for a reboot after 3 runs");
});

test("a failed run is not repeated, and a phase that never reboots runs once without waiting", () => {
  const failing = fakeGuest(1);
  expect(run(["dev", "dc01-ad-forest"], { ...SECRETS, FAKE_STATE: failing, FAKE_EXIT: "1" }).status).toBe(1);
  expect(runsOf(failing)).toBe(1);
  const once = fakeGuest(1);
  const r = run(["dev", "dc01-dns"], { WINRM_PASSWORD: "w", FAKE_STATE: once, FAKE_EXIT: "0" });
  expect(r.status).toBe(0);
  expect(runsOf(once)).toBe(1);
  expect(callsOf(once, "wait")).toBe(0);
  expect(r.stderr).not.toContain("run 2 of");
});

test("run-phase.sh names the missing secrets and stops", () => {
  const r = run(["dev", "dc01-ad-forest"], {});
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("HOMELAB_DSRM_PASSWORD (the stack's secret homelab:dsrmPassword)");
  expect(r.stderr).toContain("WINRM_PASSWORD");
  expect(r.stdout).not.toContain("ARG:");
});

test("run-phase.sh lists the phases when the id is unknown", () => {
  const r = run(["minimal", "nope"], { WINRM_PASSWORD: "x" });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toContain("stack minimal has no phase nope; its phases: dc01-winrm");
});

test("list-phases.sh shows each phase's bound, its reruns after a reboot and its checkpoint", () => {
  const r = spawnSync("bash", [join(PROJECT_DIR, "scripts", "orchestration", "list-phases.sh"), "dev"], { cwd: PROJECT_DIR, encoding: "utf8" });
  expect(r.status).toBe(0);
  const line = (id: string) => r.stdout.split("\n").find((l) => l.trim().startsWith(`${id} `));
  expect(line("sccm01-sccm-site-install")).toMatch(/scripts\/sccm\/Install-SccmSite\.ps1 {2}\(up to 10800 s; may reboot, up to 3 runs; checkpoint before\)$/);
  expect(line("sccm01-adk")).toMatch(/\(up to 6000 s\)$/);
  expect(line("dc01-dns")).toMatch(/\(up to 3600 s\)$/);
});
