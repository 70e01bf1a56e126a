<#
.SYNOPSIS
    Site server prerequisites: .NET 3.5 from the Windows media's sources\sxs, BITS, RDC, IIS with
    the features ConfigMgr's management and distribution points need, VC++ x64 and x86, and ODBC
    Driver 18 for SQL Server (pinned to a version prefix).

.DESCRIPTION
    Automatic Windows Update is turned off first (an update installing during ConfigMgr setup
    leaves a pending restart, which setup's prerequisite check refuses), so NET-Framework-Core
    installs from the attached Windows install ISO (the drive that has sources\sxs). Installers
    come from the lab media drive and run as the domain admin through the runner. Exits 3010
    when a feature or installer asks for a reboot; the phase then runs again after it.

.PARAMETER Feature
    Windows features to install besides NET-Framework-Core.

.PARAMETER InstallUser
    DOMAIN\user that runs the installers (the domain admin).

.PARAMETER InstallPassword
    Its password: a secret parameter, handed to the Task Scheduler only.

.PARAMETER OdbcVersionPrefix
    The ODBC driver's MSI ProductVersion must start with this (18.6 broke ConfigMgr 2509).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$VcRedistX64Path,
    [Parameter(Mandatory)][string]$VcRedistX86Path,
    [Parameter(Mandatory)][string]$OdbcMsiPath,
    [Parameter(Mandatory)][string]$InstallUser,
    [Parameter(Mandatory)][object]$InstallPassword,
    [ValidatePattern('^[0-9]+$')][string]$TimeoutSeconds = '1800',
    [string]$OdbcVersionPrefix = '18.5.',
    [string[]]$Feature = @(
        'BITS', 'BITS-IIS-Ext', 'RDC', 'Web-Server', 'Web-Windows-Auth', 'Web-ISAPI-Ext', 'Web-ISAPI-Filter',
        'Web-Asp-Net45', 'Web-Net-Ext45', 'Web-Metabase', 'Web-WMI', 'Web-Mgmt-Console', 'Web-Static-Content',
        'Web-Default-Doc', 'Web-Http-Redirect', 'Web-Http-Logging', 'Web-Request-Monitor', 'Web-Stat-Compression'
    )
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '..\modules\Logger.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Validator.psm1') -Force
Import-Module (Join-Path $PSScriptRoot '..\modules\Runner.psm1') -Force

function Get-MsiProductVersion([string]$Path) {
    $installer = New-Object -ComObject WindowsInstaller.Installer
    $database = $installer.GetType().InvokeMember('OpenDatabase', 'InvokeMethod', $null, $installer, @($Path, 0))
    $view = $database.GetType().InvokeMember('OpenView', 'InvokeMethod', $null, $database, @("SELECT Value FROM Property WHERE Property = 'ProductVersion'"))
    $view.GetType().InvokeMember('Execute', 'InvokeMethod', $null, $view, $null) | Out-Null
    $record = $view.GetType().InvokeMember('Fetch', 'InvokeMethod', $null, $view, $null)
    return $record.GetType().InvokeMember('StringData', 'GetProperty', $null, $record, 1)
}

function Test-VcRuntime([string]$Arch) {
    $key = if ($Arch -eq 'x64') { 'HKLM:\SOFTWARE\Microsoft\VisualStudio\14.0\VC\Runtimes\x64' } else { 'HKLM:\SOFTWARE\WOW6432Node\Microsoft\VisualStudio\14.0\VC\Runtimes\x86' }
    $value = Get-ItemProperty -Path $key -Name Installed -ErrorAction SilentlyContinue
    return ($null -ne $value -and $value.Installed -eq 1)
}

Invoke-LabPhase -Name 'sccm-prerequisites' -Body {
    $Feature = ConvertTo-LabList $Feature
    $changes = 0
    $reboot = $false
    if (Disable-LabAutomaticUpdate) { $changes++ }
    $credential = ConvertTo-LabCredential -UserName $InstallUser -Secret $InstallPassword
    if (-not (Test-LabFeatureInstalled -Name 'NET-Framework-Core')) {
        $sxs = Get-LabWindowsSxsSource
        Write-LabLog -Message (".NET 3.5 from {0}" -f $sxs)
        $result = Install-WindowsFeature -Name NET-Framework-Core -Source $sxs
        if ($result.RestartNeeded -eq 'Yes') { $reboot = $true }
        $changes++
    }
    $missing = @($Feature | Where-Object { -not (Test-LabFeatureInstalled -Name $_) })
    if ($missing.Count -gt 0) {
        Write-LabLog -Message ("features {0}" -f ($missing -join ', '))
        $result = Install-WindowsFeature -Name $missing
        if (-not $result.Success) { throw ("Install-WindowsFeature {0} failed" -f ($missing -join ', ')) }
        if ($result.RestartNeeded -eq 'Yes') { $reboot = $true }
        $changes++
    }
    foreach ($vc in @(@{ Arch = 'x64'; Path = $VcRedistX64Path }, @{ Arch = 'x86'; Path = $VcRedistX86Path })) {
        if (-not (Test-VcRuntime -Arch $vc.Arch)) {
            $code = Invoke-LabInstaller -Name ("vcredist-{0}" -f $vc.Arch) -Credential $credential -FilePath (Get-LabMediaPath -RelativePath $vc.Path) `
                -ArgumentList '/install', '/quiet', '/norestart' -TimeoutSeconds $TimeoutSeconds
            if ($code -ne 0) { $reboot = $true }
            $changes++
        }
    }
    $odbcKey = 'HKLM:\SOFTWARE\ODBC\ODBCINST.INI\ODBC Driver 18 for SQL Server'
    if (-not (Test-Path -LiteralPath $odbcKey)) {
        $msi = Get-LabMediaPath -RelativePath $OdbcMsiPath
        $version = Get-MsiProductVersion -Path $msi
        if (-not $version.StartsWith($OdbcVersionPrefix)) {
            throw ("{0} is ODBC {1}, the lab pins {2}x: put the pinned MSI in the media folder (see media/manifest.json)" -f $OdbcMsiPath, $version, $OdbcVersionPrefix)
        }
        $log = 'C:\Lab\logs\msodbcsql.msi.log'
        $code = Invoke-LabInstaller -Name 'odbc18' -Credential $credential -FilePath 'msiexec.exe' -TimeoutSeconds $TimeoutSeconds -InstallerLog $log -InstallerLogFilter 'error|Installation success|Installation completed' `
            -ArgumentList '/i', ('"{0}"' -f $msi), '/qn', '/norestart', 'IACCEPTMSODBCSQLLICENSETERMS=YES', '/l*v', ('"{0}"' -f $log)
        if ($code -ne 0) { $reboot = $true }
        $changes++
    }
    if ($reboot -or (Test-LabPendingReboot)) { return (New-LabResult Reboot ("{0} change(s)" -f $changes)) }
    if ($changes -eq 0) { return (New-LabResult AlreadyDone 'every prerequisite is installed') }
    return (New-LabResult Done ("{0} change(s)" -f $changes))
}
