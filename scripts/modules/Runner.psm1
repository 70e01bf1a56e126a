<#
.SYNOPSIS
    Runs an installer or a block of PowerShell as the domain administrator in a local logon of
    this computer (a scheduled task with highest privileges), never in the remote WinRM shell.

.DESCRIPTION
    Why: the WinRM user is a network logon. SQL setup, setupdl, the ADK and ConfigMgr setup fail or
    hang there (no DPAPI user keys, no credential to reach a remote SQL host, a shell torn down
    mid-install), and the SMS Provider answers a caller only with what that caller may see. A task
    registered with the domain admin's password runs in a local logon with a full token, the
    user's keys and its own network credentials. The public builders converge on this: GOAD
    (#220, #232, #240) moved ConfigMgr setup into a scheduled task, and ludus_sccm
    (roles/ludus_sccm_siteserver/tasks/install_sccm.yml) runs the ADK, extadsch and setup.exe with
    become/runas as the domain admin in an interactive logon. The task's logon is a batch logon,
    which Administrators (and so Domain Admins on a member) may do by default (Microsoft Learn,
    "Log on as a batch job", default values).

    Invoke-LabRunner registers one task under \Homelab\, starts it, streams the task's output and
    an installer's own log into the phase log, enforces a timeout, returns the exit code, and
    unregisters the task in a finally: the credential Task Scheduler stores goes with it. A task
    left behind by a crashed run is removed before the next one (Remove-LabRunnerLeftover). A
    script block that needs secrets gets them over a named pipe that only the domain admin may
    open; nothing secret is written to a file.

    Import Logger.psm1 and Validator.psm1 before this module.
#>
[CmdletBinding()]
param(
    [string]$WorkDirectory = 'C:\Lab\runner'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:WorkDirectory = $WorkDirectory
$script:TaskPath = '\Homelab\'

# SCHED_S_TASK_HAS_NOT_RUN: "The task has not yet run" (Microsoft Learn, Task Scheduler Error and Success Constants).
$script:TaskHasNotRun = 0x41303

function Remove-LabRunnerLeftover {
    <#
    .SYNOPSIS
        Unregisters every task under \Homelab\ and deletes the runner's work files: a crash or a
        lost WinRM shell must not leave the stored domain-admin credential behind.
    .DESCRIPTION
        A leftover task that still runs (an installer whose WinRM shell was lost) is waited for,
        up to -WaitSeconds, before it is stopped: killing setup halfway is worse than waiting.
    #>
    [CmdletBinding()]
    param([int]$WaitSeconds = 0)
    foreach ($task in @(Get-ScheduledTask -TaskPath $script:TaskPath -ErrorAction SilentlyContinue)) {
        $deadline = (Get-Date).AddSeconds($WaitSeconds)
        while ((Get-ScheduledTask -TaskPath $script:TaskPath -TaskName $task.TaskName).State -eq 'Running' -and (Get-Date) -lt $deadline) {
            Write-LabLog -Message ("the runner task {0} from an earlier run is still running: waiting for it" -f $task.TaskName)
            Start-Sleep -Seconds 30
        }
        Write-LabLog -Level WARN -Message ("removing the runner task {0}{1} left by an earlier run" -f $task.TaskPath, $task.TaskName)
        Stop-ScheduledTask -TaskPath $script:TaskPath -TaskName $task.TaskName -ErrorAction SilentlyContinue
        Unregister-ScheduledTask -TaskPath $script:TaskPath -TaskName $task.TaskName -Confirm:$false
    }
    if (Test-Path -LiteralPath $script:WorkDirectory) {
        Get-ChildItem -LiteralPath $script:WorkDirectory -File | Remove-Item -Force -ErrorAction SilentlyContinue
    }
}

function Get-LabRunnerTask {
    <# .SYNOPSIS The runner's tasks that exist now (the secret scan and the tests of a run read this). #>
    [CmdletBinding()]
    param()
    return , @(Get-ScheduledTask -TaskPath $script:TaskPath -ErrorAction SilentlyContinue)
}

function Read-LabNewLine {
    <#
    .SYNOPSIS
        The lines of a growing text file after the first $Skip, and the new line count. Uses
        Select-Object -Skip, never an index range: $a[$n..($a.Count-1)] counts down when nothing
        is new and indexes past the end, which StrictMode turns into a terminating error.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Path,
        [Parameter(Mandatory)][int]$Skip
    )
    if (-not (Test-Path -LiteralPath $Path)) { return [pscustomobject]@{ Lines = @(); Count = $Skip } }
    try {
        # Get-Content opens files with FileShare.ReadWrite (PowerShell's FileSystemContentReaderWriter), so a log the installer still writes can be read.
        $all = @(Get-Content -LiteralPath $Path -ErrorAction Stop)
    } catch {
        return [pscustomobject]@{ Lines = @(); Count = $Skip }
    }
    if ($all.Count -lt $Skip) { $Skip = 0 }  # the file was replaced: start over
    return [pscustomobject]@{ Lines = @($all | Select-Object -Skip $Skip); Count = $all.Count }
}

function New-LabRunnerWrapper {
    <#
    .SYNOPSIS
        The text of the script the task runs: it runs the payload, sends every output line to
        <name>.out and writes the exit code to <name>.exit last. No secret is ever part of it.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Name,
        [string]$FilePath = '',
        [string[]]$ArgumentList = @(),
        [string]$ScriptText = '',
        [hashtable]$Argument = @{},
        [string]$PipeName = ''
    )
    $out = Join-Path $script:WorkDirectory ("{0}.out" -f $Name)
    $exit = Join-Path $script:WorkDirectory ("{0}.exit" -f $Name)
    $quote = { param([string]$s) "'" + ($s -replace "'", "''") + "'" }
    $lines = @(
        'Set-StrictMode -Version Latest',
        "`$ErrorActionPreference = 'Stop'",
        ('$out = {0}' -f (& $quote $out)),
        ('$exit = {0}' -f (& $quote $exit)),
        '$code = 1',
        'try {'
    )
    if ($FilePath) {
        $argText = ($ArgumentList | ForEach-Object { & $quote $_ }) -join ', '
        # Start-Process refuses an empty -ArgumentList, so it is left out when there is none.
        $argPart = if ($argText) { ' -ArgumentList @({0})' -f $argText } else { '' }
        $lines += @(
            # Start-Process -Wait waits for the process and its descendants (Microsoft Learn, Start-Process, -Wait).
            ('    $p = Start-Process -FilePath {0}{1} -Wait -PassThru -NoNewWindow -RedirectStandardOutput ($out + ''.stdout'') -RedirectStandardError ($out + ''.stderr'')' -f (& $quote $FilePath), $argPart),
            '    foreach ($stream in ''.stdout'', ''.stderr'') { if (Test-Path -LiteralPath ($out + $stream)) { Get-Content -LiteralPath ($out + $stream) | Add-Content -LiteralPath $out } }',
            '    $code = $p.ExitCode'
        )
    } else {
        $lines += '    $labArgs = @{}'
        foreach ($key in $Argument.Keys) {
            $value = $Argument[$key]
            if ($value -is [array]) { $lines += ('    $labArgs[{0}] = @({1})' -f (& $quote $key), (($value | ForEach-Object { & $quote ([string]$_) }) -join ', ')) }
            else { $lines += ('    $labArgs[{0}] = {1}' -f (& $quote $key), (& $quote ([string]$value))) }
        }
        if ($PipeName) {
            # The secrets arrive over a pipe the caller opened for the domain admin only: one "name<TAB>value" line each, then an empty line.
            $lines += @(
                ('    $pipe = New-Object System.IO.Pipes.NamedPipeClientStream(''.'', {0}, [System.IO.Pipes.PipeDirection]::In)' -f (& $quote $PipeName)),
                '    $pipe.Connect(60000)',
                '    $reader = New-Object System.IO.StreamReader($pipe)',
                '    while ($true) { $line = $reader.ReadLine(); if ([string]::IsNullOrEmpty($line)) { break }; $tab = $line.IndexOf([char]9); $labArgs[$line.Substring(0, $tab)] = ConvertTo-SecureString -String $line.Substring($tab + 1) -AsPlainText -Force }',
                '    $line = $null; $reader.Dispose(); $pipe.Dispose()'
            )
        }
        $lines += @(
            ('    $block = [ScriptBlock]::Create({0})' -f (& $quote $ScriptText)),
            '    & $block @labArgs *>&1 | ForEach-Object { Add-Content -LiteralPath $out -Value ([string]$_) }',
            '    $code = 0'
        )
    }
    $lines += @(
        '} catch {',
        '    Add-Content -LiteralPath $out -Value (''ERROR: {0} {1}'' -f $_.Exception.Message, $_.InvocationInfo.PositionMessage)',
        '    $code = 1',
        '} finally {',
        '    Set-Content -LiteralPath $exit -Value $code -Encoding ASCII',
        '}',
        'exit $code'
    )
    return ($lines -join "`r`n")
}

