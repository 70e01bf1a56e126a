<#
.SYNOPSIS
    Site configuration after setup, as the domain admin through the runner: a boundary per lab
    subnet in one boundary group assigned to the site, Active Directory System Discovery of the
    domain, the network access and client push accounts, and the lab's domain admins as Full
    Administrators. Ends when the management point answers, so clients can enrol.

.DESCRIPTION
    The ConfigMgr cmdlets run through the runner as the domain admin: the WinRM user is a local
    administrator with no ConfigMgr rights, and the SMS Provider answers a caller only with what
    that caller may see (Microsoft Learn, ConfigMgr "Fundamentals of role-based
    administration"). The block waits for the SMS Provider, then loads the ConfigurationManager
    module (its path moved in 2509 and SMS_ADMIN_UI_PATH can be empty, so it is looked up from the
    console's install folder). Automatic client push stays off: clients get ccmsetup from their
    own phase. The passwords of the two accounts reach the block over the runner's pipe.

    Last, the phase waits until http://<site server>/SMS_MP/.sms_aut?mplist answers with an
    MPList: the client phases start only after it.

.PARAMETER BoundaryRange
    Entries "NAME|FIRST-LAST" of IP range boundaries.

.PARAMETER NetworkAccessAccount
    DOMAIN\user of the network access account.

.PARAMETER ClientPushAccount
    DOMAIN\user of the client push account.

.PARAMETER FullAdministrator
    DOMAIN\group (or user) made a Full Administrator of the site, e.g. the lab's Domain Admins.

.PARAMETER InstallUser
    DOMAIN\user the cmdlets run as (the domain admin that installed the site).

.PARAMETER InstallPassword
    Its password: a secret parameter, given to the Task Scheduler only.
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
    [Parameter(Mandatory)][object]$ClientPushPassword,
    [Parameter(Mandatory)][string]$FullAdministrator,
    [Parameter(Mandatory)][string]$InstallUser,
    [Parameter(Mandatory)][object]$InstallPassword,
    [ValidatePattern('^[0-9]+$')][string]$TimeoutSeconds = '3600'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Runner.psm1') -Force

# Runs in the runner's task, as the domain admin, in a fresh Windows PowerShell: no lab module is loaded there, so it
# reports through its output (one line each) and ends with "LAB-CHANGES <n>".
$siteSettings = {
    param(
        [string]$SiteCode, [string]$SiteServerFqdn, [string[]]$BoundaryRange, [string]$BoundaryGroup, [string]$DomainDn,
        [string]$NetworkAccessAccount, [securestring]$NetworkAccessPassword, [string]$ClientPushAccount, [securestring]$ClientPushPassword,
        [string]$FullAdministrator
    )
    $deadline = (Get-Date).AddMinutes(20)
    while ($true) {
        # Local WMI (no -ComputerName: no WS-Man hop back into this machine).
        $site = Get-CimInstance -Namespace ("ROOT\SMS\site_{0}" -f $SiteCode) -ClassName SMS_Site -ErrorAction SilentlyContinue | Where-Object { $_.SiteCode -eq $SiteCode }
        if ($site) { break }
        if ((Get-Date) -ge $deadline) { throw ("the SMS Provider did not answer with SMS_Site {0} within 20 min: read SMSProv.log in the site's Logs folder" -f $SiteCode) }
        Write-Output ("waiting for the SMS Provider (SMS_Site {0})" -f $SiteCode)
        Start-Sleep -Seconds 20
    }
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
    if (-not (Get-PSDrive -Name $SiteCode -ErrorAction SilentlyContinue)) { New-PSDrive -Name $SiteCode -PSProvider CMSite -Root $SiteServerFqdn | Out-Null }
    Push-Location ("{0}:" -f $SiteCode)
    try {
        $changes = 0
        # Role, scope and collections by name (Microsoft Learn, ConfigurationManager module, New-CMAdministrativeUser).
        if (-not (Get-CMAdministrativeUser -Name $FullAdministrator)) {
            New-CMAdministrativeUser -Name $FullAdministrator -RoleName 'Full Administrator' -SecurityScopeName 'All' -CollectionName 'All Systems', 'All Users and User Groups' | Out-Null
            Write-Output ("{0} is a Full Administrator" -f $FullAdministrator); $changes++
        }
        if (-not (Get-CMBoundaryGroup -Name $BoundaryGroup)) {
            New-CMBoundaryGroup -Name $BoundaryGroup -DefaultSiteCode $SiteCode -AddSiteSystemServerName $SiteServerFqdn | Out-Null
            Write-Output ("boundary group {0}" -f $BoundaryGroup); $changes++
        }
        foreach ($entry in $BoundaryRange) {
            $name, $range = $entry -split '\|'
            $boundary = Get-CMBoundary -BoundaryName $name
            if (-not $boundary) {
                $boundary = New-CMBoundary -Type IPRange -Name $name -Value $range
                Write-Output ("boundary {0} {1}" -f $name, $range); $changes++
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
            Set-CMDiscoveryMethod -ActiveDirectorySystemDiscovery -SiteCode $SiteCode -Enabled $true -EnableDeltaDiscovery $true -AddActiveDirectoryContainer $ldap -Recursive | Out-Null
            Invoke-CMSystemDiscovery -SiteCode $SiteCode
            Write-Output ("AD System Discovery of {0}" -f $ldap); $changes++
        }

        foreach ($account in @(@{ Name = $NetworkAccessAccount; Secret = $NetworkAccessPassword }, @{ Name = $ClientPushAccount; Secret = $ClientPushPassword })) {
            if (-not (Get-CMAccount -UserName $account.Name)) {
                New-CMAccount -UserName $account.Name -Password $account.Secret -SiteCode $SiteCode | Out-Null
                Write-Output ("account {0}" -f $account.Name); $changes++
            }
        }
        # The network access accounts are the PropLists entry "Network Access User Names" of the software
        # distribution component, not one of its Props (Microsoft Learn, "SMS_SCI_Component Server WMI Class": PropLists
        # holds SMS_EmbeddedPropertyList items with PropertyListName and Values).
        $component = Get-CMSoftwareDistributionComponent -SiteCode $SiteCode
        $naa = @($component.PropLists | Where-Object { $_.PropertyListName -eq 'Network Access User Names' } | ForEach-Object { $_.Values })
        if ($naa -notcontains $NetworkAccessAccount) {
            Set-CMSoftwareDistributionComponent -SiteCode $SiteCode -AddNetworkAccessAccountName $NetworkAccessAccount
            Write-Output ("network access account {0}" -f $NetworkAccessAccount); $changes++
        }
        Set-CMClientPushInstallation -SiteCode $SiteCode -EnableAutomaticClientPushInstallation $false -ChosenAccount $ClientPushAccount `
            -InstallationProperty ("SMSSITECODE={0} /mp:{1}" -f $SiteCode, $SiteServerFqdn) | Out-Null
        Write-Output ("LAB-CHANGES {0}" -f $changes)
    } finally {
        Pop-Location
    }
}

Invoke-LabPhase -Name 'sccm-site-settings' -Body {
    $BoundaryRange = ConvertTo-LabList $BoundaryRange
    Wait-LabCondition -Description ("site {0} (SMS_EXECUTIVE)" -f $SiteCode) -TimeoutSeconds 1200 -IntervalSeconds 20 -Condition { Test-LabSccmSite -SiteCode $SiteCode }
    $credential = ConvertTo-LabCredential -UserName $InstallUser -Secret $InstallPassword
    $arguments = @{
        SiteCode = $SiteCode; SiteServerFqdn = $SiteServerFqdn; BoundaryRange = $BoundaryRange; BoundaryGroup = $BoundaryGroup; DomainDn = $DomainDn
        NetworkAccessAccount = $NetworkAccessAccount; ClientPushAccount = $ClientPushAccount; FullAdministrator = $FullAdministrator
    }
    $secrets = @{ NetworkAccessPassword = $NetworkAccessPassword; ClientPushPassword = $ClientPushPassword }
    $run = Invoke-LabRunner -Name 'sccm-site-settings' -Credential $credential -ScriptBlock $siteSettings -Argument $arguments -Secret $secrets -TimeoutSeconds $TimeoutSeconds
    if ($run.ExitCode -ne 0) { throw ("the ConfigMgr cmdlets failed as {0} (exit {1}): the ERROR line above says why" -f $InstallUser, $run.ExitCode) }
    $marker = @($run.Output | Where-Object { $_ -match '^LAB-CHANGES \d+$' }) | Select-Object -Last 1
    if ($null -eq $marker) { throw 'the ConfigMgr block ended without its LAB-CHANGES line: read the lines above' }
    $changes = [int]($marker -replace '^LAB-CHANGES ', '')

    Wait-LabCondition -Description ("the management point (http://{0}/SMS_MP/.sms_aut?mplist)" -f $SiteServerFqdn) -TimeoutSeconds 1800 -IntervalSeconds 30 -Condition {
        Test-LabManagementPoint -Server $SiteServerFqdn
    }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'boundaries, discovery, accounts and administrators are set; the MP answers') }
    return (New-LabResult Done ("{0} change(s); the MP answers" -f $changes))
}
