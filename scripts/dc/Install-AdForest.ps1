<#
.SYNOPSIS
    Installs AD DS and DNS and creates the lab forest on the first domain controller.

.DESCRIPTION
    Probes first: a DC of the named domain exits "already done"; a member of another domain is
    an error. A pending reboot comes first (exit 3010; the phase runs again after it). Otherwise installs the AD-Domain-Services and DNS roles and runs
    Install-ADDSForest without its own reboot, then exits 3010 so that the WinRM client reboots
    the guest and proves the reboot by a changed boot time. The session drops during promotion:
    that is expected.

.PARAMETER DomainName
    DNS name of the forest root domain.

.PARAMETER DomainNetbios
    NetBIOS name of the domain (15 characters at most).

.PARAMETER DsrmPassword
    Directory Services Restore Mode password: a secret parameter, never logged.

.PARAMETER ForestMode
    Forest and domain functional level.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$DomainName,
    [Parameter(Mandatory)][ValidateLength(1, 15)][string]$DomainNetbios,
    [Parameter(Mandatory)][object]$DsrmPassword,
    [string]$ForestMode = 'WinThreshold'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'ad-forest' -Body {
    $cs = Get-CimInstance -ClassName Win32_ComputerSystem
    if ($cs.DomainRole -ge 4) {
        if ($cs.Domain -ieq $DomainName) { return (New-LabResult AlreadyDone ("{0} is a domain controller of {1}" -f $env:COMPUTERNAME, $DomainName)) }
        throw ("{0} is a domain controller of {1}, not {2}: this VM belongs to another lab" -f $env:COMPUTERNAME, $cs.Domain, $DomainName)
    }
    if ($cs.PartOfDomain) { throw ("{0} is a member of {1}: a new forest needs a workgroup server" -f $env:COMPUTERNAME, $cs.Domain) }
    $rebootFirst = Get-LabRebootFirst -Before 'the forest creation'
    if ($rebootFirst) { return $rebootFirst }

    if (-not (Test-LabFeatureInstalled -Name 'AD-Domain-Services', 'DNS')) {
        Write-LabLog -Message 'installing AD-Domain-Services and DNS'
        Install-WindowsFeature -Name 'AD-Domain-Services', 'DNS' -IncludeManagementTools | Out-Null
    }
    Import-Module ADDSDeployment
    Write-LabLog -Message ("creating forest {0} ({1}), level {2}" -f $DomainName, $DomainNetbios, $ForestMode)
    $forest = @{
        DomainName = $DomainName
        DomainNetbiosName = $DomainNetbios
        ForestMode = $ForestMode
        DomainMode = $ForestMode
        InstallDns = $true
        SafeModeAdministratorPassword = (ConvertTo-LabSecureString -Secret $DsrmPassword)
        NoRebootOnCompletion = $true
        Force = $true
    }
    $result = Install-ADDSForest @forest -WarningAction SilentlyContinue
    if ($result -and $result.Status -eq 'Error') { throw ("Install-ADDSForest failed: {0}" -f $result.Message) }
    return (New-LabResult Reboot ("forest {0} created" -f $DomainName))
}
