<#
.SYNOPSIS
    The CN=System Management container under CN=System (get-or-create), with full control for
    the site server's computer account on the container and all its descendants.

.DESCRIPTION
    ConfigMgr publishes its site information there. The site server must have joined the domain
    first (its computer account is the trustee).

.PARAMETER SiteServer
    The site server's computer name (its sAMAccountName without the trailing $).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$DomainDn,
    [Parameter(Mandatory)][string]$SiteServer
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'system-management' -Body {
    Import-Module ActiveDirectory
    $changes = 0
    $systemDn = 'CN=System,{0}' -f $DomainDn
    $containerDn = 'CN=System Management,{0}' -f $systemDn
    if (-not (Get-ADObject -Filter "DistinguishedName -eq '$containerDn'")) {
        New-ADObject -Name 'System Management' -Type Container -Path $systemDn
        Write-LabLog -Message ("created {0}" -f $containerDn); $changes++
    }
    # -Identity throws on a missing object whatever -ErrorAction says (ADIdentityNotFoundException is terminating); a filter returns nothing.
    $computer = Get-ADComputer -Filter ("SamAccountName -eq '{0}$'" -f $SiteServer)
    if ($null -eq $computer) { throw ("no computer account {0}: the site server joins the domain before this phase" -f $SiteServer) }
    $sid = [System.Security.Principal.SecurityIdentifier]$computer.SID
    $acl = Get-Acl -Path ("AD:\{0}" -f $containerDn)
    $granted = $acl.Access | Where-Object {
        $_.IdentityReference.Translate([System.Security.Principal.SecurityIdentifier]) -eq $sid -and
        $_.ActiveDirectoryRights -eq 'GenericAll' -and $_.AccessControlType -eq 'Allow' -and $_.InheritanceType -eq 'All'
    }
    if (-not $granted) {
        $rule = New-Object System.DirectoryServices.ActiveDirectoryAccessRule ($sid, 'GenericAll', 'Allow', 'All')
        $acl.AddAccessRule($rule)
        Set-Acl -Path ("AD:\{0}" -f $containerDn) -AclObject $acl
        Write-LabLog -Message ("full control for {0}$ on {1} and descendants" -f $SiteServer, $containerDn); $changes++
    }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'container and permission exist') }
    return (New-LabResult Done ("{0} change(s)" -f $changes))
}
