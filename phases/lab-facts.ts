// Names and addresses the phases derive from the LabSpec, in one place so that the graph,
// the generated files and the tests agree.
import { reverseZone, toInt } from "../lab/ipv4";
import type { AdDomainSpec, LabSpec, NetworkSpec, VmSpec } from "../lab";

/** Accounts and OUs the lab creates; names are lab conventions, not configuration. */
export const LAB_DIRECTORY = {
  baseOu: "Homelab",
  childOus: ["Servers", "Workstations", "Service Accounts"],
  serviceAccountOu: "Service Accounts",
  sqlServiceAccount: "svc-sql",
  networkAccessAccount: "svc-cm-naa",
  clientPushAccount: "svc-cm-push",
  /** Made a ConfigMgr Full Administrator, so every domain admin of the lab can use the console and the cmdlets. */
  fullAdministratorGroup: "Domain Admins",
} as const;

/** Guest-side folders (no spaces: setup.exe /SCRIPT cannot take a quoted path). */
export const GUEST_PATHS = {
  cmPrerequisites: "C:\\Lab\\cm-prereqs",
  cmInstallDir: "C:\\Program Files\\Microsoft Configuration Manager",
} as const;

export class PhaseSpecError extends Error {
  override name = "PhaseSpecError";
}

export const fqdn = (vm: VmSpec, domain: AdDomainSpec): string => `${vm.hostname}.${domain.fqdn}`;
export const computerAccount = (vm: VmSpec, domain: AdDomainSpec): string => `${domain.netbios}\\${vm.hostname}$`;
export const domainUser = (domain: AdDomainSpec, user: string): string => `${domain.netbios}\\${user}`;

/** The DC's static address on a network, if it has one there. */
export function dcAddressOn(domain: AdDomainSpec, network: string): string | undefined {
  return domain.dcVm.nics.find((n) => n.network === network && n.addressing === "static")?.ip;
}

/** The address a member uses as its DNS server: the DC's address on a shared network, else the DC's first (static) one. */
export function dnsServerFor(domain: AdDomainSpec, vm: VmSpec): string {
  const shared = vm.nics.map((n) => dcAddressOn(domain, n.network)).find((ip): ip is string => ip !== undefined);
  return shared ?? domain.dcVm.managementIp;
}

export function networkNamed(spec: LabSpec, name: string): NetworkSpec {
  const n = spec.networks.find((x) => x.name === name);
  if (!n) throw new PhaseSpecError(`network ${name} is not in homelab:networks`);
  return n;
}

/** The spec carries the validated subnet as address and prefix, so this cannot fail. */
export function reverseZoneOf(network: NetworkSpec): string {
  return reverseZone({ network: toInt(networkAddress(network)), prefix: network.prefix, size: 2 ** (32 - network.prefix) });
}

export const networkAddress = (network: NetworkSpec): string => network.subnet.split("/")[0];

export function managementHost(vm: VmSpec): string {
  if (!vm.managementIp) {
    throw new PhaseSpecError(`${vm.name} has no management address: give one NIC a static ip:, or a reserve: on a network where libvirt answers DHCP`);
  }
  return vm.managementIp;
}
