// The allow-list: every (pass, component, setting) an answer file of ours may hold, taken from
// Microsoft's "Unattended Windows Setup Reference" (learn.microsoft.com/windows-hardware/customize/
// desktop/unattend/), one entry per documented setting, with the page each comes from. A setting
// not listed here is a typo or an invention, and Windows Setup would stop on it.

export type Pass = "windowsPE" | "specialize" | "oobeSystem";

/** The attributes every amd64 component carries, as in each reference page's XML example. */
export const COMPONENT_ATTRIBUTES = {
  processorArchitecture: "amd64",
  publicKeyToken: "31bf3856ad364e35",
  language: "neutral",
  versionScope: "nonSxS",
} as const;

export const UNATTEND_NAMESPACE = "urn:schemas-microsoft-com:unattend";
export const WCM_NAMESPACE = "http://schemas.microsoft.com/WMIConfig/2002/State";

interface ComponentReference {
  /** The reference page of the component. */
  page: string;
  /** Leaf settings below the component, as element paths joined with "/". */
  settings: string[];
}

const ref = (slug: string): string => `https://learn.microsoft.com/windows-hardware/customize/desktop/unattend/${slug}`;

export const ALLOWED: Record<Pass, Record<string, ComponentReference>> = {
  windowsPE: {
    // Microsoft-Windows-International-Core-WinPE: valid in windowsPE only.
    "Microsoft-Windows-International-Core-WinPE": {
      page: ref("microsoft-windows-international-core-winpe"),
      settings: ["SetupUILanguage/UILanguage", "InputLocale", "SystemLocale", "UILanguage", "UserLocale"],
    },
    // Microsoft-Windows-Setup: DiskConfiguration, ImageInstall | OSImage, UserData (windowsPE only).
    "Microsoft-Windows-Setup": {
      page: ref("microsoft-windows-setup"),
      settings: [
        "DiskConfiguration/Disk/DiskID",
        "DiskConfiguration/Disk/WillWipeDisk",
        "DiskConfiguration/Disk/CreatePartitions/CreatePartition/Order",
        "DiskConfiguration/Disk/CreatePartitions/CreatePartition/Type",
        "DiskConfiguration/Disk/CreatePartitions/CreatePartition/Size",
        "DiskConfiguration/Disk/CreatePartitions/CreatePartition/Extend",
        "DiskConfiguration/Disk/ModifyPartitions/ModifyPartition/Order",
        "DiskConfiguration/Disk/ModifyPartitions/ModifyPartition/PartitionID",
        "DiskConfiguration/Disk/ModifyPartitions/ModifyPartition/Label",
        "DiskConfiguration/Disk/ModifyPartitions/ModifyPartition/Letter",
        "DiskConfiguration/Disk/ModifyPartitions/ModifyPartition/Format",
        "ImageInstall/OSImage/InstallFrom/MetaData/Key",
        "ImageInstall/OSImage/InstallFrom/MetaData/Value",
        "ImageInstall/OSImage/InstallTo/DiskID",
        "ImageInstall/OSImage/InstallTo/PartitionID",
        "UserData/AcceptEula",
        "UserData/FullName",
        "UserData/Organization",
      ],
    },
  },
  specialize: {
    // Microsoft-Windows-Shell-Setup | ComputerName and TimeZone: valid in specialize (and auditSystem/oobeSystem for TimeZone).
    "Microsoft-Windows-Shell-Setup": {
      page: ref("microsoft-windows-shell-setup"),
      settings: ["ComputerName", "TimeZone"],
    },
    // Microsoft-Windows-TCPIP | Interfaces | Interface: valid in windowsPE and specialize.
    "Microsoft-Windows-TCPIP": {
      page: ref("microsoft-windows-tcpip-interfaces-interface"),
      settings: [
        "Interfaces/Interface/Ipv4Settings/DhcpEnabled",
        "Interfaces/Interface/Ipv4Settings/RouterDiscoveryEnabled",
        "Interfaces/Interface/Identifier",
        "Interfaces/Interface/UnicastIpAddresses/IpAddress",
        "Interfaces/Interface/Routes/Route/Identifier",
        "Interfaces/Interface/Routes/Route/Metric",
        "Interfaces/Interface/Routes/Route/NextHopAddress",
        "Interfaces/Interface/Routes/Route/Prefix",
      ],
    },
    // Microsoft-Windows-DNS-Client | Interfaces | Interface: valid in specialize only.
    "Microsoft-Windows-DNS-Client": {
      page: ref("microsoft-windows-dns-client-interfaces-interface"),
      settings: [
        "Interfaces/Interface/Identifier",
        "Interfaces/Interface/DNSServerSearchOrder/IpAddress",
        "Interfaces/Interface/DisableDynamicUpdate",
        "Interfaces/Interface/EnableAdapterDomainNameRegistration",
      ],
    },
    // Microsoft-Windows-Deployment | RunSynchronous | RunSynchronousCommand: valid in specialize (and auditUser).
    "Microsoft-Windows-Deployment": {
      page: ref("microsoft-windows-deployment-runsynchronous-runsynchronouscommand"),
      settings: ["RunSynchronous/RunSynchronousCommand/Order", "RunSynchronous/RunSynchronousCommand/Path", "RunSynchronous/RunSynchronousCommand/Description"],
    },
  },
  oobeSystem: {
    // Microsoft-Windows-International-Core: valid in specialize and oobeSystem.
    "Microsoft-Windows-International-Core": {
      page: ref("microsoft-windows-international-core"),
      settings: ["InputLocale", "SystemLocale", "UILanguage", "UserLocale"],
    },
    // Microsoft-Windows-Shell-Setup: AutoLogon, FirstLogonCommands, OOBE, UserAccounts (oobeSystem).
    "Microsoft-Windows-Shell-Setup": {
      page: ref("microsoft-windows-shell-setup"),
      settings: [
        "AutoLogon/Password/Value",
        "AutoLogon/Password/PlainText",
        "AutoLogon/Enabled",
        "AutoLogon/LogonCount",
        "AutoLogon/Username",
        "FirstLogonCommands/SynchronousCommand/Order",
        "FirstLogonCommands/SynchronousCommand/CommandLine",
        "FirstLogonCommands/SynchronousCommand/Description",
        "FirstLogonCommands/SynchronousCommand/RequiresUserInput",
        "OOBE/HideEULAPage",
        "OOBE/HideLocalAccountScreen",
        "OOBE/HideOEMRegistrationScreen",
        "OOBE/HideOnlineAccountScreens",
        "OOBE/HideWirelessSetupInOOBE",
        "OOBE/ProtectYourPC",
        "UserAccounts/AdministratorPassword/Value",
        "UserAccounts/AdministratorPassword/PlainText",
        "UserAccounts/LocalAccounts/LocalAccount/Password/Value",
        "UserAccounts/LocalAccounts/LocalAccount/Password/PlainText",
        "UserAccounts/LocalAccounts/LocalAccount/Description",
        "UserAccounts/LocalAccounts/LocalAccount/DisplayName",
        "UserAccounts/LocalAccounts/LocalAccount/Group",
        "UserAccounts/LocalAccounts/LocalAccount/Name",
      ],
    },
  },
};

