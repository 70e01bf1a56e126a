<#
.SYNOPSIS
    Static addresses and DNS client servers, per NIC found by its MAC address (interface names
    differ between installs; the MACs are fixed in the lab spec).

.DESCRIPTION
    Each -Nic entry is "MAC|ADDRESS/PREFIX|GATEWAY" for a static NIC (GATEWAY may be empty) or
    "MAC|dhcp|" for a NIC that keeps DHCP. -DnsServer, when given, is set on every listed NIC.
    A NIC already configured is left alone. Changing the address of the NIC that carries the
    WinRM session drops the session, so the bootstrap README sets the management address by
    hand and this phase then finds it done.

.PARAMETER Nic
    NIC entries as described above, built from the LabSpec.

.PARAMETER DnsServer
    DNS servers for every listed NIC (members: the domain controller; the DC itself: none, AD DS
    points it at itself).

.EXAMPLE
    .\Set-LabNetwork.ps1 -Nic '52:54:00:12:34:56|<address>/24|<gateway>' -DnsServer '<dc address>'
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string[]]$Nic,
    [string[]]$DnsServer = @()
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'network' -Body {
    $Nic = ConvertTo-LabList $Nic
    $DnsServer = ConvertTo-LabList $DnsServer
    $changes = 0
    foreach ($entry in $Nic) {
        $parts = $entry -split '\|'
        if ($parts.Count -ne 3) { throw ("NIC entry '{0}' is not MAC|ADDRESS/PREFIX|GATEWAY or MAC|dhcp|" -f $entry) }
        $mac, $address, $gateway = $parts
        $adapter = Get-LabNetAdapterByMac -MacAddress $mac
        if ($address -ne 'dhcp') {
            $ip, $prefix = $address -split '/'
            $present = Get-NetIPAddress -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4 -ErrorAction SilentlyContinue |
                Where-Object { $_.IPAddress -eq $ip -and $_.PrefixLength -eq [int]$prefix -and $_.PrefixOrigin -eq 'Manual' }
            if (-not $present) {
                Write-LabLog -Message ("{0} ({1}): static {2}" -f $adapter.Name, $mac, $address)
                Set-NetIPInterface -InterfaceIndex $adapter.ifIndex -Dhcp Disabled
                Get-NetIPAddress -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4 -ErrorAction SilentlyContinue | Remove-NetIPAddress -Confirm:$false
                Get-NetRoute -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4 -DestinationPrefix ('{0}/0' -f [ipaddress]::Any) -ErrorAction SilentlyContinue | Remove-NetRoute -Confirm:$false
                $newAddress = @{ InterfaceIndex = $adapter.ifIndex; IPAddress = $ip; PrefixLength = [int]$prefix; AddressFamily = 'IPv4' }
                if ($gateway) { $newAddress.DefaultGateway = $gateway }
                New-NetIPAddress @newAddress | Out-Null
                $changes++
            }
        }
        if ($DnsServer.Count -gt 0) {
            $current = @((Get-DnsClientServerAddress -InterfaceIndex $adapter.ifIndex -AddressFamily IPv4).ServerAddresses)
            if (($current -join ',') -ne ($DnsServer -join ',')) {
                Write-LabLog -Message ("{0} ({1}): DNS servers {2}" -f $adapter.Name, $mac, ($DnsServer -join ', '))
                Set-DnsClientServerAddress -InterfaceIndex $adapter.ifIndex -ServerAddresses $DnsServer
                $changes++
            }
        }
    }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'addresses and DNS servers match the lab spec') }
    Clear-DnsClientCache
    return (New-LabResult Done ("{0} change(s)" -f $changes))
}
