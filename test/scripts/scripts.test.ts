import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Parser } from "web-tree-sitter";
import { PROJECT_DIR } from "../support/stacks";
import { checkRules, listScripts, powershellParser, relativeTo } from "./powershell";

const SCRIPTS_DIR = join(PROJECT_DIR, "scripts");
const files = listScripts(SCRIPTS_DIR);
let parser: Parser;

beforeAll(async () => {
  parser = await powershellParser();
});

const findingsOf = (source: string, name = "Sample.ps1") => {
  const tree = parser.parse(source);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return checkRules(tree.rootNode, name);
};

test("the scripts folder has the phase scripts and both modules", () => {
  const names = files.map((f) => relativeTo(SCRIPTS_DIR, f));
  expect(names).toEqual(expect.arrayContaining(["modules/Logger.psm1", "modules/Validator.psm1", "dc/Install-AdForest.ps1", "sccm/Install-SccmSite.ps1"]));
  expect(files.length).toBeGreaterThanOrEqual(20);
});

describe.each(files.map((f) => [relativeTo(SCRIPTS_DIR, f), f]))("%s", (_name, file) => {
  test("parses and follows the house rules", () => {
    const findings = findingsOf(readFileSync(file, "utf8"), file);
    expect(findings).toEqual([]);
  });
});

// The checks must be able to fail: each broken sample breaks exactly the rule it names.
const GOOD = `<#
.SYNOPSIS
    Sample.
#>
[CmdletBinding()]
param([string]$Name)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\\modules\\Logger.psm1') -Force
Invoke-LabPhase -Name 'sample' -Body { Write-LabLog -Message $Name }
`;

describe("the rule checker", () => {
  test("accepts a script that follows every rule", () => {
    expect(findingsOf(GOOD)).toEqual([]);
  });
  test.each([
    ["param() block at the top of the script", GOOD.replace("param([string]$Name)", "")],
    ["comment-based help (.SYNOPSIS) before param()", GOOD.replace(".SYNOPSIS", ".NOTES")],
    ["Set-StrictMode -Version Latest at the top level", GOOD.replace("Set-StrictMode -Version Latest\n", "")],
    ["$ErrorActionPreference = 'Stop' at the top level", GOOD.replace("'Stop'", "'Continue'")],
    ["imports the Logger module", GOOD.replace("Logger.psm1", "Other.psm1")],
    ["ends through Invoke-LabPhase exactly once (house exit codes)", GOOD.replace("Invoke-LabPhase -Name 'sample' -Body { Write-LabLog -Message $Name }", "Write-LabLog -Message $Name; exit 0")],
    ["no literal IPv4 address", GOOD + "Test-Connection -ComputerName 192.168.56.10\n"],
    ["no literal IPv4 address", GOOD + "$dns = '10.0.0.1'\n"],
    ["no literal password", GOOD + "$AdminPassword = 'Passw0rd!'\n"],
    ["no literal password", GOOD.replace("param([string]$Name)", "param([string]$Name, [string]$DsrmPassword = 'x')")],
    ["no literal password", GOOD + "$s = ConvertTo-SecureString 'hunter2' -AsPlainText -Force\n"],
    ["syntax error", GOOD + "if ($x { }\n"],
  ])("reports %s", (rule, source) => {
    expect(findingsOf(source).map((f) => f.rule)).toContain(rule);
  });
  test("an address in a comment is not code", () => {
    expect(findingsOf(GOOD + "# e.g. 192.168.56.10\n")).toEqual([]);
  });
});
