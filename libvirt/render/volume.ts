import type { VolumeSpec } from "../../lab";
import { emptyElement, rootElement, serialize, textElement } from "./xml";

/** libvirt storage volume XML (formatstorage): a sparse qcow2 disk. */
export function renderVolumeXml(vol: VolumeSpec): string {
  const volume = rootElement("volume");
  textElement(volume, "name", vol.name);
  textElement(volume, "capacity", vol.capacityBytes, { unit: "bytes" });
  // Thin: the image grows as the guest writes.
  textElement(volume, "allocation", 0, { unit: "bytes" });
  const target = volume.ele("target");
  emptyElement(target, "format", { type: vol.format });
  // Without it qemu-img writes compat 0.10, which lacks lazy refcounts and zero clusters.
  textElement(target, "compat", "1.1");
  // ---- base images (issue 13): a linked clone names its base image (formatstorage, "Backing store elements").
  if (vol.backingStore) {
    const backing = volume.ele("backingStore");
    textElement(backing, "path", vol.backingStore.path);
    emptyElement(backing, "format", { type: vol.backingStore.format });
  }
  // ---- end base images
  return serialize(volume);
}
