<#
.SYNOPSIS
    DNS server settings on the domain controller: forwarders and the reverse lookup zones of the
    lab subnets.

.PARAMETER Forwarder
    Forwarder addresses (the NAT gateway of the DC's network unless the stack names others).

.PARAMETER ReverseZone
    in-addr.arpa zone names, one per subnet the DC serves.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string[]]$Forwarder,
    [string[]]$ReverseZone = @()
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'dns' -Body {
    $Forwarder = ConvertTo-LabList $Forwarder
    $ReverseZone = ConvertTo-LabList $ReverseZone
    if (-not (Test-LabServiceRunning -Name 'DNS')) { throw 'the DNS Server service does not run: the forest phase installs it' }
    $changes = 0
    $current = @((Get-DnsServerForwarder).IPAddress | ForEach-Object { $_.IPAddressToString })
    if (($current -join ',') -ne ($Forwarder -join ',')) {
        Write-LabLog -Message ("forwarders {0} -> {1}" -f ($current -join ', '), ($Forwarder -join ', '))
        Set-DnsServerForwarder -IPAddress $Forwarder
        $changes++
    }
    foreach ($zone in $ReverseZone) {
        if (-not (Get-DnsServerZone -Name $zone -ErrorAction SilentlyContinue)) {
            Write-LabLog -Message ("reverse zone {0}" -f $zone)
            Add-DnsServerPrimaryZone -Name $zone -ReplicationScope Forest -DynamicUpdate Secure
            $changes++
        }
    }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'forwarders and reverse zones match') }
    # Register this DC's PTR records in the new reverse zones.
    & ipconfig.exe /registerdns | Out-Null
    return (New-LabResult Done ("{0} change(s)" -f $changes))
}
