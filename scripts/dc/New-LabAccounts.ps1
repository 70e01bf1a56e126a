<#
.SYNOPSIS
    OUs and the service accounts of the lab: SQL Server service (with its SPNs), SCCM network
    access account (Domain Users only) and SCCM client push account.

.DESCRIPTION
    Get-or-create for every object; a password is set only when the account is created, so a
    re-run never resets one. The SQL service account gets the SPNs MSSQLSvc/<host>:1433 and
    MSSQLSvc/<fqdn>:1433 (setspn -S refuses duplicates across the forest).

.PARAMETER BaseOu
    Name of the lab's top OU under the domain root.

.PARAMETER ChildOu
    OUs under it (servers, workstations, service accounts).

.PARAMETER ServiceAccountOu
    The child OU that holds the service accounts.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$DomainDn,
    [Parameter(Mandatory)][string]$DomainNetbios,
    [Parameter(Mandatory)][string]$BaseOu,
    [Parameter(Mandatory)][string[]]$ChildOu,
    [Parameter(Mandatory)][string]$ServiceAccountOu,
    [Parameter(Mandatory)][string]$SqlServiceAccount,
    [Parameter(Mandatory)][object]$SqlServicePassword,
    [Parameter(Mandatory)][string]$SqlHost,
    [Parameter(Mandatory)][string]$SqlHostFqdn,
    [Parameter(Mandatory)][string]$NetworkAccessAccount,
    [Parameter(Mandatory)][object]$NetworkAccessPassword,
    [Parameter(Mandatory)][string]$ClientPushAccount,
    [Parameter(Mandatory)][object]$ClientPushPassword
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'accounts' -Body {
    $ChildOu = ConvertTo-LabList $ChildOu
    Import-Module ActiveDirectory
    $changes = 0
    $baseDn = 'OU={0},{1}' -f $BaseOu, $DomainDn
    if (-not (Get-ADOrganizationalUnit -Filter "DistinguishedName -eq '$baseDn'")) {
        New-ADOrganizationalUnit -Name $BaseOu -Path $DomainDn -ProtectedFromAccidentalDeletion $false
        Write-LabLog -Message ("OU {0}" -f $baseDn); $changes++
    }
    foreach ($ou in $ChildOu) {
        $dn = 'OU={0},{1}' -f $ou, $baseDn
        if (-not (Get-ADOrganizationalUnit -Filter "DistinguishedName -eq '$dn'")) {
            New-ADOrganizationalUnit -Name $ou -Path $baseDn -ProtectedFromAccidentalDeletion $false
            Write-LabLog -Message ("OU {0}" -f $dn); $changes++
        }
    }
    $accountPath = 'OU={0},{1}' -f $ServiceAccountOu, $baseDn
    $accounts = @(
        @{ Name = $SqlServiceAccount; Secret = $SqlServicePassword; Description = 'SQL Server service' },
        @{ Name = $NetworkAccessAccount; Secret = $NetworkAccessPassword; Description = 'SCCM network access account (Domain Users only)' },
        @{ Name = $ClientPushAccount; Secret = $ClientPushPassword; Description = 'SCCM client push (local administrator on clients)' }
    )
    foreach ($account in $accounts) {
        if (-not (Get-ADUser -Filter "SamAccountName -eq '$($account.Name)'")) {
            New-ADUser -Name $account.Name -SamAccountName $account.Name -Path $accountPath -Description $account.Description `
                -AccountPassword (ConvertTo-LabSecureString -Secret $account.Secret) -Enabled $true -PasswordNeverExpires $true -CannotChangePassword $true
            Write-LabLog -Message ("account {0}\{1}" -f $DomainNetbios, $account.Name); $changes++
        }
    }
    $spns = @(('MSSQLSvc/{0}:1433' -f $SqlHost), ('MSSQLSvc/{0}:1433' -f $SqlHostFqdn))
    $have = @((Get-ADUser -Identity $SqlServiceAccount -Properties servicePrincipalName).servicePrincipalName)
    foreach ($spn in $spns) {
        if ($have -notcontains $spn) {
            & setspn.exe -S $spn ('{0}\{1}' -f $DomainNetbios, $SqlServiceAccount) | Out-Null
            if ($LASTEXITCODE -ne 0) { throw ("setspn -S {0} failed with {1}: another account may hold it (setspn -Q {0})" -f $spn, $LASTEXITCODE) }
            Write-LabLog -Message ("SPN {0}" -f $spn); $changes++
        }
    }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'OUs, accounts and SPNs exist') }
    return (New-LabResult Done ("{0} change(s)" -f $changes))
}
