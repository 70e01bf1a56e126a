<#
.SYNOPSIS
    Gives the ConfigMgr site server's computer account what it needs on the SQL host: a SQL
    login in the sysadmin role and, when SQL runs on its own VM, local administrator rights.

.PARAMETER SiteServerAccount
    DOMAIN\COMPUTER$ of the site server.

.PARAMETER LocalAdmin
    'true' to also add the account to the local Administrators group (split SQL only; a co-located site
    server is its own host).

.PARAMETER RemoteSiteServer
    'true' when the site server is another VM: the site install then reaches this host over SMB
    (TCP 445), the RPC endpoint mapper (TCP 135) and dynamic RPC, and reads its registry through
    the Remote Registry service (Microsoft Learn, ConfigMgr "Ports used in Configuration
    Manager", Site server -> SQL Server; "List of prerequisite checks", site database server).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$SiteServerAccount,
    [ValidateSet('true', 'false')][string]$LocalAdmin = 'false',
    [ValidateSet('true', 'false')][string]$RemoteSiteServer = 'false',
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

function Open-RemoteSiteServerAccess {
    $changes = 0
    # New-NetFirewallRule -LocalPort takes the keywords RPCEPMap (endpoint mapper, TCP 135) and RPC (the dynamic range)
    # (Microsoft Learn, New-NetFirewallRule, -LocalPort).
    $rules = @(
        @{ Name = 'Homelab SMB TCP 445'; Port = '445' },
        @{ Name = 'Homelab RPC endpoint mapper'; Port = 'RPCEPMap' },
        @{ Name = 'Homelab RPC dynamic'; Port = 'RPC' }
    )
    foreach ($rule in $rules) {
        if (-not (Get-NetFirewallRule -Name $rule.Name -ErrorAction SilentlyContinue)) {
            New-NetFirewallRule -Name $rule.Name -DisplayName $rule.Name -Direction Inbound -Protocol TCP -LocalPort $rule.Port -Action Allow -Profile 'Domain', 'Private' | Out-Null
            Write-LabLog -Message ("firewall rule {0}" -f $rule.Name); $changes++
        }
    }
    $remoteRegistry = Get-Service -Name 'RemoteRegistry'
    if ($remoteRegistry.StartType -ne 'Automatic') { Set-Service -Name 'RemoteRegistry' -StartupType Automatic; $changes++ }
    if ($remoteRegistry.Status -ne 'Running') {
        Start-Service -Name 'RemoteRegistry'
        Write-LabLog -Message 'Remote Registry runs'; $changes++
    }
    return $changes
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
    if ($RemoteSiteServer -eq 'true') { $changes += Open-RemoteSiteServerAccess }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'the site server has its rights') }
    return (New-LabResult Done ("{0} change(s)" -f $changes))
}
