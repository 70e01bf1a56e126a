// The rule classes of issue 11, each with a broken sample that must fail and a fixed one that
// must pass: the checks can fail, and they do not fire on the safe form.
import type { Parser } from "web-tree-sitter";
import { checkRules, powershellParser } from "./powershell";

let parser: Parser;
beforeAll(async () => {
  parser = await powershellParser();
});

const HEAD = `<#
.SYNOPSIS
    Sample.
#>
[CmdletBinding()]
param([string]$Name, [string]$ComputerName = $env:COMPUTERNAME)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\\modules\\Logger.psm1') -Force
`;
const phase = (body: string): string => `${HEAD}Invoke-LabPhase -Name 'sample' -Body {\n${body}\n}\n`;
const rulesOf = (source: string): string[] => {
  const tree = parser.parse(source);
  if (!tree) throw new Error("tree-sitter returned no tree");
  return checkRules(tree.rootNode, "Sample.ps1").map((f) => f.rule);
};

const LOCAL = "no -ComputerName with the local computer (a WS-Man hop back into this machine)";
const SLICE = "no unguarded slice $a[$i..($a.Count-1)] (counts down when nothing is new; StrictMode throws)";
const RUNNER = "installers only through the runner (Invoke-LabRunner / Invoke-LabInstaller)";
const ANSWERS = "a service that exists is not done: probe that it answers";

test("the fixed forms follow every rule", () => {
  expect(rulesOf(phase([
    "$site = Get-CimInstance -Namespace 'ROOT\\SMS\\site_PS1' -ClassName SMS_Site",
    "$new = @($lines | Select-Object -Skip $seen)",
    "if ($lines.Count -gt $seen) { $new = $lines[$seen..($lines.Count - 1)] }",
    "Invoke-LabInstaller -Name 'sql-setup' -Credential $c -FilePath $setup -TimeoutSeconds 60",
    "Invoke-LabProcess -FilePath $ccmsetup -ArgumentList '/mp:x'",
    "$service = Get-Service -Name 'MSSQLSERVER' -ErrorAction SilentlyContinue",
    "if ($null -ne $service) { if (Test-LabSqlAnswers) { return (New-LabResult AlreadyDone 'answers') }; throw 'half installed' }",
  ].join("\n")))).toEqual([]);
});

test.each([
  [LOCAL, "Get-CimInstance -ComputerName $env:COMPUTERNAME -Namespace 'ROOT\\SMS\\site_PS1' -ClassName SMS_Site"],
  [LOCAL, "Get-CimInstance -ComputerName:$env:COMPUTERNAME -ClassName Win32_OperatingSystem"],
  [LOCAL, "Get-WmiObject -ComputerName localhost -Class Win32_Service"],
  [LOCAL, "Get-CimInstance -ComputerName '.' -ClassName Win32_Service"],
  [LOCAL, "Get-CimInstance -ComputerName $ComputerName -ClassName SMS_Site"],
  [LOCAL, "$me = $env:COMPUTERNAME\nInvoke-Command -ComputerName $me -ScriptBlock { 1 }"],
  [SLICE, "foreach ($line in $lines[$seen..($lines.Count - 1)]) { Write-LabLog -Message $line }"],
  [SLICE, "$tail = $bytes[$offset..($bytes.Length-1)]"],
  [SLICE, "if ($seen -gt 0) { $new = $lines[$seen..($lines.Count - 1)] }"],
  [RUNNER, "Start-Process -FilePath $setup -ArgumentList '/Q' -Wait"],
  [RUNNER, "$p = Start-Process -FilePath (Join-Path $media 'setup.exe') -Wait -PassThru"],
  [RUNNER, "Invoke-LabProcess -FilePath $setupdl -ArgumentList '/NOUI', 'C:\\Lab\\cm'"],
  [RUNNER, "Invoke-LabProcess -FilePath 'msiexec.exe' -ArgumentList '/i', 'x.msi', '/qn'"],
  [RUNNER, "Invoke-LabProcess -FilePath (Get-LabMediaPath -RelativePath 'adk\\adksetup.exe') -ArgumentList '/quiet'"],
  [RUNNER, "& $setup /SCRIPT C:\\Lab\\x.ini /NOUSERINPUT"],
  [RUNNER, "msiexec.exe /i x.msi /qn"],
  [RUNNER, "setupdl.exe /NOUI C:\\Lab\\cm-prereqs"],
  [ANSWERS, "$service = Get-Service -Name 'MSSQLSERVER' -ErrorAction SilentlyContinue\nif ($null -ne $service) { return (New-LabResult AlreadyDone 'SQL runs') }"],
  [ANSWERS, "$svc = Get-Service -Name $Name -ErrorAction SilentlyContinue\nif ($svc -ne $null) { Start-Service $Name; return (New-LabResult Done 'started') }"],
  [ANSWERS, "if (Get-Service -Name 'SMS_EXECUTIVE' -ErrorAction SilentlyContinue) { return (New-LabResult AlreadyDone 'site') }"],
])("reports %s", (rule, body) => {
  expect(rulesOf(phase(body))).toContain(rule);
});

test("ccmsetup, ConfigMgrSetup.log and SetupDlPath are not installers started outside the runner", () => {
  expect(rulesOf(phase([
    "Invoke-LabProcess -FilePath $ccmsetup -InstallerLog (Join-Path $env:windir 'ccmsetup\\Logs\\ccmsetup.log')",
    "Invoke-LabProcess -FilePath $exe -InstallerLog 'C:\\ConfigMgrSetup.log'",
  ].join("\n")))).toEqual([]);
});

test("a -ComputerName that names another computer is fine", () => {
  expect(rulesOf(phase("Get-CimInstance -ComputerName $SqlHost -ClassName Win32_Service"))).toEqual([]);
});
