<#
.SYNOPSIS
    The ConfigMgr setup prerequisite files (setupdl.exe /NOUI), into a local folder that the
    setup ini names as PrerequisitePath, retried (bounded) until two runs in a row finish.

.DESCRIPTION
    setupdl.exe fetches exactly the files that this ConfigMgr build lists, so the download is
    pinned by the (hash-locked) ConfigMgr media. It "downloads only files that are missing or
    newer" and logs to C:\ConfigMgrSetup.log (Microsoft Learn, ConfigMgr "Setup Downloader"),
    so a second run is cheap and proves the first one complete: the phase runs it, through the
    runner as the domain admin, until two consecutive runs end their part of the log with the
    downloader's "Setup downloader ... FINISHED" line, at most MaxAttempts times. When the lab media holds a
    prerequisite folder already, it is copied instead and nothing is downloaded. A marker file
    records completion so that a re-run skips the download.

.PARAMETER SetupDlPath
    setupdl.exe on the lab media (SMSSETUP\BIN\X64\setupdl.exe of the extracted ConfigMgr media).

.PARAMETER PrerequisitePath
    Local folder for the files; the same path goes into the setup ini.

.PARAMETER MediaPrerequisitePath
    Optional prerequisite folder on the lab media; empty to download.

.PARAMETER InstallUser
    DOMAIN\user that runs setupdl (the domain admin).

.PARAMETER InstallPassword
    Its password: a secret parameter, handed to the Task Scheduler only.

.PARAMETER TimeoutSeconds
    Upper bound for each setupdl run.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$SetupDlPath,
    [Parameter(Mandatory)][string]$PrerequisitePath,
    [Parameter(Mandatory)][string]$InstallUser,
    [Parameter(Mandatory)][object]$InstallPassword,
    [string]$MediaPrerequisitePath = '',
    [ValidatePattern('^[0-9]+$')][string]$TimeoutSeconds = '3600',
    [ValidateRange(2, 10)][int]$MaxAttempts = 5
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Runner.psm1') -Force

$setupLog = 'C:\ConfigMgrSetup.log'

function Test-RunFinished([int]$LinesBefore) {
    # A complete run ends the log with the line "INFO: Setup downloader ... FINISHED" (published behaviour MEMLabs
    # relies on, vmbuild/DSC/phases/InstallAndUpdateSCCM.ps1, which also asks for two such runs in a row).
    # Only this run's lines count: the log is shared with earlier runs and with ConfigMgr setup.
    Start-Sleep -Seconds 5
    $new = Read-LabNewLine -Path $setupLog -Skip $LinesBefore
    $last = @($new.Lines | Where-Object { $_ -and $_.Trim() }) | Select-Object -Last 1
    return ($null -ne $last -and $last -match 'Setup downloader' -and $last -match 'FINISHED')
}

Invoke-LabPhase -Name 'sccm-prereq-download' -Body {
    $marker = Join-Path $PrerequisitePath '.homelab-complete'
    if (Test-Path -LiteralPath $marker) { return (New-LabResult AlreadyDone ("prerequisites in {0}" -f $PrerequisitePath)) }
    New-Item -ItemType Directory -Path $PrerequisitePath -Force | Out-Null
    $fromMedia = $false
    if ($MediaPrerequisitePath) {
        $root = Join-Path (Get-LabMediaRoot) $MediaPrerequisitePath
        if (Test-Path -LiteralPath $root) {
            Write-LabLog -Message ("copying prerequisites from {0}" -f $root)
            Copy-Item -Path (Join-Path $root '*') -Destination $PrerequisitePath -Recurse -Force
            $fromMedia = $true
        }
    }
    if (-not $fromMedia) {
        $setupdl = Get-LabMediaPath -RelativePath $SetupDlPath
        $credential = ConvertTo-LabCredential -UserName $InstallUser -Secret $InstallPassword
        $finishedInARow = 0
        for ($attempt = 1; $finishedInARow -lt 2; $attempt++) {
            if ($attempt -gt $MaxAttempts) {
                throw ("setupdl did not finish twice in a row in {0} runs: read {1} (network access from the site server, disk space in {2})" -f $MaxAttempts, $setupLog, $PrerequisitePath)
            }
            $before = (Read-LabNewLine -Path $setupLog -Skip 0).Count
            $run = Invoke-LabRunner -Name 'setupdl' -Credential $credential -FilePath $setupdl -ArgumentList '/NOUI', $PrerequisitePath `
                -TimeoutSeconds $TimeoutSeconds -InstallerLog $setupLog -InstallerLogFilter 'ERROR|FINISHED|Download'
            if ($run.ExitCode -eq 0 -and (Test-RunFinished -LinesBefore $before)) {
                $finishedInARow++
                Write-LabLog -Message ("setupdl run {0} finished ({1} in a row)" -f $attempt, $finishedInARow)
            } else {
                $finishedInARow = 0
                Write-LabLog -Level WARN -Message ("setupdl run {0} exited {1} without a FINISHED line: running it again in 30 s" -f $attempt, $run.ExitCode)
                # A failed name lookup is cached negatively for minutes; the next run should ask DNS again.
                Clear-DnsClientCache
                Start-Sleep -Seconds 30
            }
        }
    }
    $files = @(Get-ChildItem -LiteralPath $PrerequisitePath -File -Recurse)
    if ($files.Count -eq 0) { throw ("{0} is empty after the download: read {1}" -f $PrerequisitePath, $setupLog) }
    Set-Content -LiteralPath $marker -Value (Get-Date -Format s) -Encoding ASCII
    return (New-LabResult Done ("{0} files in {1}" -f $files.Count, $PrerequisitePath))
}
