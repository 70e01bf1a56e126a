import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_DIR } from "../support/stacks";

const RUN_PHASE = join(PROJECT_DIR, "scripts", "orchestration", "run-phase.sh");
let work: string;
let fakeWinrm: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "homelab-orch-"));
  // Stands in for homelab-winrm: records its argv and environment, exits like a script would.
  fakeWinrm = join(work, "fake-winrm");
  writeFileSync(fakeWinrm, `#!/usr/bin/env bash\nprintf 'ARG:%s\\n' "$@"\necho "PARAMS:$HOMELAB_PHASE_PARAMS"\necho "SECRET_SET:\${HOMELAB_DSRM_PASSWORD:+yes}"\nexit 7\n`);
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
    "--script", join(PROJECT_DIR, "scripts/dc/Install-AdForest.ps1"), "--params-env", "HOMELAB_PHASE_PARAMS", "--secret-param", "DsrmPassword=HOMELAB_DSRM_PASSWORD"]);
  expect(r.stdout).toContain('PARAMS:{"DomainName":"corp.homelab.test","DomainNetbios":"CORP"}');
  expect(r.stdout).toContain("SECRET_SET:yes");
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/secret-value/);
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
