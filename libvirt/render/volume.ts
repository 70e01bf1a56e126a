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
  return serialize(volume);
}
