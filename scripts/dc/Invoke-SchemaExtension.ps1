<#
.SYNOPSIS
    Extends the AD schema for Configuration Manager with extadsch.exe from the lab media.

.DESCRIPTION
    Runs on the schema master (the forest's first DC) as a schema admin (the forest's
    Administrator is one). Probes the schema for the MS-SMS-Site class first; after the run,
    reads C:\ExtADSch.log rather than trusting the exit code.

.PARAMETER ExtadschPath
    Path of extadsch.exe relative to the lab media root.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ExtadschPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

function Test-SmsSchema {
    $schema = (Get-ADRootDSE).schemaNamingContext
    return ($null -ne (Get-ADObject -SearchBase $schema -Filter "Name -eq 'MS-SMS-Site'"))
}

Invoke-LabPhase -Name 'schema-extension' -Body {
    Import-Module ActiveDirectory
    if (Test-SmsSchema) { return (New-LabResult AlreadyDone 'the schema has the MS-SMS-Site class') }
    $exe = Get-LabMediaPath -RelativePath $ExtadschPath
    $log = 'C:\ExtADSch.log'
    Invoke-LabProcess -FilePath $exe -InstallerLog $log | Out-Null
    $text = if (Test-Path -LiteralPath $log) { Get-Content -LiteralPath $log -Raw } else { '' }
    if ($text -notmatch 'Successfully extended the Active Directory schema') {
        throw ("extadsch.exe did not report success: read {0}" -f $log)
    }
    if (-not (Test-SmsSchema)) { throw ("the schema still lacks MS-SMS-Site after extadsch.exe: read {0}" -f $log) }
    return (New-LabResult Done 'schema extended')
}
