// The inputs and outputs of the four libvirt dynamic providers (plain data: what Pulumi stores).
import type { DomainSummary, NetworkSummary, PoolSummary } from "./summary";

export interface ConnectionInputs {
  /** libvirt connection URI, e.g. qemu:///system or qemu+ssh://user@host/system. */
  uri: string;
  /** Bound for each virsh call, in milliseconds (default 60 000). */
  timeoutMs?: number;
}

export interface NetworkInputs extends ConnectionInputs {
  name: string;
  uuid: string;
  /** The rendered network XML (renderNetworkXml). */
  xml: string;
  /** Start the network when it is created (NixVirt's `active`). */
  active: boolean;
  autostart: boolean;
}

export interface PoolInputs extends ConnectionInputs {
  name: string;
  uuid: string;
  /** The rendered pool XML (renderPoolXml). */
  xml: string;
  active: boolean;
  autostart: boolean;
}

export interface VolumeInputs extends ConnectionInputs {
  /** The pool that holds the volume. */
  pool: string;
  name: string;
  /** The rendered volume XML (renderVolumeXml). */
  xml: string;
  capacityBytes: number;
  format: string;
  /** Delete the volume (the VM's data) when the resource is deleted. Off: the file stays. */
  deleteOnDestroy: boolean;
}

export interface DomainInputs extends ConnectionInputs {
  name: string;
  uuid: string;
  /** The rendered domain XML (renderDomainXml). */
  xml: string;
  /** Start the domain when it is created or updated and not running (never stops it). */
  start: boolean;
}

// check() adds a summary derived from the XML, so that the diff names fields (memoryMiB, nics,
// ...) that exist in the inputs, and read() replaces it with the summary of libvirt's XML, so
// that a refresh shows drift made by hand.
export type CheckedNetwork = NetworkInputs & { summary: NetworkSummary };
export type CheckedPool = PoolInputs & { summary: PoolSummary };
export type CheckedVolume = VolumeInputs;
export type CheckedDomain = DomainInputs & { summary: DomainSummary };

export interface NetworkOutputs extends CheckedNetwork {
  /** libvirt's persistent XML as last read. */
  liveXml: string;
  isActive: boolean;
  isAutostart: boolean;
}

export interface PoolOutputs extends CheckedPool {
  liveXml: string;
  state: string;
  isAutostart: boolean;
}

export interface VolumeOutputs extends CheckedVolume {
  /** The volume's file on the hypervisor host. */
  path: string;
  /** Capacity as libvirt reports it now (grows by hand show here). */
  liveCapacityBytes: number;
  liveFormat: string;
}

export interface DomainOutputs extends CheckedDomain {
  /** libvirt's persistent (inactive) XML as last read. */
  liveXml: string;
  /** `virsh domstate` as last read. */
  state: string;
}
