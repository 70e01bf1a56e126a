// The answer file (autounattend.xml) of one Windows VM, from the LabSpec: pure, no I/O.
// Each setting is one of Microsoft's "Unattended Windows Setup Reference" (see reference.ts);
// comments name the page a choice rests on.
import { create } from "xmlbuilder2";
import type { XMLBuilder } from "xmlbuilder2/lib/interfaces";
import { isWindows } from "../lab";
import type { LabSpec, NetworkSpec, NicSpec, VmSpec } from "../lab";
import { INSTALL_IMAGES, WindowsOs } from "./images";
import { encodeUnattendPassword, PasswordSetting } from "./password";
import { COMPONENT_ATTRIBUTES, LIMITS, Pass, UNATTEND_NAMESPACE, WCM_NAMESPACE } from "./reference";

export class AnswerFileError extends Error {
  override name = "AnswerFileError";
}

/** The passwords the answer file sets, or "placeholder" for a copy a person may read (npm run render). */
export type AnswerPasswords = { adminPassword: string } | "placeholder";

/** What stands in for an encoded password in a readable copy. */
export const PASSWORD_PLACEHOLDER = "[homelab:adminPassword, encoded when the answer ISO is built]";

/** The answer medium's folder holding the bootstrap and what it calls (the repo's scripts/ layout below it). */
export const MEDIA_SCRIPTS_DIR = "homelab";
export const BOOTSTRAP_ON_MEDIA = `${MEDIA_SCRIPTS_DIR}\\bootstrap\\Start-LabBootstrap.ps1`;

/** Evaluation media are en-US; Setup's UI and the installed locale must match the image's language (Microsoft-Windows-International-Core-WinPE). */
export const LOCALE = "en-US";
/** Windows time zone ID (Microsoft-Windows-Shell-Setup | TimeZone; `tzutil /l` lists them). */
export const TIME_ZONE = "UTC";
/** The built-in account AutoLogon uses; naming it in AutoLogon | Username also enables it (UserAccounts | AdministratorPassword). */
const BUILTIN_ADMIN = "Administrator";
/** The named lab admin when the phases log on as the built-in Administrator. */
export const DEFAULT_LAB_ADMIN = "labadmin";

const vmPath = (spec: LabSpec, vm: VmSpec, key: string): string => `homelab:vms[${spec.vms.indexOf(vm)}].${key}`;

/** The Windows name of a MAC as Microsoft-Windows-TCPIP | Interfaces | Interface | Identifier takes it: 00-11-22-33-44-55. */
export const windowsMac = (mac: string): string => mac.toUpperCase().replace(/:/g, "-");

/** Microsoft-Windows-Shell-Setup | ComputerName: 1-15 characters, letters, digits and '-', not only digits. */
export function checkComputerName(name: string, path: string): string {
  if (name.length > LIMITS.computerName) {
    throw new AnswerFileError(
      `${path}: "${name}" is ${name.length} characters; a Windows computer name has at most ${LIMITS.computerName}: set a shorter hostname`,
    );
  }
  if (!/^[A-Za-z0-9-]+$/.test(name) || /^[0-9]+$/.test(name)) {
    throw new AnswerFileError(`${path}: "${name}" is not a Windows computer name: use letters, digits and '-' only, not digits alone`);
  }
  return name;
}

/** The named local admin of a VM's answer file: its WinRM logon user, or labadmin beside the built-in Administrator (validation proved it a local account name: lab/sense.ts checkLogonUsers). */
export function labAdminName(vm: VmSpec): string {
  return vm.winrmUser === BUILTIN_ADMIN ? DEFAULT_LAB_ADMIN : vm.winrmUser;
}

