<#
.SYNOPSIS
    Site configuration after setup: a boundary per lab subnet in one boundary group assigned to
    the site, Active Directory System Discovery of the domain, the network access account and
    the client push account.

.DESCRIPTION
    Waits for SMS_EXECUTIVE and the SMS Provider, then loads the ConfigurationManager module
    (its path moved in 2509 and SMS_ADMIN_UI_PATH is often empty in remote sessions, so it is
    looked up from the console's install folder). Automatic client push stays off: clients get
    ccmsetup from their own phase.

.PARAMETER BoundaryRange
    Entries "NAME|FIRST-LAST" of IP range boundaries.

.PARAMETER NetworkAccessAccount
    DOMAIN\user of the network access account.

.PARAMETER ClientPushAccount
    DOMAIN\user of the client push account.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$SiteCode,
    [Parameter(Mandatory)][string]$SiteServerFqdn,
    [Parameter(Mandatory)][string[]]$BoundaryRange,
    [Parameter(Mandatory)][string]$BoundaryGroup,
    [Parameter(Mandatory)][string]$DomainDn,
    [Parameter(Mandatory)][string]$NetworkAccessAccount,
    [Parameter(Mandatory)][object]$NetworkAccessPassword,
    [Parameter(Mandatory)][string]$ClientPushAccount,
    [Parameter(Mandatory)][object]$ClientPushPassword
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

function Import-ConfigMgrModule {
    $uiDir = (Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\SMS\Setup' -Name 'UI Installation Directory' -ErrorAction SilentlyContinue).'UI Installation Directory'
    $candidates = @()
    if ($env:SMS_ADMIN_UI_PATH) { $candidates += (Join-Path (Split-Path -Parent $env:SMS_ADMIN_UI_PATH) 'ConfigurationManager.psd1') }
    if ($uiDir) {
        $candidates += (Join-Path $uiDir 'bin\ConfigurationManager\ConfigurationManager.psd1')
        $candidates += (Join-Path $uiDir 'bin\ConfigurationManager.psd1')
    }
    $module = $candidates | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
    if (-not $module) { throw ("the ConfigurationManager module is not in {0}: is the console installed (AdminConsole=1)?" -f ($candidates -join '; ')) }
    Import-Module $module
}

Invoke-LabPhase -Name 'sccm-site-settings' -Body {
    $BoundaryRange = ConvertTo-LabList $BoundaryRange
    Wait-LabCondition -Description 'the SMS_EXECUTIVE service' -TimeoutSeconds 1200 -IntervalSeconds 20 -Condition { Test-LabServiceRunning -Name 'SMS_EXECUTIVE' }
    Wait-LabCondition -Description ("the SMS Provider (SMS_Site {0})" -f $SiteCode) -TimeoutSeconds 1200 -IntervalSeconds 20 -Condition { Test-LabSccmSite -SiteCode $SiteCode }
    Import-ConfigMgrModule
    if (-not (Get-PSDrive -Name $SiteCode -ErrorAction SilentlyContinue)) {
        New-PSDrive -Name $SiteCode -PSProvider CMSite -Root $SiteServerFqdn | Out-Null
    }
    Push-Location ("{0}:" -f $SiteCode)
    try {
        $changes = 0
        if (-not (Get-CMBoundaryGroup -Name $BoundaryGroup)) {
            New-CMBoundaryGroup -Name $BoundaryGroup -DefaultSiteCode $SiteCode -AddSiteSystemServerName $SiteServerFqdn | Out-Null
            Write-LabLog -Message ("boundary group {0}" -f $BoundaryGroup); $changes++
        }
        foreach ($entry in $BoundaryRange) {
            $name, $range = $entry -split '\|'
            $boundary = Get-CMBoundary -BoundaryName $name
            if (-not $boundary) {
                $boundary = New-CMBoundary -Type IPRange -Name $name -Value $range
                Write-LabLog -Message ("boundary {0} {1}" -f $name, $range); $changes++
            }
            $members = @(Get-CMBoundary -BoundaryGroupName $BoundaryGroup | ForEach-Object { $_.BoundaryID })
            if ($members -notcontains $boundary.BoundaryID) {
                Add-CMBoundaryToGroup -BoundaryId $boundary.BoundaryID -BoundaryGroupName $BoundaryGroup
                $changes++
            }
        }

        $ldap = 'LDAP://{0}' -f $DomainDn
        $discovery = Get-CMDiscoveryMethod -Name ActiveDirectorySystemDiscovery -SiteCode $SiteCode
        # The containers live in the component's 'AD Containers' property list (path, recursion, group flags).
        $containers = @($discovery.PropLists | Where-Object { $_.PropertyListName -eq 'AD Containers' } | ForEach-Object { $_.Values })
        if ($containers -notcontains $ldap) {
            Set-CMDiscoveryMethod -ActiveDirectorySystemDiscovery -SiteCode $SiteCode -Enabled $true -EnableDeltaDiscovery $true `
                -AddActiveDirectoryContainer $ldap -Recursive | Out-Null
            Invoke-CMSystemDiscovery -SiteCode $SiteCode
            Write-LabLog -Message ("AD System Discovery of {0}" -f $ldap); $changes++
        }

        foreach ($account in @(@{ Name = $NetworkAccessAccount; Secret = $NetworkAccessPassword }, @{ Name = $ClientPushAccount; Secret = $ClientPushPassword })) {
            if (-not (Get-CMAccount -UserName $account.Name)) {
                New-CMAccount -UserName $account.Name -Password (ConvertTo-LabSecureString -Secret $account.Secret) -SiteCode $SiteCode | Out-Null
                Write-LabLog -Message ("account {0}" -f $account.Name); $changes++
            }
        }
        $naa = (Get-CMSoftwareDistributionComponent -SiteCode $SiteCode).Props | Where-Object { $_.PropertyName -eq 'Network Access User Names' }
        if (-not ($naa -and ($naa.Values -contains $NetworkAccessAccount))) {
            Set-CMSoftwareDistributionComponent -SiteCode $SiteCode -AddNetworkAccessAccountName $NetworkAccessAccount
            Write-LabLog -Message ("network access account {0}" -f $NetworkAccessAccount); $changes++
        }
        Set-CMClientPushInstallation -SiteCode $SiteCode -EnableAutomaticClientPushInstallation $false -ChosenAccount $ClientPushAccount `
            -InstallationProperty ("SMSSITECODE={0} /mp:{1}" -f $SiteCode, $SiteServerFqdn) | Out-Null
        if ($changes -eq 0) { return (New-LabResult AlreadyDone 'boundaries, discovery and accounts are set') }
        return (New-LabResult Done ("{0} change(s)" -f $changes))
    } finally {
        Pop-Location
    }
}
