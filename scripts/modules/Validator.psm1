<#
.SYNOPSIS
    Probes and small helpers shared by the homelab phase scripts: is a feature installed, the
    domain joined, a service running, the SCCM site reachable, a reboot pending; where the lab
    media and the Windows install media are; bounded waits; running installers.

.DESCRIPTION
    Every phase probes first and exits "already done" when the state is reached, so these
    functions return booleans or values and never change the machine (the helpers that do,
    Invoke-LabProcess and Write-LabAsciiFile, say so in their names). Import Logger.psm1 before
    this module: the helpers log through Write-LabLog.

.PARAMETER MediaLabel
    Volume label of the lab media ISO that the host builds with `npm run media -- build`.
#>
[CmdletBinding()]
param(
    [string]$MediaLabel = 'HOMELAB_MEDIA'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:MediaLabel = $MediaLabel

function Test-LabFeatureInstalled {
    <# .SYNOPSIS True when every named Windows feature is installed (Server: Get-WindowsFeature; client: optional features). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string[]]$Name)
    foreach ($feature in $Name) {
        if (Get-Command Get-WindowsFeature -ErrorAction SilentlyContinue) {
            $state = Get-WindowsFeature -Name $feature
            if ($null -eq $state -or -not $state.Installed) { return $false }
        } else {
            $state = Get-WindowsOptionalFeature -Online -FeatureName $feature
            if ($null -eq $state -or $state.State -ne 'Enabled') { return $false }
        }
    }
    return $true
}

function Test-LabDomainJoined {
    <#
    .SYNOPSIS
        True when this computer is a member (or a DC) of the named DNS domain and the join has
        taken effect: Win32_ComputerSystem.PartOfDomain is already true after Add-Computer,
        before the restart the join needs, so a pending join counts as not joined.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$DomainName)
    $cs = Get-CimInstance -ClassName Win32_ComputerSystem
    if (-not ($cs.PartOfDomain -and $cs.Domain -ieq $DomainName)) { return $false }
    return (-not (Test-LabJoinPending))
}

function Test-LabJoinPending {
    <#
    .SYNOPSIS
        True when a domain join waits for its restart: Netlogon keeps JoinDomain (and AvoidSpnSet)
        under its service key until the next boot (published behaviour the PendingReboot module and
        Boxstarter read).
    #>
    [CmdletBinding()]
    param()
    $netlogon = 'HKLM:\SYSTEM\CurrentControlSet\Services\Netlogon'
    return ((Test-Path -LiteralPath (Join-Path $netlogon 'JoinDomain')) -or (Test-Path -LiteralPath (Join-Path $netlogon 'AvoidSpnSet')))
}

function Test-LabServiceRunning {
    <# .SYNOPSIS True when the service exists and runs. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Name)
    $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
    return ($null -ne $service -and $service.Status -eq 'Running')
}

function Test-LabSqlAnswers {
    <#
    .SYNOPSIS
        True when the SQL Server instance runs AND answers a query over TCP with Windows
        authentication: a service that merely exists can be a half-installed instance.
    #>
    [CmdletBinding()]
    param(
        [string]$InstanceName = 'MSSQLSERVER',
        [string]$Server = '.'
    )
    $service = if ($InstanceName -eq 'MSSQLSERVER') { 'MSSQLSERVER' } else { 'MSSQL${0}' -f $InstanceName }
    if (-not (Test-LabServiceRunning -Name $service)) { return $false }
    $dataSource = if ($InstanceName -eq 'MSSQLSERVER') { $Server } else { '{0}\{1}' -f $Server, $InstanceName }
    $connection = New-Object System.Data.SqlClient.SqlConnection ("Server={0};Database=master;Integrated Security=True;Connect Timeout=15" -f $dataSource)
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = 'SELECT SERVERPROPERTY(''ProductVersion'')'
        $version = $command.ExecuteScalar()
        return ($null -ne $version -and [string]$version -ne '')
    } catch {
        return $false
    } finally {
        $connection.Dispose()
    }
}

function Test-LabSccmSite {
    <#
    .SYNOPSIS
        True when this computer is the site server of the given site and the site runs: the site
        code recorded under HKLM\SOFTWARE\Microsoft\SMS\Identification and SMS_EXECUTIVE running.
    .DESCRIPTION
        Local probes only. Get-CimInstance -ComputerName <this computer> would open a WS-Man
        session back into this machine, a second hop that a WinRM (NTLM) logon cannot make; and the
        SMS Provider answers the WinRM user (a local administrator without ConfigMgr rights) only
        with what that user may see. The provider itself is probed as the domain admin, through
        the runner (Set-SccmSiteSettings).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$SiteCode)
    # Setup records the site code as the value "Site Code" of that key (MEMLabs reads it there: vmbuild/DSC/phases/InstallAndUpdateSCCM.ps1).
    $identification = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\SMS\Identification' -Name 'Site Code' -ErrorAction SilentlyContinue
    if ($null -eq $identification -or $identification.'Site Code' -ne $SiteCode) { return $false }
    return (Test-LabServiceRunning -Name 'SMS_EXECUTIVE')
}

