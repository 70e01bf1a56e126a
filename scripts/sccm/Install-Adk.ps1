<#
.SYNOPSIS
    Windows ADK (Deployment Tools, User State Migration Tool) and its WinPE add-on, from offline
    layouts on the lab media drive.

.DESCRIPTION
    Detects each part by a file it installs (ADK 24H2 registers without a version suffix, so
    product names are no use): wdscore.dll of the Deployment Tools and copype.cmd of WinPE.
    Both setups run as the domain admin through the runner, with a timeout, never directly in
    the WinRM shell.

.PARAMETER AdkSetupPath
    adksetup.exe inside the ADK offline layout, relative to the lab media root.

.PARAMETER WinPeSetupPath
    adkwinpesetup.exe inside the WinPE add-on offline layout, relative to the lab media root.

.PARAMETER InstallUser
    DOMAIN\user that runs the setups (the domain admin).

.PARAMETER InstallPassword
    Its password: a secret parameter, handed to the Task Scheduler only.

.PARAMETER TimeoutSeconds
    Upper bound for each setup.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$AdkSetupPath,
    [Parameter(Mandatory)][string]$WinPeSetupPath,
    [Parameter(Mandatory)][string]$InstallUser,
    [Parameter(Mandatory)][object]$InstallPassword,
    [ValidatePattern('^[0-9]+$')][string]$TimeoutSeconds = '3600'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Runner.psm1') -Force

Invoke-LabPhase -Name 'adk' -Body {
    $kit = Join-Path ${env:ProgramFiles(x86)} 'Windows Kits\10\Assessment and Deployment Kit'
    $parts = @(
        @{ Name = 'ADK'; Step = 'adksetup'; Marker = (Join-Path $kit 'Deployment Tools\amd64\DISM\wdscore.dll'); Setup = $AdkSetupPath; Log = 'C:\Lab\logs\adksetup';
           Features = 'OptionId.DeploymentTools OptionId.UserStateMigrationTool' },
        @{ Name = 'WinPE add-on'; Step = 'adkwinpesetup'; Marker = (Join-Path $kit 'Windows Preinstallation Environment\copype.cmd'); Setup = $WinPeSetupPath; Log = 'C:\Lab\logs\adkwinpesetup';
           Features = 'OptionId.WindowsPreinstallationEnvironment' }
    )
    $changes = 0
    $credential = ConvertTo-LabCredential -UserName $InstallUser -Secret $InstallPassword
    foreach ($part in $parts) {
        if (Test-Path -LiteralPath $part.Marker) { Write-LabLog -Message ("{0} present ({1})" -f $part.Name, $part.Marker); continue }
        $setup = Get-LabMediaPath -RelativePath $part.Setup
        $arguments = @('/quiet', '/norestart', '/ceip', 'off', '/log', ('"{0}.log"' -f $part.Log), '/features') + ($part.Features -split ' ')
        Invoke-LabInstaller -Name $part.Step -Credential $credential -FilePath $setup -ArgumentList $arguments -TimeoutSeconds $TimeoutSeconds `
            -InstallerLog ("{0}.log" -f $part.Log) -InstallerLogFilter 'error|fail|complete' | Out-Null
        if (-not (Test-Path -LiteralPath $part.Marker)) { throw ("{0} setup ended but {1} is missing: read {2}.log" -f $part.Name, $part.Marker, $part.Log) }
        $changes++
    }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'ADK and WinPE add-on are installed') }
    return (New-LabResult Done ("{0} part(s) installed" -f $changes))
}