/** The unattended install supports what Windows Setup has in-box drivers for. */
function checkDevices(spec: LabSpec, vm: VmSpec): void {
  if (vm.diskBus !== "sata") {
    throw new AnswerFileError(
      `${vmPath(spec, vm, "diskBus")}: ${vm.diskBus} needs the VirtIO storage driver in Windows Setup, which the unattended install does not load: use sata, or set homelab:install to manual`,
    );
  }
  const virtio = vm.nics.findIndex((n) => n.model !== "e1000e");
  if (virtio >= 0) {
    throw new AnswerFileError(
      `${vmPath(spec, vm, `nics[${virtio}].model`)}: ${vm.nics[virtio].model} has no in-box Windows driver, so the answer file's addresses would not apply: use e1000e, or set homelab:install to manual`,
    );
  }
  if (!vm.firmware.uefi) {
    throw new AnswerFileError(
      `${vmPath(spec, vm, "firmware.uefi")}: the answer file partitions the disk GPT for UEFI: keep uefi true, or set homelab:install to manual`,
    );
  }
}

const network = (spec: LabSpec, nic: NicSpec): NetworkSpec => {
  const n = spec.networks.find((x) => x.name === nic.network);
  if (!n) throw new AnswerFileError(`network ${nic.network} is not in homelab:networks`);
  return n;
};

/** The NIC a VM registers in DNS through: its first NIC on a network where the DC has a static address (the DC: its first static NIC). */
function domainNic(spec: LabSpec, vm: VmSpec): { nic: NicSpec; dns: string } | undefined {
  if (!spec.domain) return undefined;
  const dc = spec.domain.dcVm;
  const dcAddress = (networkName: string) => dc.nics.find((n) => n.network === networkName && n.addressing === "static")?.ip;
  for (const nic of vm.nics) {
    const dns = dcAddress(nic.network);
    if (dns) return { nic, dns };
  }
  return undefined;
}

function component(settings: XMLBuilder, name: string): XMLBuilder {
  return settings.ele("component", { name, ...COMPONENT_ATTRIBUTES });
}

const text = (parent: XMLBuilder, name: string, value: string | number | boolean): XMLBuilder => parent.ele(name).txt(String(value)).up();

/** A list item (wcm:action="add"), as the reference's XML examples write them. */
const item = (parent: XMLBuilder, name: string, extra: Record<string, string> = {}): XMLBuilder =>
  parent.ele(name, { "wcm:action": "add", ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`wcm:${k}`, v])) });

function password(parent: XMLBuilder, name: string, passwords: AnswerPasswords, setting: PasswordSetting): void {
  const el = parent.ele(name);
  text(el, "Value", passwords === "placeholder" ? PASSWORD_PLACEHOLDER : encodeUnattendPassword(passwords.adminPassword, setting));
  // PlainText false: Setup decodes Value (UserAccounts | AdministratorPassword | PlainText).
  text(el, "PlainText", false);
}

function windowsPE(root: XMLBuilder, os: WindowsOs): void {
  const settings = root.ele("settings", { pass: "windowsPE" satisfies Pass });
  const intl = component(settings, "Microsoft-Windows-International-Core-WinPE");
  text(intl.ele("SetupUILanguage"), "UILanguage", LOCALE);
  for (const key of ["InputLocale", "SystemLocale", "UILanguage", "UserLocale"]) text(intl, key, LOCALE);

  const setup = component(settings, "Microsoft-Windows-Setup");
  // UEFI/GPT layout of Microsoft's "UEFI/GPT-based hard drive partitions": EFI system 260 MB
  // (FAT32 needs at least 260 MB on 4K-sector disks), MSR 16 MB (never formatted), then Windows.
  const disk = item(setup.ele("DiskConfiguration"), "Disk");
  text(disk, "DiskID", 0);
  text(disk, "WillWipeDisk", true);
  const create = disk.ele("CreatePartitions");
  const efi = item(create, "CreatePartition");
  text(efi, "Order", 1);
  text(efi, "Type", "EFI");
  text(efi, "Size", 260);
  const msr = item(create, "CreatePartition");
  text(msr, "Order", 2);
  text(msr, "Type", "MSR");
  text(msr, "Size", 16);
  const primary = item(create, "CreatePartition");
  text(primary, "Order", 3);
  text(primary, "Type", "Primary");
  text(primary, "Extend", true);
  const modify = disk.ele("ModifyPartitions");
  const sys = item(modify, "ModifyPartition");
  text(sys, "Order", 1);
  text(sys, "PartitionID", 1);
  text(sys, "Label", "System");
  text(sys, "Format", "FAT32");
  const win = item(modify, "ModifyPartition");
  text(win, "Order", 2);
  text(win, "PartitionID", 3);
  text(win, "Label", "Windows");
  text(win, "Letter", "C");
  text(win, "Format", "NTFS");

  // ImageInstall | OSImage | InstallFrom | MetaData: /IMAGE/INDEX picks the edition inside install.wim.
  const osImage = setup.ele("ImageInstall").ele("OSImage");
  const meta = item(osImage.ele("InstallFrom"), "MetaData");
  text(meta, "Key", "/IMAGE/INDEX");
  text(meta, "Value", INSTALL_IMAGES[os].index);
  const to = osImage.ele("InstallTo");
  text(to, "DiskID", 0);
  text(to, "PartitionID", 3);
  // UserData: no ProductKey element at all. Evaluation media need none, and an empty <Key> stops a
  // Server evaluation install (UserData | ProductKey | Key).
  const user = setup.ele("UserData");
  text(user, "AcceptEula", true);
  text(user, "FullName", "Homelab");
  text(user, "Organization", "Homelab");
}