function Test-LabManagementPoint {
    <#
    .SYNOPSIS
        True when the management point answers its MP list (http://<server>/SMS_MP/.sms_aut?mplist
        returns 200 with an <MPList> document): clients cannot register before it does.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Server)
    try {
        $response = Invoke-WebRequest -Uri ("http://{0}/SMS_MP/.sms_aut?mplist" -f $Server) -UseBasicParsing -TimeoutSec 30
        return ($response.StatusCode -eq 200 -and [string]$response.Content -match '<MPList')
    } catch {
        return $false
    }
}

function Get-LabPendingReboot {
    <#
    .SYNOPSIS
        The reasons a reboot is pending (empty when none). SQL setup and ConfigMgr setup check
        these and refuse to run ("Pending system restart", Microsoft Learn, ConfigMgr "List of
        prerequisite checks", which also reads ServerManager CurrentRebootAttempts).
    #>
    [CmdletBinding()]
    param()
    $reasons = @()
    if (Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') { $reasons += 'CBS RebootPending' }
    if (Test-Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') { $reasons += 'WindowsUpdate RebootRequired' }
    $session = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue
    if ($null -ne $session -and @($session.PendingFileRenameOperations | Where-Object { $_ }).Count -gt 0) { $reasons += 'PendingFileRenameOperations' }
    $serverManager = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\ServerManager' -Name CurrentRebootAttempts -ErrorAction SilentlyContinue
    if ($null -ne $serverManager) { $reasons += 'ServerManager CurrentRebootAttempts' }
    if (Test-LabJoinPending) { $reasons += 'domain join' }
    $active = (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName').ComputerName
    $pending = (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName').ComputerName
    if ($active -ne $pending) { $reasons += ("computer rename {0} -> {1}" -f $active, $pending) }
    return , $reasons
}

function Test-LabPendingReboot {
    <# .SYNOPSIS True when Get-LabPendingReboot finds any reason. #>
    [CmdletBinding()]
    param()
    return ((Get-LabPendingReboot).Count -gt 0)
}

function Get-LabRebootFirst {
    <#
    .SYNOPSIS
        A "reboot, then run me again" result (New-LabResult Reboot) when a reboot is pending
        before a big installer, else $null. The phase exits 3010, the WinRM client reboots the
        guest, and the phase runs again (bounded by the phase's maxRuns): see the README.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$Before)
    $pending = Get-LabPendingReboot
    if ($pending.Count -eq 0) { return $null }
    Write-LabLog -Level WARN -Message ("a reboot is pending ({0}) and {1} would refuse to start: rebooting first" -f ($pending -join ', '), $Before)
    return (New-LabResult Reboot ("reboot before {0}; this phase runs again after it" -f $Before))
}

function Disable-LabAutomaticUpdate {
    <#
    .SYNOPSIS
        Turns automatic Windows Update off (policy NoAutoUpdate=1, Microsoft Learn "Configure
        Automatic Updates" / AU registry keys): an update installing mid-setup sets
        RebootPending and makes SQL and ConfigMgr setup stop. Returns $true when it changed it.
    #>
    [CmdletBinding()]
    param()
    $key = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU'
    $current = Get-ItemProperty -Path $key -Name NoAutoUpdate -ErrorAction SilentlyContinue
    if ($null -ne $current -and $current.NoAutoUpdate -eq 1) { return $false }
    New-Item -Path $key -Force | Out-Null
    New-ItemProperty -Path $key -Name NoAutoUpdate -PropertyType DWord -Value 1 -Force | Out-Null
    Write-LabLog -Message 'automatic Windows Update is off (policy NoAutoUpdate=1)'
    return $true
}

function Find-LabSecret {
    <#
    .SYNOPSIS
        Where a secret value is still on this guest after the phases: files (or files under
        folders) whose text contains it, and scheduled tasks of the runner (which hold a stored
        credential). Returns the places (never the value).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][hashtable]$Secret,
        [string[]]$Path = @('C:\Lab')
    )
    $found = @()
    foreach ($task in @(Get-ScheduledTask -TaskPath '\Homelab\' -ErrorAction SilentlyContinue)) { $found += ("scheduled task {0}{1} (stored credential)" -f $task.TaskPath, $task.TaskName) }
    $plain = @{}
    foreach ($key in $Secret.Keys) { $plain[$key] = ConvertFrom-LabSecureString -Secret (ConvertTo-LabSecureString -Secret $Secret[$key]) }
    foreach ($root in $Path) {
        if (-not (Test-Path -LiteralPath $root)) { continue }
        # Binaries and files over 32 MiB are installers and downloads (C:\Lab\cm-prereqs), not something a phase wrote a secret into.
        $binary = @('.cab', '.exe', '.msi', '.msp', '.msu', '.dll', '.zip', '.iso', '.wim')
        $candidates = @(Get-ChildItem -LiteralPath $root -File -Recurse -Force -ErrorAction SilentlyContinue |
            Where-Object { $_.Length -lt 33554432 -and $binary -notcontains $_.Extension.ToLowerInvariant() })
        foreach ($file in $candidates) {
            $bytes = [System.IO.File]::ReadAllBytes($file.FullName)
            # Both encodings Windows tools write logs in: ANSI/UTF-8 and UTF-16LE.
            $texts = @([System.Text.Encoding]::UTF8.GetString($bytes), [System.Text.Encoding]::Unicode.GetString($bytes))
            foreach ($key in $plain.Keys) {
                if (@($texts | Where-Object { $_.Contains($plain[$key]) }).Count -gt 0) { $found += ("{0} holds {1}" -f $file.FullName, $key) }
            }
        }
    }
    $plain = $null
    return , $found
}

function Get-LabMediaRoot {
    <#
    .SYNOPSIS
        Root (e.g. E:\) of the drive whose volume label is the lab media label; throws with the
        fix when the ISO is not attached.
    #>
    [CmdletBinding()]
    param([string]$Label = $script:MediaLabel)
    $volume = Get-Volume | Where-Object { $_.FileSystemLabel -eq $Label -and $_.DriveLetter } | Select-Object -First 1
    if ($null -eq $volume) {
        throw ("no drive with the volume label {0}: build the media ISO on the host (npm run media -- build --stack <stack>) and attach it to this VM" -f $Label)
    }
    return ('{0}:\' -f $volume.DriveLetter)
}

function Get-LabMediaPath {
    <# .SYNOPSIS Full path of an entry of the lab media (a manifest path such as sql2022\setup.exe); throws when it is missing. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$RelativePath)
    $path = Join-Path (Get-LabMediaRoot) $RelativePath
    if (-not (Test-Path -LiteralPath $path)) {
        throw ("{0} is not on the lab media: add it to the media folder on the host, run npm run media -- check, rebuild the ISO" -f $RelativePath)
    }
    return $path
}

function Get-LabWindowsSxsSource {
    <# .SYNOPSIS The sources\sxs folder of an attached Windows install medium (for .NET 3.5 without Windows Update). #>
    [CmdletBinding()]
    param()
    foreach ($volume in (Get-Volume | Where-Object { $_.DriveLetter })) {
        $candidate = '{0}:\sources\sxs' -f $volume.DriveLetter
        if (Test-Path -LiteralPath $candidate) { return $candidate }
    }
    throw 'no drive holds sources\sxs: attach the Windows Server install ISO (the VM definition keeps it as the install CD-ROM)'
}

function ConvertTo-LabCredential {
    <#
    .SYNOPSIS
        A PSCredential from a user name and a secret that arrived as a parameter; the plain text
        is not kept in any variable of the caller.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$UserName,
        [Parameter(Mandatory)][object]$Secret
    )
    return New-Object System.Management.Automation.PSCredential ($UserName, (ConvertTo-LabSecureString -Secret $Secret))
}

function ConvertTo-LabSecureString {
    <# .SYNOPSIS A SecureString from a secret parameter (already secure, or plain text delivered by the phase runner). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][object]$Secret)
    if ($Secret -is [System.Security.SecureString]) { return $Secret }
    if ([string]::IsNullOrEmpty([string]$Secret)) { throw 'a secret parameter is empty: set it in the stack (pulumi config set --secret ...) or in the environment variable the runner reads' }
    return (ConvertTo-SecureString -String ([string]$Secret) -AsPlainText -Force)
}

function ConvertFrom-LabSecureString {
    <# .SYNOPSIS Plain text of a SecureString, for the few tools (setup ini, net use) that take no other form. Never log it. #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][System.Security.SecureString]$Secret)
    $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($Secret)
    try { return [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr) }
    finally { [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr) }
}

function Wait-LabCondition {
    <#
    .SYNOPSIS
        Polls a condition until it is true; throws after the timeout naming what was awaited and
        the last error seen.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Description,
        [Parameter(Mandatory)][scriptblock]$Condition,
        [int]$TimeoutSeconds = 600,
        [int]$IntervalSeconds = 10
    )
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    $lastError = 'none'
    while ($true) {
        try {
            if (& $Condition) { return }
        } catch {
            $lastError = $_.Exception.Message
        }
        if ((Get-Date) -ge $deadline) {
            throw ("timed out after {0} s waiting for {1} (last error: {2})" -f $TimeoutSeconds, $Description, $lastError)
        }
        Write-LabLog -Message ("waiting for {0}" -f $Description)
        Start-Sleep -Seconds $IntervalSeconds
    }
}

function Invoke-LabProcess {
    <#
    .SYNOPSIS
        Runs an installer, waits, and returns its exit code when it is one of the success codes
        (0, 3010 and 1641 by default); throws otherwise, naming the installer's own log.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$FilePath,
        [string[]]$ArgumentList = @(),
        [int[]]$SuccessCodes = @(0, 3010, 1641),
        [string]$InstallerLog = ''
    )
    Write-LabLog -Message ("running {0} {1}" -f $FilePath, ($ArgumentList -join ' '))
    $process = Start-Process -FilePath $FilePath -ArgumentList $ArgumentList -Wait -PassThru -NoNewWindow
    $code = $process.ExitCode
    if ($SuccessCodes -notcontains $code) {
        $hint = if ($InstallerLog) { " (installer log: $InstallerLog)" } else { '' }
        throw ("{0} exited with {1}{2}" -f (Split-Path -Leaf $FilePath), $code, $hint)
    }
    Write-LabLog -Message ("{0} exited with {1}" -f (Split-Path -Leaf $FilePath), $code)
    return $code
}

function ConvertTo-LabList {
    <#
    .SYNOPSIS
        A list parameter as an array: the phase runner passes every parameter as one string, with
        list items on separate lines; by hand, -Name 'a', 'b' works as usual.
    #>
    [CmdletBinding()]
    param([AllowNull()][AllowEmptyCollection()][string[]]$Value)
    $items = @($Value | Where-Object { $null -ne $_ } | ForEach-Object { $_ -split '\r?\n' } | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    return , $items
}

function Write-LabAsciiFile {
    <#
    .SYNOPSIS
        Writes text as ASCII with CRLF line ends and no byte order mark (SQL and ConfigMgr setup
        reject a UTF-8 BOM); throws on any non-ASCII character instead of writing a '?'.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Path,
        [Parameter(Mandatory)][string]$Content
    )
    if ($Content -match '[^\x00-\x7F]') { throw ("{0} would hold non-ASCII text: fix the value in the stack config" -f $Path) }
    $text = ($Content -replace "`r?`n", "`r`n")
    $dir = Split-Path -Parent $Path
    if ($dir -and -not (Test-Path -LiteralPath $dir)) { New-Item -ItemType Directory -Path $dir -Force | Out-Null }
    [System.IO.File]::WriteAllText($Path, $text, [System.Text.Encoding]::ASCII)
}

function Get-LabNetAdapterByMac {
    <# .SYNOPSIS The network adapter with the given MAC (interface names differ between installs; MACs are fixed in the LabSpec). #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string]$MacAddress)
    $wanted = ($MacAddress -replace '[:-]', '').ToUpperInvariant()
    $adapter = Get-NetAdapter -Physical | Where-Object { ($_.MacAddress -replace '-', '').ToUpperInvariant() -eq $wanted } | Select-Object -First 1
    if ($null -eq $adapter) { throw ("no network adapter has the MAC {0}: compare the VM's NICs (virsh domiflist) with the stack config" -f $MacAddress) }
    return $adapter
}

Export-ModuleMember -Function @(
    'Test-LabFeatureInstalled', 'Test-LabDomainJoined', 'Test-LabJoinPending', 'Test-LabServiceRunning', 'Test-LabSqlAnswers', 'Test-LabSccmSite',
    'Test-LabManagementPoint', 'Get-LabPendingReboot', 'Test-LabPendingReboot', 'Get-LabRebootFirst',
    'Disable-LabAutomaticUpdate', 'Find-LabSecret', 'Get-LabMediaRoot', 'Get-LabMediaPath', 'Get-LabWindowsSxsSource',
    'ConvertTo-LabCredential', 'ConvertTo-LabSecureString', 'ConvertFrom-LabSecureString', 'Wait-LabCondition', 'Invoke-LabProcess',
    'Write-LabAsciiFile', 'Get-LabNetAdapterByMac', 'ConvertTo-LabList'
)
