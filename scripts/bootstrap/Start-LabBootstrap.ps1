<#
.SYNOPSIS
    First-logon bootstrap of an unattended install: makes the guest reachable over WinRM, removes
    every copy of the answer file, then tells the host on the first serial port that it is done.

.DESCRIPTION
    Runs once, from the answer medium, through the answer file's only FirstLogonCommand (as the
    auto-logged-on Administrator). In order:
      1. every network profile Private (WinRM refuses Public profiles);
      2. scripts\common\Enable-LabWinRM.ps1, in its own process (it ends with the house exit codes);
      3. auto-logon off again (Winlogon AutoAdminLogon 0, DefaultPassword and AutoLogonCount gone);
      4. the answer file copies Windows Setup cached ("Windows Setup caches answer files to
         %WINDIR%\Panther", implicit answer file search order, Windows Setup Automation Overview)
         and any other unattend.xml it could read later (Panther\Unattend, System32\Sysprep);
      5. the completion marker "HOMELAB-INSTALL-DONE <computer name>" on the serial port.
    The host gates on that marker, not on TCP 5985, which answers before this script has finished.
    A failure writes "HOMELAB-INSTALL-FAILED <computer name> <reason>" instead, so the host stops
    waiting at once and shows the reason.

.PARAMETER SerialPort
    The port the host logs to a file (the domain's <serial type='file'>, COM1 in the guest).

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File D:\homelab\bootstrap\Start-LabBootstrap.ps1
#>
[CmdletBinding()]
param(
    [string]$SerialPort = 'COM1'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force

function Send-LabSerialLine {
    <#
    .SYNOPSIS
        Writes one line to a serial port (System.IO.Ports.SerialPort, in .NET Framework 2.0 and later).
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Port,
        [Parameter(Mandatory)][string]$Line
    )
    $serial = New-Object System.IO.Ports.SerialPort $Port, 115200, 'None', 8, 'One'
    try {
        $serial.Open()
        $serial.WriteLine($Line)
    } finally {
        $serial.Close()
    }
}

Invoke-LabPhase -Name 'bootstrap' -Body {
    try {
        foreach ($lanProfile in @(Get-NetConnectionProfile | Where-Object { $_.NetworkCategory -ne 'Private' -and $_.NetworkCategory -ne 'DomainAuthenticated' })) {
            Set-NetConnectionProfile -InterfaceIndex $lanProfile.InterfaceIndex -NetworkCategory Private
            Write-LabLog -Message ("profile of {0} -> Private" -f $lanProfile.InterfaceAlias)
        }

        $enableWinRM = Join-Path $PSScriptRoot '..\common\Enable-LabWinRM.ps1'
        & powershell.exe -NoProfile -ExecutionPolicy Bypass -File $enableWinRM
        if ($LASTEXITCODE -ne 0) { throw ("Enable-LabWinRM.ps1 exited with {0}" -f $LASTEXITCODE) }

        # Microsoft-Windows-Shell-Setup | AutoLogon stores its state in Winlogon; LogonCount 1 already
        # ends it, this makes sure no password stays in DefaultPassword.
        $winlogon = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
        Set-ItemProperty -Path $winlogon -Name AutoAdminLogon -Value '0'
        foreach ($value in @('DefaultPassword', 'AutoLogonCount')) {
            Remove-ItemProperty -Path $winlogon -Name $value -ErrorAction SilentlyContinue
        }
        Write-LabLog -Message 'auto-logon off'

        $copies = @(
            Get-ChildItem -Path (Join-Path $env:WINDIR 'Panther') -File -ErrorAction SilentlyContinue | Where-Object { $_.Name -like 'unattend*.xml' -or $_.Name -like 'autounattend*.xml' }
            Get-ChildItem -Path (Join-Path $env:WINDIR 'Panther\Unattend') -Filter '*.xml' -File -ErrorAction SilentlyContinue
            Get-Item -Path (Join-Path $env:WINDIR 'System32\Sysprep\unattend.xml') -ErrorAction SilentlyContinue
        )
        foreach ($copy in $copies) {
            Remove-Item -LiteralPath $copy.FullName -Force
            Write-LabLog -Message ("removed {0}" -f $copy.FullName)
        }

        Send-LabSerialLine -Port $SerialPort -Line ("HOMELAB-INSTALL-DONE {0}" -f $env:COMPUTERNAME)
    } catch {
        $reason = $_.Exception.Message -replace '[\r\n]+', ' '
        Send-LabSerialLine -Port $SerialPort -Line ("HOMELAB-INSTALL-FAILED {0} {1}" -f $env:COMPUTERNAME, $reason)
        throw
    }
    return (New-LabResult Done 'WinRM on, auto-logon off, answer files removed, marker sent')
}
