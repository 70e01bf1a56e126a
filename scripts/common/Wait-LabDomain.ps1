<#
.SYNOPSIS
    Waits (bounded) until the domain answers: the DC locator record resolves, a DC is found, and
    on a domain controller Active Directory Web Services answer Get-ADDomain.

.DESCRIPTION
    Used after the forest's reboot (AD DS takes minutes to finish its first start) and before
    anything that reads or writes the directory.

.PARAMETER DomainName
    DNS name of the domain.

.PARAMETER TimeoutSeconds
    Upper bound of the wait; the failure names what was awaited and the last error.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$DomainName,
    [int]$TimeoutSeconds = 1200
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'wait-domain' -Body {
    Wait-LabCondition -Description ("the DC locator record of {0}" -f $DomainName) -TimeoutSeconds $TimeoutSeconds -Condition {
        $null -ne (Resolve-DnsName -Name ("_ldap._tcp.dc._msdcs.{0}" -f $DomainName) -Type SRV -DnsOnly -ErrorAction Stop)
    }
    Wait-LabCondition -Description ("a domain controller of {0} (nltest /dsgetdc)" -f $DomainName) -TimeoutSeconds $TimeoutSeconds -Condition {
        & nltest.exe ("/dsgetdc:{0}" -f $DomainName) | Out-Null
        $LASTEXITCODE -eq 0
    }
    $isDc = (Get-CimInstance -ClassName Win32_ComputerSystem).DomainRole -ge 4
    if ($isDc) {
        Wait-LabCondition -Description 'Active Directory Web Services (Get-ADDomain)' -TimeoutSeconds $TimeoutSeconds -Condition {
            (Test-LabServiceRunning -Name 'ADWS') -and ($null -ne (Get-ADDomain -Server $env:COMPUTERNAME))
        }
    }
    return (New-LabResult Done ("{0} answers" -f $DomainName))
}
