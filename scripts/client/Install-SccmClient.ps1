<#
.SYNOPSIS
    The ConfigMgr client on a domain-joined workstation: ccmsetup.exe /mp:<site server FQDN>
    SMSSITECODE=<code> from the site server's SMS_<code>\Client share, then verification that
    CcmExec runs and the client registered with its site. Retries the install once.

.DESCRIPTION
    Before installing, adds the given domain accounts (the client push account) to the local
    Administrators group and opens the firewall groups that client push and remote tools use.
    The share is opened with an explicit credential because a WinRM session cannot pass its own
    on to a second computer.

.PARAMETER SiteServer
    Host name of the site server (the share's server).

.PARAMETER ManagementPoint
    FQDN of the management point (the site server).

.PARAMETER ShareUser
    DOMAIN\user allowed to read the client share.

.PARAMETER SharePassword
    Its password: a secret parameter.

.PARAMETER LocalAdministrator
    DOMAIN\user entries to add to the local Administrators group.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$SiteCode,
    [Parameter(Mandatory)][string]$SiteServer,
    [Parameter(Mandatory)][string]$ManagementPoint,
    [Parameter(Mandatory)][string]$ShareUser,
    [Parameter(Mandatory)][object]$SharePassword,
    [string[]]$LocalAdministrator = @(),
    [string]$WorkDirectory = 'C:\Lab\ccmsetup',
    [int]$TimeoutSeconds = 1800
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

function Test-ClientRegistered {
    if (-not (Test-LabServiceRunning -Name 'CcmExec')) { return $false }
    $authority = Get-CimInstance -Namespace 'root\ccm' -ClassName SMS_Authority -ErrorAction SilentlyContinue | Where-Object { $_.Name -eq ("SMS:{0}" -f $SiteCode) }
    $client = Get-CimInstance -Namespace 'root\ccm' -ClassName CCM_Client -ErrorAction SilentlyContinue
    $log = Join-Path $env:windir 'CCM\Logs\ClientIDManagerStartup.log'
    $registered = (Test-Path -LiteralPath $log) -and (Select-String -LiteralPath $log -Pattern 'Client is registered' -Quiet)
    return ($null -ne $authority -and $null -ne $client -and $client.ClientId -and $registered)
}

function Install-Client {
    $credential = ConvertTo-LabCredential -UserName $ShareUser -Secret $SharePassword
    $share = '\\{0}\SMS_{1}\Client' -f $SiteServer, $SiteCode
    New-PSDrive -Name LabClientShare -PSProvider FileSystem -Root $share -Credential $credential | Out-Null
    try {
        Write-LabLog -Message ("copying the client from {0}" -f $share)
        New-Item -ItemType Directory -Path $WorkDirectory -Force | Out-Null
        Copy-Item -Path 'LabClientShare:\*' -Destination $WorkDirectory -Recurse -Force
    } finally {
        Remove-PSDrive -Name LabClientShare
    }
    $ccmsetup = Join-Path $WorkDirectory 'ccmsetup.exe'
    Invoke-LabProcess -FilePath $ccmsetup -ArgumentList ("/mp:{0}" -f $ManagementPoint), ("SMSSITECODE={0}" -f $SiteCode), ("SMSMP={0}" -f $ManagementPoint) `
        -InstallerLog (Join-Path $env:windir 'ccmsetup\Logs\ccmsetup.log') | Out-Null
    # ccmsetup.exe hands over to the ccmsetup service and returns: wait for that service to finish.
    Wait-LabCondition -Description 'ccmsetup to finish' -TimeoutSeconds $TimeoutSeconds -IntervalSeconds 20 -Condition {
        -not (Get-Process -Name ccmsetup -ErrorAction SilentlyContinue)
    }
    Wait-LabCondition -Description ("client registration with site {0}" -f $SiteCode) -TimeoutSeconds $TimeoutSeconds -IntervalSeconds 30 -Condition {
        Test-ClientRegistered
    }
}

Invoke-LabPhase -Name 'sccm-client' -Body {
    $LocalAdministrator = ConvertTo-LabList $LocalAdministrator
    $members = @(Get-LocalGroupMember -SID 'S-1-5-32-544' | ForEach-Object { $_.Name })
    foreach ($account in $LocalAdministrator) {
        if ($members -notcontains $account) {
            Add-LocalGroupMember -SID 'S-1-5-32-544' -Member $account
            Write-LabLog -Message ("{0} is a local administrator" -f $account)
        }
    }
    # File and Printer Sharing, Windows Management Instrumentation (resource names, language independent).
    foreach ($group in '@FirewallAPI.dll,-28502', '@FirewallAPI.dll,-34251') {
        Get-NetFirewallRule -Group $group -ErrorAction SilentlyContinue | Where-Object { $_.Enabled -ne 'True' } | Enable-NetFirewallRule
    }
    if (Test-ClientRegistered) { return (New-LabResult AlreadyDone ("the client is registered with {0}" -f $SiteCode)) }
    for ($attempt = 1; $attempt -le 2; $attempt++) {
        try {
            Install-Client
            return (New-LabResult Done ("the client is registered with {0}" -f $SiteCode))
        } catch {
            if ($attempt -eq 2) { throw }
            Write-LabLog -Level WARN -Message ("attempt {0} failed: {1}; retrying once (first enrolment often needs it)" -f $attempt, $_.Exception.Message)
        }
    }
}
