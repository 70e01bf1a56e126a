<#
.SYNOPSIS
    Windows ADK (Deployment Tools, User State Migration Tool) and its WinPE add-on, from offline
    layouts on the lab media drive.

.DESCRIPTION
    Detects each part by a file it installs (ADK 24H2 registers without a version suffix, so
    product names are no use): wdscore.dll of the Deployment Tools and copype.cmd of WinPE.

.PARAMETER AdkSetupPath
    adksetup.exe inside the ADK offline layout, relative to the lab media root.

.PARAMETER WinPeSetupPath
    adkwinpesetup.exe inside the WinPE add-on offline layout, relative to the lab media root.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$AdkSetupPath,
    [Parameter(Mandatory)][string]$WinPeSetupPath
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'adk' -Body {
    $kit = Join-Path ${env:ProgramFiles(x86)} 'Windows Kits\10\Assessment and Deployment Kit'
    $parts = @(
        @{ Name = 'ADK'; Marker = (Join-Path $kit 'Deployment Tools\amd64\DISM\wdscore.dll'); Setup = $AdkSetupPath; Log = 'C:\Lab\logs\adksetup';
           Features = 'OptionId.DeploymentTools OptionId.UserStateMigrationTool' },
        @{ Name = 'WinPE add-on'; Marker = (Join-Path $kit 'Windows Preinstallation Environment\copype.cmd'); Setup = $WinPeSetupPath; Log = 'C:\Lab\logs\adkwinpesetup';
           Features = 'OptionId.WindowsPreinstallationEnvironment' }
    )
    $changes = 0
    foreach ($part in $parts) {
        if (Test-Path -LiteralPath $part.Marker) { Write-LabLog -Message ("{0} present ({1})" -f $part.Name, $part.Marker); continue }
        $setup = Get-LabMediaPath -RelativePath $part.Setup
        $arguments = @('/quiet', '/norestart', '/ceip', 'off', '/log', ('"{0}.log"' -f $part.Log), '/features') + ($part.Features -split ' ')
        Invoke-LabProcess -FilePath $setup -ArgumentList $arguments -InstallerLog ("{0}.log" -f $part.Log) | Out-Null
        if (-not (Test-Path -LiteralPath $part.Marker)) { throw ("{0} setup ended but {1} is missing: read {2}.log" -f $part.Name, $part.Marker, $part.Log) }
        $changes++
    }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'ADK and WinPE add-on are installed') }
    return (New-LabResult Done ("{0} part(s) installed" -f $changes))
}
