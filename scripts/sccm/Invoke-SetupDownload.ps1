<#
.SYNOPSIS
    The ConfigMgr setup prerequisite files (setupdl.exe /NoUI), once, into a local folder that
    the setup ini names as PrerequisitePath.

.DESCRIPTION
    setupdl.exe fetches exactly the files that this ConfigMgr build lists, so the download is
    pinned by the (hash-locked) ConfigMgr media. When the lab media holds a prerequisite folder
    already, it is copied instead and nothing is downloaded. A marker file records completion so
    that a re-run skips the download.

.PARAMETER SetupDlPath
    setupdl.exe on the lab media (SMSSETUP\BIN\X64\setupdl.exe of the extracted ConfigMgr media).

.PARAMETER PrerequisitePath
    Local folder for the files; the same path goes into the setup ini.

.PARAMETER MediaPrerequisitePath
    Optional prerequisite folder on the lab media; empty to download.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$SetupDlPath,
    [Parameter(Mandatory)][string]$PrerequisitePath,
    [string]$MediaPrerequisitePath = ''
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

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
        Invoke-LabProcess -FilePath $setupdl -ArgumentList '/NoUI', ('"{0}"' -f $PrerequisitePath) -InstallerLog 'C:\ConfigMgrSetup.log' | Out-Null
    }
    $files = @(Get-ChildItem -LiteralPath $PrerequisitePath -File -Recurse)
    if ($files.Count -lt 10) { throw ("{0} holds only {1} file(s) after the download: read C:\ConfigMgrSetup.log" -f $PrerequisitePath, $files.Count) }
    Set-Content -LiteralPath $marker -Value (Get-Date -Format s) -Encoding ASCII
    return (New-LabResult Done ("{0} files in {1}" -f $files.Count, $PrerequisitePath))
}
