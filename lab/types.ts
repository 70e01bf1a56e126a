// The one typed description of a lab that every other part consumes.
// Nothing here may import Pulumi, libvirt or Nix code.

export type DomainType = "kvm" | "qemu";
export type NetworkMode = "nat" | "route" | "isolated";
export type DhcpServer = "libvirt" | "dc";
export type Role = "dc" | "sql" | "site-server" | "client" | "windows" | "linux";
/** What each role is, in words: the one set of labels the picture, the Nix comments and the messages use. */
export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  dc: "domain controller",
  sql: "SQL Server",
  "site-server": "SCCM site server",
  client: "SCCM client",
  windows: "Windows",
  linux: "Linux",
};
export type OsName = "windows-server-2022" | "windows-server-2025" | "windows-11" | "windows-10" | "linux";
export type OsTemplate = "windows" | "linux";
export type NicModel = "e1000e" | "virtio";
export type DiskBus = "sata" | "virtio";
export type Graphics = "vnc" | "spice";
export type Transport = "ntlm" | "basic" | "basic-https";

export interface LibvirtSpec {
  uri: string;
  domainType: DomainType;
  nvramDir: string;
  graphics: Graphics;
}

export interface DhcpReservation {
  mac: string;
  /** The guest's hostname, as the DHCP server names the lease. */
  name: string;
  ip: string;
  vm: string;
}

export interface DhcpSpec {
  start: string;
  end: string;
  /** Who answers DHCP on this network: libvirt's dnsmasq, or the domain controller's DHCP role. Never both. */
  server: DhcpServer;
}

export interface NetworkSpec {
  name: string;
  uuid: string;
  bridge: string;
  mac: string;
  mode: NetworkMode;
  /** CIDR, e.g. 192.168.56.0/24. */
  subnet: string;
  prefix: number;
  netmask: string;
  gateway: string;
  dhcp?: DhcpSpec;
  /** Reservations collected from the VMs' NICs that ask for one on this network. */
  reservations: DhcpReservation[];
  autostart: boolean;
  active: boolean;
}

export interface PoolSpec {
  name: string;
  uuid: string;
  type: "dir";
  path: string;
  autostart: boolean;
  active: boolean;
}

export interface VolumeSpec {
  name: string;
  pool: string;
  vm: string;
  capacityBytes: number;
  format: "qcow2";
  /** A VM's disk survives `pulumi destroy` unless the stack opts in. */
  deleteOnDestroy: boolean;
  // ---- base images (issue 13)
  /** A linked clone: the read-only image this overlay reads unwritten clusters from. */
  backingStore?: BackingStore;
  // ---- end base images
}

// ---- base images (issue 13)
/** linked: a qcow2 overlay on the edition's base image; full: an independent copy of it. */
export type DiskMode = "linked" | "full";
export interface BackingStore {
  path: string;
  format: "qcow2";
}
// ---- end base images

/** static: configured inside the guest; reserved: a DHCP reservation on the network; dhcp: whatever the server hands out. */
export type Addressing = "static" | "reserved" | "dhcp";

/** A NIC with an address the lab assigns (static or reserved) always carries it; a plain DHCP NIC has none. */
export type NicSpec = {
  network: string;
  mac: string;
  model: NicModel;
} & ({ addressing: "static" | "reserved"; ip: string } | { addressing: "dhcp"; ip?: undefined });

export interface FirmwareSpec {
  uefi: boolean;
  secureBoot: boolean;
}

export interface VmIsos {
  install?: string;
  virtio?: string;
  /** The lab media ISO (installers for SQL, SCCM, ADK) for VMs whose phases need it. */
  media?: string;
}

export interface VmSpec {
  name: string;
  hostname: string;
  uuid: string;
  role: Role;
  os: OsName;
  template: OsTemplate;
  vcpus: number;
  /** Guest RAM in bytes, a whole number of MiB (validation guarantees it). */
  memoryBytes: number;
  diskBytes: number;
  diskBus: DiskBus;
  volume: string;
  nics: NicSpec[];
  isos: VmIsos;
  firmware: FirmwareSpec;
  tpm: boolean;
  nvramPath: string;
  /** Start the domain when it is created (NixVirt's `active`). */
  start: boolean;
  /** The account the host's WinRM phases log on with here: vms[].winrmUser, else homelab:winrmUser. */
  winrmUser: string;
  /** The address the host uses to reach the guest: a static IP, or a reservation served by libvirt. */
  managementIp?: string;
}

