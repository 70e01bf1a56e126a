<#
.SYNOPSIS
    Gives the guest its lab host name (a manual install leaves a random DESKTOP-/WIN- name).

.DESCRIPTION
    Runs before the domain join or forest creation, so no domain credential is needed. Exits
    3010 after a rename so the WinRM client reboots the guest; a pending rename to the same
    name also exits 3010 (the earlier run's reboot did not happen).

.PARAMETER NewName
    NetBIOS host name from the lab spec (15 characters at most).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][ValidateLength(1, 15)][string]$NewName
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'rename' -Body {
    $active = (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName').ComputerName
    $pending = (Get-ItemProperty 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName').ComputerName
    if ($active -ieq $NewName) { return (New-LabResult AlreadyDone ("the computer is named {0}" -f $NewName)) }
    if ($pending -ieq $NewName) { return (New-LabResult Reboot ("rename to {0} waits for a reboot" -f $NewName)) }
    if ((Get-CimInstance -ClassName Win32_ComputerSystem).PartOfDomain) {
        throw ("{0} is already in a domain; renaming a member needs a domain credential: rename it by hand or rebuild the VM" -f $active)
    }
    Rename-Computer -NewName $NewName -Force
    return (New-LabResult Reboot ("renamed {0} -> {1}" -f $active, $NewName))
}
