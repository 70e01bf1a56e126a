// A base image is never deleted while any volume in any pool on the connection still reads from it.
import { XMLParser } from "fast-xml-parser";
import type { Virsh } from "../libvirt/virsh";

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false });

interface VolumeLink {
  label: string;
  path?: string;
  backing?: string;
}

/** The volume's own path and the backing store path its XML names (libvirt reads it from the image header). Pure. */
export function linkOf(label: string, volumeXml: string): VolumeLink {
  const doc = parser.parse(volumeXml) as { volume?: { target?: { path?: unknown }; backingStore?: { path?: unknown } } };
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  return { label, path: text(doc.volume?.target?.path), backing: text(doc.volume?.backingStore?.path) };
}

/** Labels of the volumes that read from `basePath`, directly or through a chain of overlays. Pure. */
export function dependentsOf(basePath: string, links: readonly VolumeLink[]): string[] {
  const reached = new Set<string>([basePath]);
  const found = new Set<string>();
  for (let grew = true; grew;) {
    grew = false;
    for (const l of links) {
      if (l.backing && reached.has(l.backing) && !found.has(l.label)) {
        found.add(l.label);
        if (l.path) reached.add(l.path);
        grew = true;
      }
    }
  }
  return [...found].sort();
}

/** "pool/volume" of every volume in every running pool on the connection that reads from `basePath`. */
export async function volumesBackedBy(virsh: Virsh, basePath: string): Promise<string[]> {
  const links: VolumeLink[] = [];
  for (const pool of await virsh.listPools()) {
    const info = await virsh.poolInfo(pool);
    if (info?.state !== "running") continue;
    // Volumes made outside libvirt (a qemu-img run by hand) appear only after a refresh.
    await virsh.refreshPool(pool);
    for (const name of await virsh.listVolumes(pool)) links.push(linkOf(`${pool}/${name}`, await virsh.volumeXml(pool, name)));
  }
  return dependentsOf(basePath, links);
}

export class BaseImageInUseError extends Error {
  constructor(
    readonly base: string,
    readonly clones: string[],
  ) {
    super(
      `base image ${base} is the backing store of ${clones.length} volume(s): ${clones.join(", ")}. ` +
        "Deleting or rewriting it would destroy their disks. Delete those clones first (or make them independent with " +
        "`qemu-img convert`), then delete the base image",
    );
    this.name = "BaseImageInUseError";
  }
}

/** Deletes a base image only when no volume on the connection names it as backing store; otherwise throws, naming the clones. */
export async function deleteBaseImage(virsh: Virsh, pool: string, name: string): Promise<void> {
  const path = await virsh.volumePath(pool, name);
  const clones = await volumesBackedBy(virsh, path);
  if (clones.length > 0) throw new BaseImageInUseError(`${pool}/${name}`, clones);
  await virsh.deleteVolume(pool, name);
}
