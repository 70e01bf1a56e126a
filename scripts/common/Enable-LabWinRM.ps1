<#
.SYNOPSIS
    Makes a freshly installed Windows guest reachable from the lab host over WinRM. Run once, by
    hand, in an elevated Windows PowerShell inside the VM, after the manual Windows install.

.DESCRIPTION
    Turns every network profile Private (WinRM refuses Public profiles), enables PowerShell
    remoting, opens TCP 5985 (and 5986 with -EnableHttps) for any profile, keeps NTLM on, sets
    LocalAccountTokenFilterPolicy so that a local administrator logging on over the network gets
    a full token, and raises MaxEnvelopeSizekb. Basic authentication and unencrypted HTTP stay off
    unless the switches ask for them (the host's default transport, NTLM with sealing, needs
    neither). Idempotent: a second run changes nothing and says "already done".

.PARAMETER AllowBasic
    Enables Basic authentication (for the basic and basic-https transports).

.PARAMETER AllowUnencrypted
    Allows unencrypted HTTP (only the basic transport needs it; lab use only).

.PARAMETER EnableHttps
    Creates a self-signed certificate for this computer's name and an HTTPS listener on 5986.

.PARAMETER EnableBuiltInAdministrator
    Enables the built-in Administrator (RID 500), which every clean Windows 11 install leaves
    disabled (Microsoft Learn, "Built-in Administrator account"), and sets its password from
    -AdministratorPassword or a prompt: the host's WinRM user (homelab:winrmUser, default
    Administrator) must be able to log on. Use the stack's homelab:adminPassword.

.PARAMETER AdministratorPassword
    The password for -EnableBuiltInAdministrator; prompted for when absent. Never logged.

.PARAMETER MaxEnvelopeSizeKb
    WS-Management envelope limit; the default 500 KB is too small for large outputs.

.EXAMPLE
    Set-ExecutionPolicy -Scope Process Bypass; .\Enable-LabWinRM.ps1
#>
[CmdletBinding()]
param(
    [switch]$AllowBasic,
    [switch]$AllowUnencrypted,
    [switch]$EnableHttps,
    [switch]$EnableBuiltInAdministrator,
    [securestring]$AdministratorPassword = $null,
    [ValidateRange(500, 65536)][int]$MaxEnvelopeSizeKb = 8192
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force

Invoke-LabPhase -Name 'enable-winrm' -Body {
    $changed = @()

    foreach ($lanProfile in @(Get-NetConnectionProfile | Where-Object { $_.NetworkCategory -eq 'Public' })) {
        Set-NetConnectionProfile -InterfaceIndex $lanProfile.InterfaceIndex -NetworkCategory Private
        $changed += ("profile of {0} -> Private" -f $lanProfile.InterfaceAlias)
    }

    $builtIn = Get-LocalUser | Where-Object { $_.SID.Value -match '-500$' } | Select-Object -First 1
    if ($null -ne $builtIn -and -not $builtIn.Enabled) {
        if ($EnableBuiltInAdministrator) {
            $prompt = "password for {0} (the stack's homelab:adminPassword)" -f $builtIn.Name
            if ($null -eq $AdministratorPassword) { $AdministratorPassword = Read-Host -AsSecureString -Prompt $prompt }
            Set-LocalUser -InputObject $builtIn -Password $AdministratorPassword -PasswordNeverExpires $true
            Enable-LocalUser -InputObject $builtIn
            $changed += ("{0} (RID 500) enabled" -f $builtIn.Name)
        } else {
            Write-LabLog -Level WARN -Message ("the built-in {0} is disabled (a clean Windows 11 install leaves it so): the host cannot log on as it; run again with -EnableBuiltInAdministrator" -f $builtIn.Name)
        }
    }

    if (-not (Test-LabServiceRunning -Name 'WinRM') -or -not (Get-ChildItem WSMan:\localhost\Listener -ErrorAction SilentlyContinue)) {
        Enable-PSRemoting -Force -SkipNetworkProfileCheck | Out-Null
        $changed += 'PowerShell remoting enabled'
    }
    Set-Service -Name WinRM -StartupType Automatic

    $settings = @{
        'WSMan:\localhost\Service\Auth\Negotiate' = $true
        'WSMan:\localhost\Service\Auth\Basic' = [bool]$AllowBasic
        'WSMan:\localhost\Service\AllowUnencrypted' = [bool]$AllowUnencrypted
        'WSMan:\localhost\MaxEnvelopeSizekb' = $MaxEnvelopeSizeKb
    }
    foreach ($path in $settings.Keys) {
        $current = (Get-Item -Path $path).Value
        if ([string]$current -ne [string]$settings[$path]) {
            Set-Item -Path $path -Value $settings[$path] -Force
            $changed += ("{0} = {1}" -f $path, $settings[$path])
        }
    }

    $policyKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System'
    $policy = Get-ItemProperty -Path $policyKey -Name LocalAccountTokenFilterPolicy -ErrorAction SilentlyContinue
    if ($null -eq $policy -or $policy.LocalAccountTokenFilterPolicy -ne 1) {
        New-ItemProperty -Path $policyKey -Name LocalAccountTokenFilterPolicy -PropertyType DWord -Value 1 -Force | Out-Null
        $changed += 'LocalAccountTokenFilterPolicy = 1'
    }

    $ports = @(5985)
    if ($EnableHttps) { $ports += 5986 }
    foreach ($port in $ports) {
        $ruleName = "Homelab WinRM TCP $port"
        if (-not (Get-NetFirewallRule -Name $ruleName -ErrorAction SilentlyContinue)) {
            New-NetFirewallRule -Name $ruleName -DisplayName $ruleName -Direction Inbound -Protocol TCP -LocalPort $port -Action Allow -Profile Any | Out-Null
            $changed += "firewall rule for TCP $port"
        }
    }

    if ($EnableHttps) {
        $httpsListener = Get-ChildItem WSMan:\localhost\Listener | Where-Object { $_.Keys -contains 'Transport=HTTPS' }
        if (-not $httpsListener) {
            $dnsName = [System.Net.Dns]::GetHostEntry('').HostName
            $cert = New-SelfSignedCertificate -DnsName $dnsName, $env:COMPUTERNAME -CertStoreLocation Cert:\LocalMachine\My
            New-Item -Path WSMan:\localhost\Listener -Transport HTTPS -Address * -CertificateThumbPrint $cert.Thumbprint -Force | Out-Null
            Write-LabLog -Message ("HTTPS listener with certificate {0}; pin this thumbprint on the host" -f $cert.Thumbprint)
            $changed += 'HTTPS listener'
        }
    }

    if ($changed.Count -eq 0) { return (New-LabResult AlreadyDone 'WinRM is configured') }
    Restart-Service -Name WinRM
    foreach ($change in $changed) { Write-LabLog -Message $change }
    return (New-LabResult Done ("{0} change(s)" -f $changed.Count))
}
