<#
.SYNOPSIS
    SQL Server 2022 (evaluation) unattended, from the extracted installation media on the lab
    media drive and a ConfigurationFile.ini generated from the lab spec.

.DESCRIPTION
    Probes the MSSQLSERVER service first. Writes the ini as ASCII without a BOM (setup rejects
    a UTF-8 BOM). The service account password goes into a copy of the ini that only
    Administrators and SYSTEM can read, deleted after setup, so that it never appears on a
    command line. Setup's exit codes are unreliable: the verdict comes from Summary.txt. Opens
    TCP 1433 (SQL) and 4022 (Service Broker, used by ConfigMgr).

.PARAMETER ConfigurationIni
    The generated ConfigurationFile.ini text (no password in it).

.PARAMETER MediaPath
    Folder of the extracted SQL Server media, relative to the lab media root.

.PARAMETER SqlServicePassword
    Password of the SQL service account named in the ini: a secret parameter.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ConfigurationIni,
    [Parameter(Mandatory)][string]$MediaPath,
    [Parameter(Mandatory)][object]$SqlServicePassword,
    [string]$InstanceName = 'MSSQLSERVER',
    [string]$WorkDirectory = 'C:\Lab\sql'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

function Set-SqlFirewall {
    $changes = 0
    foreach ($port in 1433, 4022) {
        $name = "Homelab SQL TCP $port"
        if (-not (Get-NetFirewallRule -Name $name -ErrorAction SilentlyContinue)) {
            New-NetFirewallRule -Name $name -DisplayName $name -Direction Inbound -Protocol TCP -LocalPort $port -Action Allow -Profile 'Domain', 'Private' | Out-Null
            Write-LabLog -Message ("firewall rule for TCP {0}" -f $port); $changes++
        }
    }
    return $changes
}

function Get-SqlSummary {
    $summary = Get-ChildItem -Path "$env:ProgramFiles\Microsoft SQL Server\*\Setup Bootstrap\Log\Summary.txt" -ErrorAction SilentlyContinue |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if ($null -eq $summary) { throw 'SQL setup left no Summary.txt under Setup Bootstrap\Log: read C:\Lab\sql and the setup bootstrap logs' }
    return $summary
}

Invoke-LabPhase -Name 'sql-install' -Body {
    $service = Get-Service -Name $InstanceName -ErrorAction SilentlyContinue
    if ($null -ne $service) {
        if ($service.Status -ne 'Running') { Start-Service -Name $InstanceName }
        $opened = Set-SqlFirewall
        if ($opened -gt 0) { return (New-LabResult Done 'SQL was installed; firewall rules added') }
        return (New-LabResult AlreadyDone ("SQL instance {0} runs" -f $InstanceName))
    }
    Assert-LabNoPendingReboot -Before 'SQL Server setup'

    $setup = Join-Path (Get-LabMediaPath -RelativePath $MediaPath) 'setup.exe'
    if (-not (Test-Path -LiteralPath $setup)) { throw ("{0} is missing: the media folder must hold the extracted SQL Server 2022 ISO" -f $setup) }
    $iniPath = Join-Path $WorkDirectory 'ConfigurationFile.ini'
    Write-LabAsciiFile -Path $iniPath -Content $ConfigurationIni

    $protectedDir = Join-Path $WorkDirectory 'secret'
    New-Item -ItemType Directory -Path $protectedDir -Force | Out-Null
    & icacls.exe $protectedDir /inheritance:r /grant:r '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F' | Out-Null
    $runIni = Join-Path $protectedDir 'ConfigurationFile.run.ini'
    try {
        $plain = ConvertFrom-LabSecureString -Secret (ConvertTo-LabSecureString -Secret $SqlServicePassword)
        Write-LabAsciiFile -Path $runIni -Content ($ConfigurationIni.TrimEnd() + "`r`nSQLSVCPASSWORD=`"$plain`"`r`n")
        $plain = $null
        Write-LabLog -Message ("running SQL setup from {0} with {1}" -f $setup, $iniPath)
        $process = Start-Process -FilePath $setup -ArgumentList ('/ConfigurationFile="{0}"' -f $runIni) -Wait -PassThru -NoNewWindow
        Write-LabLog -Message ("setup.exe exited with {0}; reading Summary.txt" -f $process.ExitCode)
    } finally {
        Remove-Item -LiteralPath $runIni -Force -ErrorAction SilentlyContinue
    }

    $summary = Get-SqlSummary
    $text = Get-Content -LiteralPath $summary.FullName -Raw
    $final = [regex]::Match($text, 'Final result:\s*(.+)').Groups[1].Value.Trim()
    Write-LabLog -Message ("Summary.txt: Final result: {0}" -f $final)
    if ($final -notmatch '^Passed') { throw ("SQL setup failed ({0}): read {1}" -f $final, $summary.FullName) }
    Set-SqlFirewall | Out-Null
    if ($final -match 'reboot' -or $text -match 'Requires reboot:\s*True') { return (New-LabResult Reboot 'SQL Server installed') }
    return (New-LabResult Done 'SQL Server installed')
}
