<#
.SYNOPSIS
    SQL Server 2022 (evaluation) unattended, from the extracted installation media on the lab
    media drive and a ConfigurationFile.ini generated from the lab spec, run as the domain admin
    through the runner (a local logon), never in the remote WinRM shell.

.DESCRIPTION
    Done means the instance answers a query (not merely that its service exists) and setup's
    Summary.txt says Passed. A service that exists but does not answer is a half-installed
    instance: the phase stops with the recovery instead of calling it done.

    Before setup: automatic Windows Update is turned off and a pending reboot makes the phase
    exit 3010 ("reboot, then run me again"); SQL setup's own rule check fails on a pending
    restart. The ini is written as ASCII without a BOM (setup rejects a UTF-8 BOM). The service
    account password goes into a copy of the ini that only Administrators and SYSTEM can read,
    deleted in a finally, so it never appears on a command line or stays on disk. Setup's exit
    codes are unreliable: the verdict comes from Summary.txt. Opens TCP 1433 (SQL) and 4022
    (Service Broker, used by ConfigMgr).

.PARAMETER ConfigurationIni
    The generated ConfigurationFile.ini text (no password in it).

.PARAMETER MediaPath
    Folder of the extracted SQL Server media, relative to the lab media root.

.PARAMETER SqlServicePassword
    Password of the SQL service account named in the ini: a secret parameter.

.PARAMETER InstallUser
    DOMAIN\user that runs setup (the domain admin): SQL setup needs a local logon.

.PARAMETER InstallPassword
    Its password: a secret parameter, handed to the Task Scheduler only.

.PARAMETER TimeoutSeconds
    Upper bound for setup itself (the phase's own bound is larger).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ConfigurationIni,
    [Parameter(Mandatory)][string]$MediaPath,
    [Parameter(Mandatory)][object]$SqlServicePassword,
    [Parameter(Mandatory)][string]$InstallUser,
    [Parameter(Mandatory)][object]$InstallPassword,
    [ValidatePattern('^[0-9]+$')][string]$TimeoutSeconds = '5400',
    [string]$InstanceName = 'MSSQLSERVER',
    [string]$WorkDirectory = 'C:\Lab\sql'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Runner.psm1') -Force

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
    # SQL setup writes Setup Bootstrap\Log\Summary.txt (Microsoft Learn, "View and read SQL Server Setup log files").
    $summary = Get-ChildItem -Path "$env:ProgramFiles\Microsoft SQL Server\*\Setup Bootstrap\Log\Summary.txt" -ErrorAction SilentlyContinue |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if ($null -eq $summary) { return $null }
    $text = Get-Content -LiteralPath $summary.FullName -Raw
    $final = [regex]::Match($text, 'Final result:\s*(.+)').Groups[1].Value.Trim()
    return [pscustomobject]@{ Path = $summary.FullName; Text = $text; Final = $final }
}

Invoke-LabPhase -Name 'sql-install' -Body {
    if (Test-LabSqlAnswers -InstanceName $InstanceName) {
        $summary = Get-SqlSummary
        if ($null -ne $summary -and $summary.Final -notmatch '^Passed') {
            throw ("SQL instance {0} answers but the last setup says '{1}': read {2}" -f $InstanceName, $summary.Final, $summary.Path)
        }
        $opened = Set-SqlFirewall
        if ($opened -gt 0) { return (New-LabResult Done 'SQL was installed; firewall rules added') }
        return (New-LabResult AlreadyDone ("SQL instance {0} answers" -f $InstanceName))
    }
    $service = Get-Service -Name $InstanceName -ErrorAction SilentlyContinue
    if ($null -ne $service) {
        if ($service.Status -ne 'Running') {
            Write-LabLog -Level WARN -Message ("the {0} service exists but is {1}: starting it" -f $InstanceName, $service.Status)
            Start-Service -Name $InstanceName -ErrorAction SilentlyContinue
            Start-Sleep -Seconds 20
            if (Test-LabSqlAnswers -InstanceName $InstanceName) { return (New-LabResult Done ("SQL instance {0} started" -f $InstanceName)) }
        }
        throw ("the {0} service exists but the instance does not answer: a half-installed SQL Server. Recover: revert this VM to the checkpoint taken before this phase, or uninstall SQL Server (setup.exe /ACTION=Uninstall /FEATURES=SQLENGINE /INSTANCENAME={0} /Q) and run the phase again" -f $InstanceName)
    }
    Disable-LabAutomaticUpdate | Out-Null
    $rebootFirst = Get-LabRebootFirst -Before 'SQL Server setup'
    if ($rebootFirst) { return $rebootFirst }

    $setup = Join-Path (Get-LabMediaPath -RelativePath $MediaPath) 'setup.exe'
    if (-not (Test-Path -LiteralPath $setup)) { throw ("{0} is missing: the media folder must hold the extracted SQL Server 2022 ISO" -f $setup) }
    $credential = ConvertTo-LabCredential -UserName $InstallUser -Secret $InstallPassword

    $protectedDir = Join-Path $WorkDirectory 'secret'
    New-Item -ItemType Directory -Path $protectedDir -Force | Out-Null
    & icacls.exe $protectedDir /inheritance:r /grant:r '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F' | Out-Null
    $runIni = Join-Path $protectedDir 'ConfigurationFile.run.ini'
    try {
        $plain = ConvertFrom-LabSecureString -Secret (ConvertTo-LabSecureString -Secret $SqlServicePassword)
        Write-LabAsciiFile -Path $runIni -Content ($ConfigurationIni.TrimEnd() + "`r`nSQLSVCPASSWORD=`"$plain`"`r`n")
        $plain = $null
        # SQL setup's exit code is not the verdict (Summary.txt is): the runner only has to finish in time.
        $run = Invoke-LabRunner -Name 'sql-setup' -Credential $credential -FilePath $setup -ArgumentList ('/ConfigurationFile="{0}"' -f $runIni) -TimeoutSeconds $TimeoutSeconds
        Write-LabLog -Message ("setup.exe exited with {0}; reading Summary.txt" -f $run.ExitCode)
    } finally {
        Remove-Item -LiteralPath $runIni -Force -ErrorAction SilentlyContinue
    }

    $summary = Get-SqlSummary
    if ($null -eq $summary) { throw 'SQL setup left no Summary.txt under Setup Bootstrap\Log: read C:\Lab\logs\sql-install.log and the setup bootstrap logs' }
    Write-LabLog -Message ("Summary.txt: Final result: {0}" -f $summary.Final)
    if ($summary.Final -notmatch '^Passed') { throw ("SQL setup failed ({0}): read {1}" -f $summary.Final, $summary.Path) }
    Set-SqlFirewall | Out-Null
    if ($summary.Final -match 'reboot' -or $summary.Text -match 'Requires reboot:\s*True') { return (New-LabResult Reboot 'SQL Server installed') }
    Wait-LabCondition -Description ("SQL instance {0} to answer" -f $InstanceName) -TimeoutSeconds 300 -IntervalSeconds 10 -Condition { Test-LabSqlAnswers -InstanceName $InstanceName }
    return (New-LabResult Done 'SQL Server installed')
}
