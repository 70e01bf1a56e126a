<#
.SYNOPSIS
    The first phase on every Windows VM: proves that a real command runs over WinRM and records
    what the guest is (name, OS build, last boot, pending reboots).

.DESCRIPTION
    The WinRM client already waits for the port and an Identify; this script is the "real
    command" step of that wait, and creates C:\Lab\logs for every later phase.

.PARAMETER ExpectedName
    The VM's name in the lab; logged next to the guest's own computer name (a mismatch is
    normal before the rename phase).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ExpectedName
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'ready' -Body {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    Write-LabLog -Message ("lab VM {0}: computer {1}, {2} build {3}, booted {4:s}" -f $ExpectedName, $env:COMPUTERNAME, $os.Caption, $os.BuildNumber, $os.LastBootUpTime)
    $pending = Get-LabPendingReboot
    if ($pending.Count -gt 0) { Write-LabLog -Level WARN -Message ("reboot pending: {0}" -f ($pending -join ', ')) }
    return (New-LabResult Done 'WinRM runs commands')
}
