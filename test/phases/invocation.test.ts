import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inlineScriptModules } from "../../winrm/bundle";
import { buildPhaseGraph, PHASE_PARAMS_ENV, phaseParams, secretEnvVar, winrmInvocation } from "../../phases";
import { checkRules, powershellParser } from "../scripts/powershell";
import { PROJECT_DIR, stackSpec, REPO_MANIFEST } from "../support/stacks";

const dev = buildPhaseGraph(stackSpec("dev"), REPO_MANIFEST);
const scripts = [...new Set(dev.phases.map((p) => p.script))];
// The scripts that run installers or ConfigMgr cmdlets through the domain-admin runner.
const RUNNER_SCRIPTS = new Set([
  "scripts/sql/Install-SqlServer.ps1",
  "scripts/sccm/Install-SccmPrerequisites.ps1",
  "scripts/sccm/Install-Adk.ps1",
  "scripts/sccm/Invoke-SetupDownload.ps1",
  "scripts/sccm/Install-SccmSite.ps1",
  "scripts/sccm/Set-SccmSiteSettings.ps1",
  "scripts/common/Test-LabNoSecrets.ps1",
]);

// What homelab-winrm sends: the script with its modules inlined (its own bundler, the real part).
describe.each(scripts)("%s as sent over WinRM", (script) => {
  test("is self-contained, still parses, and keeps param() first so parameters bind", async () => {
    const parser = await powershellParser();
    const text = inlineScriptModules(readFileSync(join(PROJECT_DIR, script), "utf8"), join(PROJECT_DIR, script));
    expect(text).not.toMatch(/\$PSScriptRoot/);
    const tree = parser.parse(text)!;
    expect(checkRules(tree.rootNode, script).filter((f) => f.rule !== "imports the Logger module")).toEqual([]);
    expect(text.match(/New-Module -Name '(\w+)'/g)).toEqual([
      "New-Module -Name 'Logger'",
      "New-Module -Name 'Validator'",
      ...(RUNNER_SCRIPTS.has(script) ? ["New-Module -Name 'Runner'"] : []),
    ]);
    expect(tree.rootNode.children.find((c) => c?.type !== "comment")?.type).toBe("param_block");
  });
});

test("parameters stay typed; generated files join them", () => {
  const sql = dev.phases.find((p) => p.id === "sccm01-sql-install")!;
  expect(phaseParams(sql).ConfigurationIni).toBe(sql.files!.ConfigurationIni);
  const net = phaseParams(dev.phases.find((p) => p.id === "client01-network")!);
  expect(net.Nic).toHaveLength(2);
  expect(net.DnsServer).toEqual(["192.168.56.10"]);
});

test("secrets travel as environment variable names, never values; parameters never in argv", () => {
  expect(secretEnvVar("dsrmPassword")).toBe("HOMELAB_DSRM_PASSWORD");
  expect(secretEnvVar("sqlServicePassword")).toBe("HOMELAB_SQL_SERVICE_PASSWORD");
  const forest = dev.phases.find((p) => p.id === "dc01-ad-forest")!;
  const call = winrmInvocation(forest, { projectDir: "/repo/", transport: "ntlm", port: 5985 });
  expect(call.args).toEqual([
    "run",
    "--host",
    "192.168.56.10",
    "--port",
    "5985",
    "--transport",
    "ntlm",
    "--user",
    "Administrator",
    "--name",
    "DC01",
    "--script",
    "/repo/scripts/dc/Install-AdForest.ps1",
    "--params-env",
    PHASE_PARAMS_ENV,
    "--timeout",
    "3600",
    "--max-runs",
    "3",
    "--secret-param",
    "DsrmPassword=HOMELAB_DSRM_PASSWORD",
  ]);
  expect(JSON.parse(call.env[PHASE_PARAMS_ENV])).toEqual({ DomainName: "corp.homelab.test", DomainNetbios: "CORP" });
  expect(call.secretEnv).toEqual({ HOMELAB_DSRM_PASSWORD: "dsrmPassword" });
});

test("a name used twice is refused", () => {
  const forest = { ...dev.phases.find((p) => p.id === "dc01-ad-forest")!, files: { DomainName: "x" } };
  expect(() => phaseParams(forest)).toThrow(/DomainName is both a parameter and a file/);
});