/** List items: each carries wcm:action="add" (the reference's XML examples; Windows SIM writes it). */
export const LIST_ITEMS = new Set([
  "Disk",
  "CreatePartition",
  "ModifyPartition",
  "MetaData",
  "Interface",
  "IpAddress",
  "Route",
  "RunSynchronousCommand",
  "SynchronousCommand",
  "LocalAccount",
]);

/** List items that also carry wcm:keyValue (UnicastIpAddresses and DNSServerSearchOrder entries). */
export const KEYED_ITEMS = new Set(["IpAddress"]);

/**
 * Child orders the reference prescribes. Microsoft-Windows-TCPIP | Interfaces | Interface: "must be
 * added in the following order: Ipv4Settings, Ipv6Settings, Identifier, UnicastIpAddresses, and then Routes".
 */
export const CHILD_ORDER: Record<string, string[]> = {
  "Microsoft-Windows-TCPIP/Interfaces/Interface": ["Ipv4Settings", "Ipv6Settings", "Identifier", "UnicastIpAddresses", "Routes"],
};

/** Documented value limits checked on every file. */
export const LIMITS = {
  // Microsoft-Windows-Shell-Setup | ComputerName: at most 15 characters, no spaces or punctuation but '-', not only digits.
  computerName: 15,
  // Microsoft-Windows-Shell-Setup | FirstLogonCommands | SynchronousCommand | CommandLine: at most 1024 characters.
  commandLine: 1024,
  // Microsoft-Windows-Deployment | RunSynchronous | RunSynchronousCommand | Path: at most 259 characters.
  runSynchronousPath: 259,
} as const;
