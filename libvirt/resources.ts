// Pulumi resources for libvirt objects, applied with virsh by the dynamic providers in
// ./providers. The components create these from a LabSpec and the renderers' XML.
import * as pulumi from "@pulumi/pulumi";
import { loadProjectModule } from "../lab/project-module";
import type { DomainSummary, NetworkSummary, PoolSummary } from "./providers/summary";

/**
 * A note a provider operation made (a change that applies at next boot, a network that needs a
 * restart), stamped with when it was made. It travels in the resource's outputs, and the component
 * logs it against its resource: the provider host has no engine connection, so its own log would
 * reach the user as unattributed plugin output. A "same" step keeps the old outputs, notes
 * included, so only notes made after this program started are new.
 */
export interface ProviderNote {
  level: "info" | "warn";
  message: string;
  /** Milliseconds since the epoch, when the provider made the note. */
  at: number;
}

/**
 * What a provider's check foresees a change doing ("grows live", "restarts the network", "kept on
 * destroy"), as the `note` field of the checked inputs. Pulumi's Node dynamic provider host forwards
 * no detailed diff (@pulumi/pulumi 3.270.0 cmd/dynamic-provider/index.js:166-203, diff(): only
 * changes, replaces and deleteBeforeReplace), but it does not support provider previews (Handshake
 * unimplemented at :313, and Configure at :96-112 leaves supportsPreview unset), so in a preview
 * the engine hands the checked inputs back as the resource's outputs (pulumi/pulumi
 * sdk/go/common/resource/plugin/provider_plugin.go, Create and Update: `!protocol.supportsPreview`
 * returns req.Properties / req.NewInputs). The component logs it against the resource then; the
 * outputs of a real create or update leave it out.
 */
export type CheckNote = string;

type Kind = "network" | "pool" | "volume" | "domain";
// Pulumi's provider signatures are untyped; ops.ts holds the typed ones.
type UntypedOps = Record<Kind, Record<string, (...args: unknown[]) => Promise<any>>>;

/**
 * The provider Pulumi serializes into each resource's state. Delete and Read run with the provider
 * stored at the last create or update, possibly from another checkout, so its closure holds no
 * path: loadProjectModule finds ./providers/ops from the folder the provider host runs in.
 */
function runtimeProvider(kind: Kind): pulumi.dynamic.ResourceProvider {
  const load = () => loadProjectModule<UntypedOps>("libvirt/providers/ops", "libvirt provider")[kind];
  const collecting = (notes: { level: string; message: string; at: number }[]) => ({
    info: (message: string) => {
      notes.push({ level: "info", message, at: Date.now() });
    },
    warn: (message: string) => {
      notes.push({ level: "warn", message, at: Date.now() });
    },
  });
  return {
    check: (olds, news) => load().check(olds, news),
    diff: (id, olds, news) => load().diff(id, olds, news),
    create: async (inputs) => {
      const notes: { level: string; message: string; at: number }[] = [];
      const result = await load().create(inputs, collecting(notes));
      return { id: result.id, outs: { ...result.outs, notes } };
    },
    read: (id, props) => load().read(id, props ?? {}),
    update: async (id, olds, news) => {
      const notes: { level: string; message: string; at: number }[] = [];
      const result = await load().update(id, olds, news, collecting(notes));
      return { outs: { ...result.outs, notes } };
    },
    // What a delete keeps (a disk, a pool's folder) has no resource left to log against: it goes to the plugin's output.
    delete: (id, props) => load().remove(id, props),
  };
}

// Exported for the tests that run them as Pulumi ships them (test/libvirt/provider-serialize.test.ts).
export const networkProvider = runtimeProvider("network");
export const poolProvider = runtimeProvider("pool");
export const volumeProvider = runtimeProvider("volume");
export const domainProvider = runtimeProvider("domain");

