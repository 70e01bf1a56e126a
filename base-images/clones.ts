// A lab VM's disk from its edition's base image: a linked clone (a qcow2 overlay whose unwritten clusters
// read from the base) or a full, independent copy.
import type { BackingStore, DiskMode, VolumeSpec } from "../lab";
import { renderVolumeXml } from "../libvirt/render";
import type { Virsh } from "../libvirt/virsh";

/** A base image as it sits in a pool. */
export interface BaseImage {
  pool: string;
  name: string;
  path: string;
  capacityBytes: number;
}

export class CloneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CloneError";
  }
}

/** The VM's volume as a clone of `base`: linked ones name it as their backing store. Pure. */
export function cloneVolumeSpec(vol: VolumeSpec, base: BaseImage, mode: DiskMode): VolumeSpec {
  if (vol.capacityBytes < base.capacityBytes) {
    throw new CloneError(
      `volume ${vol.pool}/${vol.name} (VM ${vol.vm}) asks for ${vol.capacityBytes} bytes, less than its base image ${base.pool}/${base.name} ` +
        `(${base.capacityBytes} bytes): a clone cannot be smaller than the disk Windows was installed on. Raise the VM's disk to at least the base image's size`,
    );
  }
  const { backingStore: _ignored, ...plain } = vol;
  const backingStore: BackingStore = { path: base.path, format: "qcow2" };
  return mode === "linked" ? { ...plain, backingStore } : plain;
}

/** Creates the VM's disk from `base` in the pool: an overlay (linked) or a copy by libvirt (full), grown to the VM's size. */
export async function createCloneDisk(virsh: Virsh, vol: VolumeSpec, base: BaseImage, mode: DiskMode): Promise<VolumeSpec> {
  const spec = cloneVolumeSpec(vol, base, mode);
  if (mode === "linked") {
    await virsh.createVolume(spec.pool, renderVolumeXml(spec));
  } else {
    // The copy starts at the base's size (libvirt's qemu-img convert keeps the source's virtual size), then grows.
    await virsh.createVolumeFrom(spec.pool, renderVolumeXml({ ...spec, capacityBytes: base.capacityBytes }), base.pool, base.name);
    await virsh.growVolume(spec.pool, spec.name, spec.capacityBytes);
  }
  return spec;
}