function specialize(root: XMLBuilder, spec: LabSpec, vm: VmSpec): void {
  const settings = root.ele("settings", { pass: "specialize" satisfies Pass });
  const shell = component(settings, "Microsoft-Windows-Shell-Setup");
  text(shell, "ComputerName", checkComputerName(vm.hostname, vmPath(spec, vm, "hostname")));
  text(shell, "TimeZone", TIME_ZONE);

  const statics = vm.nics.filter((n) => n.addressing === "static");
  if (statics.length > 0) {
    const tcpip = component(settings, "Microsoft-Windows-TCPIP").ele("Interfaces");
    statics.forEach((nic, i) => {
      const net = network(spec, nic);
      // Children in the documented order: Ipv4Settings, (Ipv6Settings), Identifier, UnicastIpAddresses, Routes.
      const iface = item(tcpip, "Interface");
      const v4 = iface.ele("Ipv4Settings");
      text(v4, "DhcpEnabled", false);
      text(v4, "RouterDiscoveryEnabled", false);
      // Identifier: the MAC written 00-11-22-33-44-55, since interface names differ between installs.
      text(iface, "Identifier", windowsMac(nic.mac));
      item(iface.ele("UnicastIpAddresses"), "IpAddress", { keyValue: "1" }).txt(`${nic.ip}/${net.prefix}`);
      // One default route per guest, on the first static NIC: two equal default routes make Windows pick either.
      if (i === 0) {
        const route = item(iface.ele("Routes"), "Route");
        text(route, "Identifier", 1);
        text(route, "Metric", 10);
        text(route, "NextHopAddress", net.gateway);
        text(route, "Prefix", "0.0.0.0/0");
      }
    });
  }

  // Microsoft-Windows-DNS-Client | Interfaces | Interface: the domain NIC points at the DC and
  // registers; every other NIC (NAT / management) neither registers its name nor its suffix.
  const home = domainNic(spec, vm);
  if (home) {
    const dns = component(settings, "Microsoft-Windows-DNS-Client").ele("Interfaces");
    for (const nic of vm.nics) {
      const iface = item(dns, "Interface");
      text(iface, "Identifier", windowsMac(nic.mac));
      if (nic === home.nic) {
        item(iface.ele("DNSServerSearchOrder"), "IpAddress", { keyValue: "1" }).txt(home.dns);
        text(iface, "DisableDynamicUpdate", false);
        text(iface, "EnableAdapterDomainNameRegistration", true);
      } else {
        text(iface, "DisableDynamicUpdate", true);
        text(iface, "EnableAdapterDomainNameRegistration", false);
      }
    }
  }

  if (vm.os === "windows-11") {
    // Windows 11 OOBE insists on a network and a Microsoft account unless OOBE\BypassNRO is 1
    // (the value Windows 11's own oobe\bypassnro.cmd sets); RunSynchronous runs before OOBE.
    const run = item(component(settings, "Microsoft-Windows-Deployment").ele("RunSynchronous"), "RunSynchronousCommand");
    text(run, "Order", 1);
    text(run, "Path", "reg.exe add HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\OOBE /v BypassNRO /t REG_DWORD /d 1 /f");
    text(run, "Description", "Allow OOBE without a network (BypassNRO)");
  }
}