/** What every libvirt resource needs to reach its hypervisor. */
export interface LibvirtConnectionArgs {
  /** libvirt connection URI (LabSpec.libvirt.uri): qemu:///system, or qemu+ssh://user@host/system. A new spelling that reaches the same object (same name and UUID there) is an in-place update; one that does not is refused, never a replacement. */
  uri: pulumi.Input<string>;
  /** Bound for each virsh call in milliseconds; default 60 000. */
  timeoutMs?: pulumi.Input<number>;
}

export interface LibvirtNetworkArgs extends LibvirtConnectionArgs {
  /** NetworkSpec.name; must equal the <name> in `xml`. Changing it replaces the network. */
  name: pulumi.Input<string>;
  /** NetworkSpec.uuid; must equal the <uuid> in `xml`. Changing it replaces the network. */
  uuid: pulumi.Input<string>;
  /** renderNetworkXml(spec). A new bridge name replaces the network; other changes redefine it and reach the running network (DHCP hosts and ranges live through net-update, anything else by a restart). */
  xml: pulumi.Input<string>;
  /** Start the network when it is created or updated (NixVirt's `active`); never stops it. */
  active: pulumi.Input<boolean>;
  /** Start the network with libvirtd. */
  autostart: pulumi.Input<boolean>;
}

export interface LibvirtPoolArgs extends LibvirtConnectionArgs {
  /** PoolSpec.name; must equal the <name> in `xml`. */
  name: pulumi.Input<string>;
  /** PoolSpec.uuid; must equal the <uuid> in `xml`. */
  uuid: pulumi.Input<string>;
  /** renderPoolXml(spec). A new target path or type is refused in check (the volumes would stay behind), with how to move the disks. */
  xml: pulumi.Input<string>;
  /** Build (mkdir) and start the pool when created or updated. */
  active: pulumi.Input<boolean>;
  autostart: pulumi.Input<boolean>;
}

export interface LibvirtVolumeArgs extends LibvirtConnectionArgs {
  /** The pool holding the volume (PoolSpec.name); create the volume with `dependsOn` the pool. */
  pool: pulumi.Input<string>;
  /** VolumeSpec.name, e.g. DC01.qcow2. */
  name: pulumi.Input<string>;
  /** renderVolumeXml(spec); its capacity and format must equal the two inputs below. */
  xml: pulumi.Input<string>;
  /** VolumeSpec.capacityBytes. Growing resizes the image in place (live through blockresize while its guest runs); shrinking is refused (check and diff fail, naming both sizes). */
  capacityBytes: pulumi.Input<number>;
  /** VolumeSpec.format (qcow2). Changing it replaces the volume; an existing image of another format is never overwritten. */
  format: pulumi.Input<string>;
  /** VolumeSpec.deleteOnDestroy: false keeps the image (the guest's data) when the resource is deleted. */
  deleteOnDestroy: pulumi.Input<boolean>;
}

export interface LibvirtDomainArgs extends LibvirtConnectionArgs {
  /** VmSpec.name; must equal the <name> in `xml`. Changing it replaces the domain. */
  name: pulumi.Input<string>;
  /** VmSpec.uuid; must equal the <uuid> in `xml`. Changing it replaces the domain (its volume stays). */
  uuid: pulumi.Input<string>;
  /** renderDomainXml(vm, lab). Memory, vCPUs, NICs, ISOs and firmware changes redefine the domain in place: a running guest sees them at its next boot. */
  xml: pulumi.Input<string>;
  /** VmSpec.start: start the domain when it is created or updated and not running; never stops it. */
  start: pulumi.Input<boolean>;
}

export class LibvirtNetwork extends pulumi.dynamic.Resource {
  /** Notes of the last create or update (see ProviderNote). */
  declare public readonly notes: pulumi.Output<ProviderNote[] | undefined>;
  /** In a preview only: what check foresees the planned change doing (see CheckNote). */
  declare public readonly note: pulumi.Output<CheckNote | undefined>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly uuid: pulumi.Output<string>;
  declare public readonly uri: pulumi.Output<string>;
  /** What the XML says (inputs) or, after a refresh, what libvirt has. */
  declare public readonly summary: pulumi.Output<NetworkSummary>;
  /** libvirt's persistent XML as last read. */
  declare public readonly liveXml: pulumi.Output<string>;
  declare public readonly isActive: pulumi.Output<boolean>;
  declare public readonly isAutostart: pulumi.Output<boolean>;

