<#
.SYNOPSIS
    The DHCP role on the domain controller for one lab network: authorized in AD, one scope with
    the spec's range, exclusions, reservations and options 3 (router), 6 (DNS) and 15 (domain).

.DESCRIPTION
    Runs only for networks whose DHCP server is "dc" in the stack config: libvirt's dnsmasq is
    silent there, so exactly one DHCP server answers. Each missing piece is added; an existing
    scope with another range is an error rather than a silent change (leases may exist).

.PARAMETER ScopeId
    Network address of the subnet.

.PARAMETER Reservation
    Entries "MAC|ADDRESS|NAME".

.PARAMETER Exclusion
    Entries "START-END" of addresses the scope must not hand out.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ScopeName,
    [Parameter(Mandatory)][string]$ScopeId,
    [Parameter(Mandatory)][string]$SubnetMask,
    [Parameter(Mandatory)][string]$StartRange,
    [Parameter(Mandatory)][string]$EndRange,
    [Parameter(Mandatory)][string]$Router,
    [Parameter(Mandatory)][string[]]$DnsServer,
    [Parameter(Mandatory)][string]$DnsDomain,
    [Parameter(Mandatory)][string]$DcFqdn,
    [Parameter(Mandatory)][string]$DcAddress,
    [string[]]$Exclusion = @(),
    [string[]]$Reservation = @()
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name ("dhcp-{0}" -f $ScopeName) -Body {
    $DnsServer = ConvertTo-LabList $DnsServer
    $Exclusion = ConvertTo-LabList $Exclusion
    $Reservation = ConvertTo-LabList $Reservation
    $changes = 0
    if (-not (Test-LabFeatureInstalled -Name 'DHCP')) {
        Write-LabLog -Message 'installing the DHCP role'
        Install-WindowsFeature -Name DHCP -IncludeManagementTools | Out-Null
        $changes++
    }
    if (-not (Get-LocalGroup -Name 'DHCP Administrators' -ErrorAction SilentlyContinue)) {
        & netsh.exe dhcp add securitygroups | Out-Null
        Restart-Service -Name DHCPServer
        $changes++
    }
    $authorized = Get-DhcpServerInDC | Where-Object { $_.DnsName -ieq $DcFqdn }
    if (-not $authorized) {
        Write-LabLog -Message ("authorizing {0} in AD" -f $DcFqdn)
        Add-DhcpServerInDC -DnsName $DcFqdn -IPAddress $DcAddress
        # Tells Server Manager the post-install configuration is complete.
        Set-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\ServerManager\Roles\12' -Name ConfigurationState -Value 2
        $changes++
    }

    $scope = Get-DhcpServerv4Scope -ScopeId $ScopeId -ErrorAction SilentlyContinue
    if ($null -eq $scope) {
        Write-LabLog -Message ("scope {0} {1} to {2}" -f $ScopeId, $StartRange, $EndRange)
        Add-DhcpServerv4Scope -Name $ScopeName -StartRange $StartRange -EndRange $EndRange -SubnetMask $SubnetMask -State Active
        $changes++
    } elseif ($scope.StartRange.IPAddressToString -ne $StartRange -or $scope.EndRange.IPAddressToString -ne $EndRange) {
        throw ("scope {0} exists with {1} to {2}, the spec says {3} to {4}: remove the scope (Remove-DhcpServerv4Scope) or fix the stack config" -f $ScopeId, $scope.StartRange, $scope.EndRange, $StartRange, $EndRange)
    }

    $options = @{ 3 = @($Router); 6 = @($DnsServer); 15 = @($DnsDomain) }
    foreach ($id in $options.Keys) {
        $value = Get-DhcpServerv4OptionValue -ScopeId $ScopeId -OptionId $id -ErrorAction SilentlyContinue
        $have = if ($value) { @($value.Value) -join ',' } else { '' }
        if ($have -ne ($options[$id] -join ',')) {
            Write-LabLog -Message ("option {0} = {1}" -f $id, ($options[$id] -join ', '))
            Set-DhcpServerv4OptionValue -ScopeId $ScopeId -OptionId $id -Value $options[$id] -Force
            $changes++
        }
    }

    $existingExclusions = @(Get-DhcpServerv4ExclusionRange -ScopeId $ScopeId -ErrorAction SilentlyContinue)
    foreach ($range in $Exclusion) {
        $first, $last = $range -split '-'
        if (-not ($existingExclusions | Where-Object { $_.StartRange.IPAddressToString -eq $first -and $_.EndRange.IPAddressToString -eq $last })) {
            Write-LabLog -Message ("exclusion {0}" -f $range)
            Add-DhcpServerv4ExclusionRange -ScopeId $ScopeId -StartRange $first -EndRange $last
            $changes++
        }
    }

    $existing = @(Get-DhcpServerv4Reservation -ScopeId $ScopeId -ErrorAction SilentlyContinue)
    foreach ($entry in $Reservation) {
        $mac, $address, $name = $entry -split '\|'
        $clientId = ($mac -replace ':', '-').ToLowerInvariant()
        $match = $existing | Where-Object { $_.ClientId -ieq $clientId }
        if ($match -and $match.IPAddress.IPAddressToString -eq $address) { continue }
        if ($match) { Remove-DhcpServerv4Reservation -ScopeId $ScopeId -ClientId $clientId }
        Write-LabLog -Message ("reservation {0} -> {1} ({2})" -f $mac, $address, $name)
        Add-DhcpServerv4Reservation -ScopeId $ScopeId -IPAddress $address -ClientId $clientId -Name $name -Description 'homelab'
        $changes++
    }

    if ($changes -eq 0) { return (New-LabResult AlreadyDone ("scope {0} matches the lab spec" -f $ScopeId)) }
    return (New-LabResult Done ("{0} change(s)" -f $changes))
}