/** A VM validation proved the host can reach (every Windows VM): it has a management address. */
export type ReachableVmSpec = VmSpec & { managementIp: string };

export const isReachable = (vm: VmSpec): vm is ReachableVmSpec => vm.managementIp !== undefined;

export interface AdDomainSpec {
  fqdn: string;
  netbios: string;
  /** LDAP distinguished name of the domain, e.g. DC=corp,DC=lab,DC=test. */
  dn: string;
  dc: string;
  /** The VM named by dc, resolved by validation: role dc, every NIC static, so its managementIp is its first address. */
  dcVm: ReachableVmSpec;
  /** DNS forwarders for the DC; defaults to the gateway of the first network libvirt serves (its DNS) that the DC has a static address on. */
  forwarders: string[];
}

export interface SccmSpec {
  siteCode: string;
  siteName: string;
  siteServer: string;
  sqlServer: string;
  /** SQL runs on the site server itself. */
  sqlColocated: boolean;
  /** The VMs named by siteServer and sqlServer, resolved by validation (the same VM when colocated). */
  siteServerVm: ReachableVmSpec;
  sqlVm: ReachableVmSpec;
}

export interface SecretRef {
  /** The config key without the namespace, e.g. adminPassword for homelab:adminPassword. */
  key: string;
  purpose: string;
}

export interface GuestSpec {
  /** Guest phases run only once the guests are installed and reachable. */
  phases: boolean;
  transport: Transport;
  port: number;
  user: string;
  /** unattended: Windows installs from a generated answer file; manual: by hand through the console. */
  install: "unattended" | "manual";
  /** Overrides the wait for each VM's install marker (default: 10 minutes per Windows VM on KVM, ten times that under TCG). */
  installTimeoutMinutes?: number;
  /** auto: the risky phases run behind a checkpoint, reverted and retried on failure (checkpoints/). */
  checkpoints: "auto" | "off";
}

export interface MediaSpec {
  /** Host folder holding the installers listed in the media manifest. */
  dir: string;
  /** The ISO built from that folder and attached to the VMs that install from it. */
  iso: string;
  /** The lock file of first-use hashes (default: the project's media/media.lock.json). */
  lock?: string;
}

/** The parts of a LabSpec every lab has; LabSpec adds the domain and the site. */
export interface LabSpecBase {
  stack: string;
  libvirt: LibvirtSpec;
  networks: NetworkSpec[];
  pool: PoolSpec;
  volumes: VolumeSpec[];
  vms: VmSpec[];
  secrets: SecretRef[];
  guest: GuestSpec;
  media?: MediaSpec;
  /** Base images (issue 13): unset keeps a blank disk and a full install per VM. */
  disks?: DiskMode;
  /** Base images (issue 13): a new base image replaces the clones made from the old one (their disks are rebuilt); off, they keep the old base. */
  replaceClonesOnBaseChange?: boolean;
}

/** A site lives in a domain (validation refuses homelab:sccm without homelab:domain), so the type says so. */
export type LabSite = { domain?: AdDomainSpec; sccm?: undefined } | SiteOfLab;

/** An SCCM site with the domain it lives in. */
export interface SiteOfLab {
  domain: AdDomainSpec;
  sccm: SccmSpec;
}

export type LabSpec = LabSpecBase & LabSite;

/** A lab with an SCCM site, and so with a domain. */
export type SiteLabSpec = LabSpecBase & SiteOfLab;

/** Narrows a lab to one with a site; no check beyond the type's own (validation proved sccm implies domain). */
export const hasSite = (spec: LabSpec): spec is SiteLabSpec => spec.sccm !== undefined;

export interface LabProblem {
  /** Config path, e.g. homelab:vms[2].nics[0].ip */
  path: string;
  message: string;
}

export type LabResult = { ok: true; spec: LabSpec; warnings: LabProblem[] } | { ok: false; errors: LabProblem[]; warnings: LabProblem[] };

export const isWindows = (vm: Pick<VmSpec, "template">): boolean => vm.template === "windows";
