<#
.SYNOPSIS
    Joins the computer to the lab domain (members: SQL host, site server, clients).

.DESCRIPTION
    Waits (bounded) until the domain's DC locator record resolves through the DNS servers the
    network phase set, then joins with the domain administrator's credential, retrying once
    (a first join right after the DC came up often fails). Exits 3010: the join takes effect
    after a reboot, which the WinRM client performs and waits out. A join that waits for that
    reboot is not "done": Win32_ComputerSystem.PartOfDomain is true right after Add-Computer, so
    the probe also checks that no join is pending (Netlogon's JoinDomain key) and exits 3010
    again when one is.

.PARAMETER DomainName
    DNS name of the domain, e.g. corp.example.test.

.PARAMETER JoinUser
    Account allowed to join computers, as DOMAIN\user.

.PARAMETER JoinPassword
    Its password: a secret parameter (the phase runner passes it from an environment variable
    on the host; by hand, omit it and type it at the prompt). Never logged.

.PARAMETER OuPath
    Distinguished name of the OU for the computer account; empty for the default container.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$DomainName,
    [Parameter(Mandatory)][string]$JoinUser,
    [Parameter(Mandatory)][object]$JoinPassword,
    [string]$OuPath = '',
    [int]$TimeoutSeconds = 900
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'join-domain' -Body {
    if (Test-LabDomainJoined -DomainName $DomainName) { return (New-LabResult AlreadyDone ("member of {0}" -f $DomainName)) }
    $cs = Get-CimInstance -ClassName Win32_ComputerSystem
    if ($cs.PartOfDomain -and $cs.Domain -ieq $DomainName -and (Test-LabJoinPending)) {
        return (New-LabResult Reboot ("the join to {0} waits for its restart" -f $DomainName))
    }
    $credential = ConvertTo-LabCredential -UserName $JoinUser -Secret $JoinPassword
    Wait-LabCondition -Description ("the DC locator record of {0} in DNS" -f $DomainName) -TimeoutSeconds $TimeoutSeconds -Condition {
        $null -ne (Resolve-DnsName -Name ("_ldap._tcp.dc._msdcs.{0}" -f $DomainName) -Type SRV -DnsOnly -ErrorAction Stop)
    }
    $join = @{ DomainName = $DomainName; Credential = $credential; Force = $true }
    if ($OuPath) { $join.OUPath = $OuPath }
    for ($attempt = 1; $attempt -le 2; $attempt++) {
        try {
            Add-Computer @join
            return (New-LabResult Reboot ("joined {0}" -f $DomainName))
        } catch {
            if ($attempt -eq 2) { throw }
            Write-LabLog -Level WARN -Message ("join attempt {0} failed: {1}; retrying in 30 s" -f $attempt, $_.Exception.Message)
            Start-Sleep -Seconds 30
        }
    }
}