function Send-LabRunnerSecret {
    <# .SYNOPSIS Writes the secrets to a connected pipe, one "name<TAB>value" line each, then an empty line. #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][System.IO.Pipes.NamedPipeServerStream]$Pipe,
        [Parameter(Mandatory)][hashtable]$Secret
    )
    $writer = New-Object System.IO.StreamWriter($Pipe)
    try {
        foreach ($key in $Secret.Keys) {
            $plain = ConvertFrom-LabSecureString -Secret (ConvertTo-LabSecureString -Secret $Secret[$key])
            if ($plain -match "[`r`n]") { throw ("the secret {0} contains a line break: the runner cannot pass it" -f $key) }
            $writer.WriteLine(('{0}{1}{2}' -f $key, [char]9, $plain))
            $plain = $null
        }
        $writer.WriteLine('')
        $writer.Flush()
        $Pipe.WaitForPipeDrain()
    } finally {
        $writer.Dispose()
    }
}

function Invoke-LabRunner {
    <#
    .SYNOPSIS
        Runs an installer (-FilePath) or a script block (-ScriptBlock) as the given domain account
        in a scheduled task with highest privileges; returns @{ ExitCode; Output }.
    .DESCRIPTION
        Throws when the task cannot be registered or does not start (the message names the
        likely causes), and when it outlives -TimeoutSeconds (the task is stopped). The exit code
        is the installer's, or 0/1 for a script block (1 when it threw). The task and the work
        files are removed whatever happens.
    .PARAMETER Name
        Short name of the step (letters, digits, '-'); the task is \Homelab\<Name>.
    .PARAMETER Argument
        Non-secret parameters of the script block (strings or string arrays).
    .PARAMETER Secret
        Parameters of the script block that are secret; they arrive as SecureString.
    .PARAMETER InstallerLog
        A log the installer writes itself; its new lines matching -InstallerLogFilter are echoed.
    #>
    [CmdletBinding(DefaultParameterSetName = 'File')]
    param(
        [Parameter(Mandatory)][ValidatePattern('^[A-Za-z0-9-]+$')][string]$Name,
        [Parameter(Mandatory)][System.Management.Automation.PSCredential]$Credential,
        [Parameter(Mandatory, ParameterSetName = 'File')][string]$FilePath,
        [Parameter(ParameterSetName = 'File')][string[]]$ArgumentList = @(),
        [Parameter(Mandatory, ParameterSetName = 'Block')][scriptblock]$ScriptBlock,
        [Parameter(ParameterSetName = 'Block')][hashtable]$Argument = @{},
        [Parameter(ParameterSetName = 'Block')][hashtable]$Secret = @{},
        [Parameter(Mandatory)][ValidateRange(60, 172800)][int]$TimeoutSeconds,
        [string]$InstallerLog = '',
        [string]$InstallerLogFilter = '.',
        [int]$StartTimeoutSeconds = 120,
        [int]$PollSeconds = 10
    )
    Remove-LabRunnerLeftover -WaitSeconds $TimeoutSeconds
    New-Item -ItemType Directory -Path $script:WorkDirectory -Force | Out-Null
    # Only Administrators and SYSTEM may read the work folder (the output of an installer can name accounts).
    & icacls.exe $script:WorkDirectory /inheritance:r /grant:r '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F' | Out-Null

    $wrapperPath = Join-Path $script:WorkDirectory ("{0}.ps1" -f $Name)
    $outPath = Join-Path $script:WorkDirectory ("{0}.out" -f $Name)
    $exitPath = Join-Path $script:WorkDirectory ("{0}.exit" -f $Name)
    $pipe = $null
    $pipeName = ''
    $registered = $false
    try {
        if ($PSCmdlet.ParameterSetName -eq 'Block' -and $Secret.Count -gt 0) {
            $pipeName = 'homelab-runner-{0}' -f [guid]::NewGuid().ToString('N')
            $security = New-Object System.IO.Pipes.PipeSecurity
            $account = New-Object System.Security.Principal.NTAccount($Credential.UserName)
            $security.AddAccessRule((New-Object System.IO.Pipes.PipeAccessRule($account, [System.IO.Pipes.PipeAccessRights]::ReadWrite, [System.Security.AccessControl.AccessControlType]::Allow)))
            # .NET Framework 4.x: this constructor applies the ACL at creation (Microsoft Learn, NamedPipeServerStream constructor with PipeSecurity).
            $pipe = New-Object System.IO.Pipes.NamedPipeServerStream($pipeName, [System.IO.Pipes.PipeDirection]::Out, 1,
                [System.IO.Pipes.PipeTransmissionMode]::Byte, [System.IO.Pipes.PipeOptions]::Asynchronous, 4096, 4096, $security)
        }
        $wrapper = if ($PSCmdlet.ParameterSetName -eq 'File') {
            New-LabRunnerWrapper -Name $Name -FilePath $FilePath -ArgumentList $ArgumentList
        } else {
            New-LabRunnerWrapper -Name $Name -ScriptText $ScriptBlock.ToString() -Argument $Argument -PipeName $pipeName
        }
        Write-LabAsciiFile -Path $wrapperPath -Content $wrapper

        $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument ('-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "{0}"' -f $wrapperPath)
        # ExecutionTimeLimit stops the task even if this shell dies (Microsoft Learn, New-ScheduledTaskSettingsSet -ExecutionTimeLimit).
        $settings = New-ScheduledTaskSettingsSet -ExecutionTimeLimit (New-TimeSpan -Seconds ($TimeoutSeconds + 300)) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries -MultipleInstances IgnoreNew
        $network = $Credential.GetNetworkCredential()
        try {
            # -User/-Password registers a Password logon: Task Scheduler stores the credential and starts the task in a
            # local (batch) logon of that user, with -RunLevel Highest the elevated token (Microsoft Learn, Register-ScheduledTask).
            Register-ScheduledTask -TaskPath $script:TaskPath -TaskName $Name -Action $action -Settings $settings -RunLevel Highest `
                -User $Credential.UserName -Password $network.Password | Out-Null
        } catch {
            throw ("cannot register the runner task for {0} as {1}: {2}. Check the password (homelab:adminPassword) and that the account may log on as a batch job" -f $Name, $Credential.UserName, $_.Exception.Message)
        } finally {
            $network = $null
        }
        $registered = $true

        $started = Get-Date
        Write-LabLog -Message ("runner {0}: starting as {1} (timeout {2} s)" -f $Name, $Credential.UserName, $TimeoutSeconds)
        Start-ScheduledTask -TaskPath $script:TaskPath -TaskName $Name
        $connect = if ($pipe) { $pipe.BeginWaitForConnection($null, $null) } else { $null }

        # The task has started when it runs or has a run time (a fast task can already be over).
        $startDeadline = $started.AddSeconds($StartTimeoutSeconds)
        while ($true) {
            $task = Get-ScheduledTask -TaskPath $script:TaskPath -TaskName $Name
            $info = Get-ScheduledTaskInfo -TaskPath $script:TaskPath -TaskName $Name
            if ($task.State -eq 'Running' -or (Test-Path -LiteralPath $exitPath) -or ($info.LastTaskResult -ne $script:TaskHasNotRun -and $info.LastRunTime -ge $started.AddSeconds(-5))) { break }
            if ((Get-Date) -ge $startDeadline) {
                throw ("the runner task {0} did not start within {1} s (state {2}, last result 0x{3:X}): the account {4} may lack 'Log on as a batch job', or its password changed" -f $Name, $StartTimeoutSeconds, $task.State, $info.LastTaskResult, $Credential.UserName)
            }
            Start-Sleep -Seconds 2
        }

        if ($pipe) {
            $connectDeadline = (Get-Date).AddSeconds($StartTimeoutSeconds)
            while (-not $connect.IsCompleted) {
                if ((Get-Date) -ge $connectDeadline) { throw ("the runner task {0} started but never asked for its secrets: read {1}" -f $Name, $outPath) }
                Start-Sleep -Milliseconds 500
            }
            $pipe.EndWaitForConnection($connect)
            Send-LabRunnerSecret -Pipe $pipe -Secret $Secret
        }

        $deadline = $started.AddSeconds($TimeoutSeconds)
        $seenOut = 0
        $seenLog = 0
        $output = New-Object System.Collections.Generic.List[string]
        while ($true) {
            $done = Test-Path -LiteralPath $exitPath
            $new = Read-LabNewLine -Path $outPath -Skip $seenOut
            $seenOut = $new.Count
            foreach ($line in $new.Lines) { $output.Add([string]$line); Write-LabLog -Message ("[{0}] {1}" -f $Name, $line) }
            if ($InstallerLog) {
                $log = Read-LabNewLine -Path $InstallerLog -Skip $seenLog
                $seenLog = $log.Count
                foreach ($line in @($log.Lines | Where-Object { $_ -match $InstallerLogFilter })) { Write-LabLog -Message ("[{0} log] {1}" -f $Name, ($line -replace '\$\$<.*$', '')) }
            }
            if ($done) { break }
            $state = (Get-ScheduledTask -TaskPath $script:TaskPath -TaskName $Name).State
            if ($state -ne 'Running') {
                Start-Sleep -Seconds 2
                if (Test-Path -LiteralPath $exitPath) { continue }
                $result = (Get-ScheduledTaskInfo -TaskPath $script:TaskPath -TaskName $Name).LastTaskResult
                throw ("the runner task {0} ended without writing its exit code (task result 0x{1:X}): read {2} and the TaskScheduler operational event log" -f $Name, $result, (Get-LabLogPath))
            }
            if ((Get-Date) -ge $deadline) {
                Stop-ScheduledTask -TaskPath $script:TaskPath -TaskName $Name -ErrorAction SilentlyContinue
                $hint = if ($InstallerLog) { " and $InstallerLog" } else { '' }
                throw ("{0} still ran after {1} s and was stopped: read {2}{3}" -f $Name, $TimeoutSeconds, (Get-LabLogPath), $hint)
            }
            Start-Sleep -Seconds $PollSeconds
        }
        $code = [int]((Get-Content -LiteralPath $exitPath -Raw).Trim())
        Write-LabLog -Message ("runner {0}: exit code {1}" -f $Name, $code)
        return [pscustomobject]@{ ExitCode = $code; Output = $output.ToArray() }
    } finally {
        if ($pipe) { $pipe.Dispose() }
        if ($registered) {
            Stop-ScheduledTask -TaskPath $script:TaskPath -TaskName $Name -ErrorAction SilentlyContinue
            Unregister-ScheduledTask -TaskPath $script:TaskPath -TaskName $Name -Confirm:$false -ErrorAction SilentlyContinue
        }
        foreach ($file in $wrapperPath, $outPath, $exitPath, ($outPath + '.stdout'), ($outPath + '.stderr')) {
            Remove-Item -LiteralPath $file -Force -ErrorAction SilentlyContinue
        }
    }
}

function Invoke-LabInstaller {
    <#
    .SYNOPSIS
        Invoke-LabRunner for an installer: throws unless the exit code is a success code (0,
        3010, 1641 by default), naming the installer's log; returns the exit code.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][ValidatePattern('^[A-Za-z0-9-]+$')][string]$Name,
        [Parameter(Mandatory)][System.Management.Automation.PSCredential]$Credential,
        [Parameter(Mandatory)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [Parameter(Mandatory)][int]$TimeoutSeconds,
        [int[]]$SuccessCodes = @(0, 3010, 1641),
        [string]$InstallerLog = '',
        [string]$InstallerLogFilter = '.'
    )
    Write-LabLog -Message ("{0}: {1} {2}" -f $Name, $FilePath, ($ArgumentList -join ' '))
    $run = Invoke-LabRunner -Name $Name -Credential $Credential -FilePath $FilePath -ArgumentList $ArgumentList -TimeoutSeconds $TimeoutSeconds `
        -InstallerLog $InstallerLog -InstallerLogFilter $InstallerLogFilter
    if ($SuccessCodes -notcontains $run.ExitCode) {
        $hint = if ($InstallerLog) { " (installer log: $InstallerLog)" } else { '' }
        throw ("{0} exited with {1}{2}" -f (Split-Path -Leaf $FilePath), $run.ExitCode, $hint)
    }
    return $run.ExitCode
}

Export-ModuleMember -Function @('Invoke-LabRunner', 'Invoke-LabInstaller', 'Remove-LabRunnerLeftover', 'Get-LabRunnerTask', 'Read-LabNewLine', 'New-LabRunnerWrapper')
