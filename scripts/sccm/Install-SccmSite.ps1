<#
.SYNOPSIS
    Installs the ConfigMgr primary site from a generated setup ini: setup.exe /SCRIPT runs as the
    domain administrator through the runner (a scheduled task with highest privileges), then the
    phase waits until the site runs.

.DESCRIPTION
    setup.exe run directly over WinRM hangs for hours or fails as a local admin (GOAD #220, #232,
    #240); the runner gives it a local logon with its own network credentials (no second hop to
    a remote SQL host), streams C:\ConfigMgrSetup.log into the phase log and removes its task
    (and the stored credential) whatever happens. 25 to 60 minutes is normal.

    Before setup: a pending reboot makes the phase exit 3010 ("reboot, then run me again"). "The
    site runs" is probed locally: the site code under HKLM\SOFTWARE\Microsoft\SMS\Identification
    and SMS_EXECUTIVE running.

    A failed setup leaves HKLM\SOFTWARE\Microsoft\SMS behind (here and on the SQL host), and the
    next attempt then fails with "SQL instance is used by another SCCM installation". The script
    detects that state and stops with the recovery: revert both VMs to the checkpoint taken
    before this phase, or uninstall the site (setup.exe /DEINSTALL), drop the CM_<code> database
    on the SQL host and delete HKLM\SOFTWARE\Microsoft\SMS on both hosts.

.PARAMETER SetupIni
    The generated setup ini (Action=InstallPrimarySite); it holds no secret and is deleted after.

.PARAMETER SetupPath
    setup.exe of the extracted ConfigMgr media (SMSSETUP\BIN\X64\setup.exe), relative to the lab
    media root.

.PARAMETER InstallUser
    DOMAIN\user that runs setup (a domain admin, sysadmin on SQL).

.PARAMETER InstallPassword
    Its password: a secret parameter, given to the Task Scheduler only.

.PARAMETER TimeoutSeconds
    Upper bound for setup.exe itself (the phase's own bound is larger).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$SiteCode,
    [Parameter(Mandatory)][string]$SetupIni,
    [Parameter(Mandatory)][string]$SetupPath,
    [Parameter(Mandatory)][string]$InstallUser,
    [Parameter(Mandatory)][object]$InstallPassword,
    [ValidatePattern('^[0-9]+$')][string]$TimeoutSeconds = '9000',
    [string]$WorkDirectory = 'C:\Lab\sccm'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Runner.psm1') -Force

$setupLog = 'C:\ConfigMgrSetup.log'

Invoke-LabPhase -Name 'sccm-site-install' -Body {
    if (Test-LabSccmSite -SiteCode $SiteCode) { return (New-LabResult AlreadyDone ("site {0} runs (SMS_EXECUTIVE)" -f $SiteCode)) }
    # A setup whose WinRM shell was lost may still run in its task: let it finish before judging the state.
    Remove-LabRunnerLeftover -WaitSeconds $TimeoutSeconds
    if (-not (Test-LabSccmSite -SiteCode $SiteCode)) {
        if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\SMS') {
            throw ("HKLM\SOFTWARE\Microsoft\SMS exists but site {0} does not run: an earlier setup failed (read {1}). Recover: revert this VM and the SQL host to the checkpoint taken before the site install, or run setup.exe /DEINSTALL, drop the CM_{0} database and delete HKLM\SOFTWARE\Microsoft\SMS on both hosts; then run this phase again" -f $SiteCode, $setupLog)
        }
        $rebootFirst = Get-LabRebootFirst -Before 'ConfigMgr setup'
        if ($rebootFirst) { return $rebootFirst }
        $setup = Get-LabMediaPath -RelativePath $SetupPath
        $iniPath = Join-Path $WorkDirectory 'ConfigMgrSetup.ini'
        # setup.exe rejects a quoted /SCRIPT path (published behaviour, SCCM-FACTS); the work directory has no spaces.
        if ($iniPath -match '\s') { throw ("the setup ini path {0} has a space: setup.exe /SCRIPT cannot take it" -f $iniPath) }
        $credential = ConvertTo-LabCredential -UserName $InstallUser -Secret $InstallPassword
        try {
            Write-LabAsciiFile -Path $iniPath -Content $SetupIni
            # Unattended install: setup.exe /SCRIPT <ini> /NOUSERINPUT (Microsoft Learn, ConfigMgr "Command-line options for setup").
            $run = Invoke-LabRunner -Name 'sccm-setup' -Credential $credential -FilePath $setup -ArgumentList '/SCRIPT', $iniPath, '/NOUSERINPUT' `
                -TimeoutSeconds $TimeoutSeconds -InstallerLog $setupLog -InstallerLogFilter 'ERROR|INFO: (Installing|Setup|Configuration Manager)'
            Write-LabLog -Message ("setup.exe exited with {0}; the verdict is whether the site runs" -f $run.ExitCode)
        } finally {
            Remove-Item -LiteralPath $iniPath -Force -ErrorAction SilentlyContinue
        }
    }
    Wait-LabCondition -Description ("site {0}: its site code in the registry and SMS_EXECUTIVE running (else read {1})" -f $SiteCode, $setupLog) -TimeoutSeconds 900 -IntervalSeconds 30 -Condition {
        Test-LabSccmSite -SiteCode $SiteCode
    }
    # A reboot after setup settles the services (SMS_EXECUTIVE, the provider) before configuration; the phase's
    # run after the reboot finds the site and says "already done".
    return (New-LabResult Reboot ("site {0} installed" -f $SiteCode))
}