  constructor(name: string, args: LibvirtNetworkArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      networkProvider,
      name,
      { ...args, summary: undefined, liveXml: undefined, isActive: undefined, isAutostart: undefined, notes: undefined, note: undefined },
      opts,
      "homelab",
      "LibvirtNetwork",
    );
  }
}

export class LibvirtPool extends pulumi.dynamic.Resource {
  /** Notes of the last create or update (see ProviderNote). */
  declare public readonly notes: pulumi.Output<ProviderNote[] | undefined>;
  /** In a preview only: what check foresees the planned change doing (see CheckNote). */
  declare public readonly note: pulumi.Output<CheckNote | undefined>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly uuid: pulumi.Output<string>;
  declare public readonly uri: pulumi.Output<string>;
  declare public readonly summary: pulumi.Output<PoolSummary>;
  declare public readonly liveXml: pulumi.Output<string>;
  /** running, inactive, ... */
  declare public readonly state: pulumi.Output<string>;
  declare public readonly isAutostart: pulumi.Output<boolean>;

  constructor(name: string, args: LibvirtPoolArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      poolProvider,
      name,
      { ...args, summary: undefined, liveXml: undefined, state: undefined, isAutostart: undefined, notes: undefined, note: undefined },
      opts,
      "homelab",
      "LibvirtPool",
    );
  }
}

export class LibvirtVolume extends pulumi.dynamic.Resource {
  /** Notes of the last create or update (see ProviderNote). */
  declare public readonly notes: pulumi.Output<ProviderNote[] | undefined>;
  /** In a preview only: what check foresees the planned change doing (see CheckNote). */
  declare public readonly note: pulumi.Output<CheckNote | undefined>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly pool: pulumi.Output<string>;
  /** The image file on the hypervisor host (also the resource's id). */
  declare public readonly path: pulumi.Output<string>;
  declare public readonly capacityBytes: pulumi.Output<number>;
  /** Capacity as libvirt reports it (after a refresh: grows made by hand). */
  declare public readonly liveCapacityBytes: pulumi.Output<number>;
  declare public readonly liveFormat: pulumi.Output<string>;

  constructor(name: string, args: LibvirtVolumeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      volumeProvider,
      name,
      { ...args, path: undefined, liveCapacityBytes: undefined, liveFormat: undefined, notes: undefined, note: undefined },
      opts,
      "homelab",
      "LibvirtVolume",
    );
  }
}

export class LibvirtDomain extends pulumi.dynamic.Resource {
  /** Notes of the last create or update (see ProviderNote). */
  declare public readonly notes: pulumi.Output<ProviderNote[] | undefined>;
  /** In a preview only: what check foresees the planned change doing (see CheckNote). */
  declare public readonly note: pulumi.Output<CheckNote | undefined>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly uuid: pulumi.Output<string>;
  declare public readonly uri: pulumi.Output<string>;
  /** Memory, vCPUs, NICs, disks, firmware, TPM: from the XML, or after a refresh from libvirt. */
  declare public readonly summary: pulumi.Output<DomainSummary>;
  /** libvirt's persistent (inactive) XML as last read. */
  declare public readonly liveXml: pulumi.Output<string>;
  /** `virsh domstate` as last read: running, shut off, ... */
  declare public readonly state: pulumi.Output<string>;

  constructor(name: string, args: LibvirtDomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      domainProvider,
      name,
      { ...args, summary: undefined, liveXml: undefined, state: undefined, notes: undefined, note: undefined },
      opts,
      "homelab",
      "LibvirtDomain",
    );
  }
}
