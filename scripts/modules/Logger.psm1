<#
.SYNOPSIS
    Timestamped logging for the homelab phase scripts: one line to the console and the same
    line to a log file under C:\Lab\logs.

.DESCRIPTION
    Every phase script imports this module and calls Start-LabLog once with its own name, then
    Write-LabLog for each step. The console line is what the WinRM client streams back to the
    host; the log file stays in the guest for post-mortems. Exit-LabPhase ends a script with the
    house exit codes: 0 done, 3010 done and a reboot is needed, anything else a failure whose
    message names the log file.

.PARAMETER LogDirectory
    Folder for the log files. Passed through Import-Module -ArgumentList when a caller wants a
    different folder (tests); the phases use the default.
#>
[CmdletBinding()]
param(
    [string]$LogDirectory = 'C:\Lab\logs'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:LogDirectory = $LogDirectory
$script:LogFile = $null
$script:LogName = 'lab'

function Start-LabLog {
    <#
    .SYNOPSIS
        Opens (appends to) the log file of one phase script and returns its path.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Name
    )
    if (-not (Test-Path -LiteralPath $script:LogDirectory)) {
        New-Item -ItemType Directory -Path $script:LogDirectory -Force | Out-Null
    }
    $script:LogName = $Name
    $script:LogFile = Join-Path $script:LogDirectory ("{0}.log" -f $Name)
    Write-LabLog -Message ("---- {0} on {1} as {2}" -f $Name, $env:COMPUTERNAME, [Environment]::UserName)
    return $script:LogFile
}

function Get-LabLogPath {
    <#
    .SYNOPSIS
        The current log file path (for failure messages).
    #>
    [CmdletBinding()]
    param()
    if ($script:LogFile) { return $script:LogFile }
    return (Join-Path $script:LogDirectory 'lab.log')
}

function Write-LabLog {
    <#
    .SYNOPSIS
        Writes one timestamped line to the console and the log file.
    .NOTES
        Never pass a secret: the line goes to the host's output and to disk.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][AllowEmptyString()][string]$Message,
        [ValidateSet('INFO', 'WARN', 'ERROR', 'DONE')][string]$Level = 'INFO'
    )
    $line = '{0} [{1}] {2}: {3}' -f (Get-Date -Format 'yyyy-MM-ddTHH:mm:ss.fffK'), $Level, $script:LogName, $Message
    # Write-Host reaches the WinRM stdout stream without polluting function return values.
    Write-Host $line
    $path = Get-LabLogPath
    try {
        $dir = Split-Path -Parent $path
        if (-not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
        Add-Content -LiteralPath $path -Value $line -Encoding UTF8
    } catch {
        Write-Host ('{0} [WARN] {1}: cannot write the log file {2}: {3}' -f (Get-Date -Format 's'), $script:LogName, $path, $_.Exception.Message)
    }
}

function Exit-LabPhase {
    <#
    .SYNOPSIS
        Ends a phase script with the house exit codes.
    .PARAMETER Result
        Done (0), AlreadyDone (0), Reboot (3010) or Failed (1).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][ValidateSet('Done', 'AlreadyDone', 'Reboot', 'Failed')][string]$Result,
        [string]$Message = ''
    )
    switch ($Result) {
        'AlreadyDone' { Write-LabLog -Level DONE -Message ("already done. {0}" -f $Message); $code = 0 }
        'Done' { Write-LabLog -Level DONE -Message ("done. {0}" -f $Message); $code = 0 }
        'Reboot' { Write-LabLog -Level DONE -Message ("done, reboot needed. {0}" -f $Message); $code = 3010 }
        'Failed' { Write-LabLog -Level ERROR -Message ("FAILED: {0} (log: {1})" -f $Message, (Get-LabLogPath)); $code = 1 }
    }
    exit $code
}

function New-LabResult {
    <#
    .SYNOPSIS
        The value a phase body returns: Done, AlreadyDone or Reboot, with a message.
    .DESCRIPTION
        Tagged with a type name so that stray pipeline output of the body cannot be taken for it.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, Position = 0)][ValidateSet('Done', 'AlreadyDone', 'Reboot')][string]$Result,
        [Parameter(Position = 1)][string]$Message = ''
    )
    return [pscustomobject]@{ PSTypeName = 'Lab.PhaseResult'; Result = $Result; Message = $Message }
}

function Invoke-LabPhase {
    <#
    .SYNOPSIS
        Runs a phase body and ends the script with the house exit codes.
    .DESCRIPTION
        The body returns New-LabResult; a body that returns none counts as Done. A throw becomes
        exit code 1 with the error, the script line that threw and the log path.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Name,
        [Parameter(Mandatory)][scriptblock]$Body
    )
    Start-LabLog -Name $Name | Out-Null
    try {
        $outcome = @(& $Body) | Where-Object { $null -ne $_ -and $_.PSObject.TypeNames -contains 'Lab.PhaseResult' } | Select-Object -Last 1
    } catch {
        $where = $_.InvocationInfo.PositionMessage
        Exit-LabPhase -Result Failed -Message ("{0} {1}" -f $_.Exception.Message, $where)
    }
    if ($null -eq $outcome) { Exit-LabPhase -Result Done }
    Exit-LabPhase -Result $outcome.Result -Message $outcome.Message
}

Export-ModuleMember -Function @('Start-LabLog', 'Get-LabLogPath', 'Write-LabLog', 'Exit-LabPhase', 'New-LabResult', 'Invoke-LabPhase')
