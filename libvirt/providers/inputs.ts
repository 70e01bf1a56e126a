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
// `note`, set by check when it can foresee one, says what applying the change does to the live
// object (a network restart, a disk grown live): the dynamic provider host drops a diff's details,
// so an input is the one place `pulumi preview` shows it.
export type CheckedNetwork = NetworkInputs & { summary: NetworkSummary; note?: string };
export type CheckedPool = PoolInputs & { summary: PoolSummary; note?: string };
export type CheckedVolume = VolumeInputs & { note?: string };
export type CheckedDomain = DomainInputs & { summary: DomainSummary; note?: string };

/** What read and create observe beyond the inputs, for every kind. */
export interface Observed {
  /**
   * What libvirt's objects lack or contradict of the inputs (paths with both values, a stopped
   * object that should run, ...); absent when nothing. A non-empty drift is an update in diff.
   */
  drift?: string[];
  /** The object existed before the lab: a destroy releases it instead of removing it. */
  adopted?: boolean;
}

export interface NetworkOutputs extends CheckedNetwork, Observed {
  /** libvirt's persistent XML as last read. */
  liveXml: string;
  isActive: boolean;
  isAutostart: boolean;
}

export interface PoolOutputs extends CheckedPool, Observed {
  liveXml: string;
  state: string;
  isAutostart: boolean;
}

export interface VolumeOutputs extends CheckedVolume, Observed {
  /** The volume's file on the hypervisor host. */
  path: string;
  /** Capacity as libvirt reports it now (grows by hand show here). */
  liveCapacityBytes: number;
  liveFormat: string;
}

export interface DomainOutputs extends CheckedDomain, Observed {
  /** libvirt's persistent (inactive) XML as last read. */
  liveXml: string;
  /** `virsh domstate` as last read. */
  state: string;
}
