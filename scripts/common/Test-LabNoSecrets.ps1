<#
.SYNOPSIS
    The last phase on every Windows VM: fails loudly when a lab secret is still on the guest's
    disk (C:\Lab, the setup logs in C:\, SQL setup's bootstrap logs) or a runner task (which
    holds the domain admin's stored credential) still exists.

.DESCRIPTION
    Every phase removes what it wrote a secret into (the SQL ConfigurationFile copy, runner
    tasks) in a finally; this phase proves it after the fact. It reports where a secret was found
    and which one, never its value. Any leftover runner task is removed as well, after it is
    reported.

.PARAMETER AdminPassword
    Secret parameter: the lab's administrator password (the domain admin's on members).

.PARAMETER DsrmPassword
    Secret parameter (DC only).

.PARAMETER SqlServicePassword
    Secret parameter (SQL host and DC).

.PARAMETER NetworkAccessPassword
    Secret parameter (site server and DC).

.PARAMETER ClientPushPassword
    Secret parameter (site server and DC).
#>
[CmdletBinding()]
param(
    [object]$AdminPassword = $null,
    [object]$DsrmPassword = $null,
    [object]$SqlServicePassword = $null,
    [object]$NetworkAccessPassword = $null,
    [object]$ClientPushPassword = $null
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Runner.psm1') -Force

Invoke-LabPhase -Name 'no-secrets' -Body {
    $secrets = @{}
    foreach ($name in 'AdminPassword', 'DsrmPassword', 'SqlServicePassword', 'NetworkAccessPassword', 'ClientPushPassword') {
        $value = Get-Variable -Name $name -ValueOnly
        if ($null -ne $value -and [string]$value -ne '') { $secrets[$name] = $value }
    }
    if ($secrets.Count -eq 0) { throw 'no secret was passed: the phase graph gives this phase the secrets the VM received' }
    $places = @('C:\Lab', 'C:\ConfigMgrSetup.log', 'C:\ConfigMgrPrereq.log', 'C:\ExtADSch.log')
    $places += @(Get-ChildItem -Path "$env:ProgramFiles\Microsoft SQL Server\*\Setup Bootstrap\Log" -Directory -ErrorAction SilentlyContinue | ForEach-Object { $_.FullName })
    $found = Find-LabSecret -Secret $secrets -Path $places
    if ($found.Count -gt 0) {
        foreach ($place in $found) { Write-LabLog -Level ERROR -Message ("secret left on the guest: {0}" -f $place) }
        Remove-LabRunnerLeftover
        throw ("{0} place(s) on this guest still hold a lab secret (listed above): delete them, change the affected passwords, and fix the phase that wrote them" -f $found.Count)
    }
    return (New-LabResult Done ("no lab secret in {0} and no runner task" -f ($places -join ', ')))
}
