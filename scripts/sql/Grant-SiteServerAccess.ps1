<#
.SYNOPSIS
    Gives the ConfigMgr site server's computer account what it needs on the SQL host: a SQL
    login in the sysadmin role and, when SQL runs on its own VM, local administrator rights.

.PARAMETER SiteServerAccount
    DOMAIN\COMPUTER$ of the site server.

.PARAMETER LocalAdmin
    'true' to also add the account to the local Administrators group (split SQL only; a co-located site
    server is its own host).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$SiteServerAccount,
    [ValidateSet('true', 'false')][string]$LocalAdmin = 'false',
    [string]$SqlInstance = '.'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

function Invoke-SqlScalar {
    param([string]$Query, [hashtable]$Parameters = @{})
    $connection = New-Object System.Data.SqlClient.SqlConnection ("Server={0};Database=master;Integrated Security=True;Connect Timeout=30" -f $SqlInstance)
    $connection.Open()
    try {
        $command = $connection.CreateCommand()
        $command.CommandText = $Query
        foreach ($key in $Parameters.Keys) { [void]$command.Parameters.AddWithValue($key, $Parameters[$key]) }
        return $command.ExecuteScalar()
    } finally { $connection.Close() }
}

Invoke-LabPhase -Name 'sql-site-server-access' -Body {
    if (-not ($SiteServerAccount -match '^[^\\]+\\[^\\]+\$$')) { throw ("SiteServerAccount '{0}' is not DOMAIN\COMPUTER$" -f $SiteServerAccount) }
    $changes = 0
    $isSysadmin = Invoke-SqlScalar -Query "SELECT IS_SRVROLEMEMBER('sysadmin', @login)" -Parameters @{ '@login' = $SiteServerAccount }
    if ($isSysadmin -ne 1) {
        # Login names cannot be bound as parameters in DDL; QUOTENAME makes the name safe.
        $ddl = "DECLARE @q nvarchar(300) = QUOTENAME(@login); " +
            "IF SUSER_ID(@login) IS NULL EXEC('CREATE LOGIN ' + @q + ' FROM WINDOWS'); " +
            "EXEC('ALTER SERVER ROLE sysadmin ADD MEMBER ' + @q); SELECT 1"
        Invoke-SqlScalar -Query $ddl -Parameters @{ '@login' = $SiteServerAccount } | Out-Null
        Write-LabLog -Message ("{0} is sysadmin" -f $SiteServerAccount); $changes++
    }
    if ($LocalAdmin -eq 'true') {
        $members = @(Get-LocalGroupMember -SID 'S-1-5-32-544' | ForEach-Object { $_.Name })
        if ($members -notcontains $SiteServerAccount) {
            Add-LocalGroupMember -SID 'S-1-5-32-544' -Member $SiteServerAccount
            Write-LabLog -Message ("{0} is a local administrator" -f $SiteServerAccount); $changes++
        }
    }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'the site server has its rights') }
    return (New-LabResult Done ("{0} change(s)" -f $changes))
}
