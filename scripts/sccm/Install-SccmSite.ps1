<#
.SYNOPSIS
    Installs the ConfigMgr primary site from a generated setup ini, through a scheduled task
    that runs setup.exe as the domain administrator with highest privileges, then verifies
    SMS_Site in ROOT\SMS\site_<code>.

.DESCRIPTION
    setup.exe run directly over WinRM hangs for hours or fails as a local admin; a scheduled
    task has an interactive token and its own network credentials (no second hop to a remote
    SQL host). WinRM only starts and polls the task, echoing new lines of C:\ConfigMgrSetup.log.
    25 to 60 minutes is normal.

    A failed setup leaves HKLM\SOFTWARE\Microsoft\SMS behind (here and on the SQL host), and the
    next attempt then fails with "SQL instance is used by another SCCM installation". The script
    detects that state and stops with the recovery: revert both VMs to the snapshot taken before
    this phase, or uninstall the site (setup.exe /DEINSTALL), drop the CM_<code> database on the
    SQL host and delete HKLM\SOFTWARE\Microsoft\SMS on both hosts.

.PARAMETER SetupIni
    The generated setup ini (Action=InstallPrimarySite).

.PARAMETER SetupPath
    setup.exe of the extracted ConfigMgr media (SMSSETUP\BIN\X64\setup.exe), relative to the lab
    media root.

.PARAMETER InstallUser
    DOMAIN\user that runs setup (a domain admin, sysadmin on SQL).

.PARAMETER InstallPassword
    Its password: a secret parameter, given to the Task Scheduler only.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$SiteCode,
    [Parameter(Mandatory)][string]$SetupIni,
    [Parameter(Mandatory)][string]$SetupPath,
    [Parameter(Mandatory)][string]$InstallUser,
    [Parameter(Mandatory)][object]$InstallPassword,
    [string]$WorkDirectory = 'C:\Lab\sccm',
    [string]$TaskName = 'Homelab ConfigMgr setup',
    [int]$TimeoutMinutes = 150
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

$setupLog = 'C:\ConfigMgrSetup.log'

function Wait-SetupTask {
    $deadline = (Get-Date).AddMinutes($TimeoutMinutes)
    $seen = 0
    while ((Get-ScheduledTask -TaskName $TaskName).State -eq 'Running') {
        if ((Get-Date) -ge $deadline) { throw ("ConfigMgr setup still runs after {0} min: read {1}" -f $TimeoutMinutes, $setupLog) }
        if (Test-Path -LiteralPath $setupLog) {
            $lines = @(Get-Content -LiteralPath $setupLog -ErrorAction SilentlyContinue)
            foreach ($line in $lines[$seen..($lines.Count - 1)] | Where-Object { $_ -match 'ERROR|INFO: (Installing|Setup|Configuration Manager)' }) {
                Write-LabLog -Message ("setup: {0}" -f ($line -replace '\$\$<.*$', ''))
            }
            $seen = $lines.Count
        }
        Start-Sleep -Seconds 30
    }
}

Invoke-LabPhase -Name 'sccm-site-install' -Body {
    if (Test-LabSccmSite -SiteCode $SiteCode) { return (New-LabResult AlreadyDone ("site {0} answers in ROOT\SMS\site_{0}" -f $SiteCode)) }
    $task = Get-ScheduledTask -TaskName $TaskName -ErrorAction SilentlyContinue
    if ($null -ne $task -and $task.State -eq 'Running') {
        Write-LabLog -Message 'a setup task from an earlier run is still running: waiting for it'
    } else {
        if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\SMS') {
            throw ("HKLM\SOFTWARE\Microsoft\SMS exists but site {0} does not answer: an earlier setup failed (read {1}). Recover: revert this VM and the SQL host to the snapshot taken before the site install, or run setup.exe /DEINSTALL, drop the CM_{0} database and delete HKLM\SOFTWARE\Microsoft\SMS on both hosts; then run this phase again" -f $SiteCode, $setupLog)
        }
        Assert-LabNoPendingReboot -Before 'ConfigMgr setup'
        $setup = Get-LabMediaPath -RelativePath $SetupPath
        $iniPath = Join-Path $WorkDirectory 'ConfigMgrSetup.ini'
        Write-LabAsciiFile -Path $iniPath -Content $SetupIni
        # setup.exe rejects a quoted /SCRIPT path; the work directory has no spaces.
        if ($iniPath -match '\s') { throw ("the setup ini path {0} has a space: setup.exe /SCRIPT cannot take it" -f $iniPath) }
        $action = New-ScheduledTaskAction -Execute $setup -Argument ("/SCRIPT {0} /NoUserInput" -f $iniPath)
        $credential = ConvertTo-LabCredential -UserName $InstallUser -Secret $InstallPassword
        if ($null -ne $task) { Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false }
        $taskSecret = $credential.GetNetworkCredential()
        Register-ScheduledTask -TaskName $TaskName -Action $action -RunLevel Highest -User $InstallUser -Password $taskSecret.Password | Out-Null
        $taskSecret = $null
        Write-LabLog -Message ("starting setup as {0}: {1} /SCRIPT {2}" -f $InstallUser, $setup, $iniPath)
        Start-ScheduledTask -TaskName $TaskName
        Start-Sleep -Seconds 15
    }
    Wait-SetupTask
    $info = Get-ScheduledTaskInfo -TaskName $TaskName
    Write-LabLog -Message ("setup task ended with {0}" -f $info.LastTaskResult)
    Wait-LabCondition -Description ("SMS_Site {0} in ROOT\SMS\site_{0}" -f $SiteCode) -TimeoutSeconds 900 -IntervalSeconds 30 -Condition {
        Test-LabSccmSite -SiteCode $SiteCode
    }
    Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false
    # A reboot after setup settles the services (SMS_EXECUTIVE, the provider) before configuration.
    return (New-LabResult Reboot ("site {0} installed" -f $SiteCode))
}