/** The one first-logon command: find the bootstrap on whichever drive the answer medium got, run it. */
export function firstLogonCommand(): string {
  return `powershell.exe -NoProfile -ExecutionPolicy Bypass -Command "foreach ($d in Get-PSDrive -PSProvider FileSystem) { $f = Join-Path $d.Root '${BOOTSTRAP_ON_MEDIA}'; if (Test-Path $f) { & $f; exit $LASTEXITCODE } }; exit 2"`;
}

function oobeSystem(root: XMLBuilder, vm: VmSpec, passwords: AnswerPasswords): void {
  const settings = root.ele("settings", { pass: "oobeSystem" satisfies Pass });
  const intl = component(settings, "Microsoft-Windows-International-Core");
  for (const key of ["InputLocale", "SystemLocale", "UILanguage", "UserLocale"]) text(intl, key, LOCALE);

  const shell = component(settings, "Microsoft-Windows-Shell-Setup");
  // AutoLogon once, as Administrator, so the first-logon command runs; the bootstrap turns it off again.
  const auto = shell.ele("AutoLogon");
  password(auto, "Password", passwords, "Password");
  text(auto, "Enabled", true);
  text(auto, "LogonCount", 1);
  text(auto, "Username", BUILTIN_ADMIN);
  // FirstLogonCommands | SynchronousCommand: one short command. Commands start in parallel and
  // long RunOnce values are skipped, so everything else lives in the bootstrap script.
  const cmd = item(shell.ele("FirstLogonCommands"), "SynchronousCommand");
  text(cmd, "Order", 1);
  text(cmd, "CommandLine", firstLogonCommand());
  text(cmd, "Description", "Homelab bootstrap: WinRM, then the completion marker on COM1");
  text(cmd, "RequiresUserInput", false);
  const oobe = shell.ele("OOBE");
  for (const key of ["HideEULAPage", "HideLocalAccountScreen", "HideOEMRegistrationScreen", "HideOnlineAccountScreens", "HideWirelessSetupInOOBE"])
    text(oobe, key, true);
  // ProtectYourPC 3: no recommended settings, no prompt.
  text(oobe, "ProtectYourPC", 3);
  const accounts = shell.ele("UserAccounts");
  password(accounts, "AdministratorPassword", passwords, "AdministratorPassword");
  const local = item(accounts.ele("LocalAccounts"), "LocalAccount");
  password(local, "Password", passwords, "Password");
  text(local, "Description", "Homelab administrator");
  text(local, "DisplayName", "Homelab administrator");
  // Group: the language-neutral name, which Setup maps to the localized group.
  text(local, "Group", "Administrators");
  text(local, "Name", labAdminName(vm));
}

/** autounattend.xml for one Windows VM of the lab. */
export function renderAnswerFile(spec: LabSpec, vm: VmSpec, passwords: AnswerPasswords): string {
  if (!isWindows(vm)) throw new AnswerFileError(`${vm.name} is not a Windows VM: only Windows VMs get an answer file`);
  checkDevices(spec, vm);
  const root = create({ version: "1.0", encoding: "utf-8" }).ele(UNATTEND_NAMESPACE, "unattend", { "xmlns:wcm": WCM_NAMESPACE });
  windowsPE(root, vm.os as WindowsOs);
  specialize(root, spec, vm);
  oobeSystem(root, vm, passwords);
  return root.end({ prettyPrint: true, indent: "  " }) + "\n";
}

/** Every Windows VM's answer file, by VM name. */
export function renderAnswerFiles(spec: LabSpec, passwords: AnswerPasswords): Map<string, string> {
  return new Map(spec.vms.filter(isWindows).map((vm) => [vm.name, renderAnswerFile(spec, vm, passwords)]));
}
