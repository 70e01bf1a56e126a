// Pure decisions: old state vs new inputs -> what changes in place, what forces a replacement,
// and what is refused. The providers only translate these into Pulumi's DiffResult.
import type { CheckedDomain, CheckedNetwork, CheckedPool, CheckedVolume, DomainOutputs, NetworkOutputs, PoolOutputs, VolumeOutputs } from "./inputs";

export type ChangeKind = "update" | "replace";

export interface Decision {
  /** Input paths that change in place, e.g. "summary.memoryMiB". */
  updates: string[];
  /** Input paths whose change needs a new object (delete, then create). */
  replaces: string[];
}

/** A field the diff looks at, and what a change to it costs. */
interface Field {
  path: string;
  kind: ChangeKind;
}

const at = (o: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), o);

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function decide(olds: object, news: object, fields: Field[]): Decision {
  const changed = fields.filter((f) => !same(at(olds, f.path), at(news, f.path)));
  const decision: Decision = {
    updates: changed.filter((f) => f.kind === "update").map((f) => f.path),
    replaces: changed.filter((f) => f.kind === "replace").map((f) => f.path),
  };
  // The XML changed in a way no named field explains (a renderer change, say): still a change.
  if (decision.updates.length + decision.replaces.length === 0 && !same(at(olds, "xml"), at(news, "xml"))) decision.updates.push("xml");
  return decision;
}

const replace = (...paths: string[]): Field[] => paths.map((path) => ({ path, kind: "replace" }));
const update = (...paths: string[]): Field[] => paths.map((path) => ({ path, kind: "update" }));

export function diffNetwork(olds: Partial<NetworkOutputs>, news: CheckedNetwork): Decision {
  return decide(olds, news, [
    // A bridge is renamed only by tearing the network down: its guests lose their link.
    ...replace("uri", "name", "uuid", "summary.bridge"),
    ...update("summary.mac", "summary.mode", "summary.ips", "summary.dhcp", "active", "autostart"),
  ]);
}

export function diffPool(olds: Partial<PoolOutputs>, news: CheckedPool): Decision {
  return decide(olds, news, [
    ...replace("uri", "name", "uuid", "summary.type", "summary.path"),
    ...update("active", "autostart"),
  ]);
}

export function diffDomain(olds: Partial<DomainOutputs>, news: CheckedDomain): Decision {
  return decide(olds, news, [
    ...replace("uri", "name", "uuid"),
    ...update("summary.type", "summary.memoryMiB", "summary.vcpus", "summary.nics", "summary.disks", "summary.firmware", "summary.tpm", "start"),
  ]);
}

/** The refusal for a volume that would shrink, or undefined. Shrinking a disk image loses the guest's data. */
export function volumeShrinkProblem(pool: string, name: string, currentBytes: number, requestedBytes: number): string | undefined {
  if (requestedBytes >= currentBytes) return undefined;
  return `volume ${pool}/${name} would shrink from ${currentBytes} to ${requestedBytes} bytes (${gib(currentBytes)} -> ${gib(requestedBytes)}), ` +
    `which loses the guest's data: homelab never shrinks a disk. Set the VM's disk back to at least ${gib(currentBytes)}, ` +
    `or shrink the filesystem inside the guest and the image by hand (qemu-img resize --shrink) first`;
}

const gib = (bytes: number) => `${+(bytes / 1024 ** 3).toFixed(2)} GiB`;

/** Throws the shrink refusal; otherwise the decision. */
export function diffVolume(olds: Partial<VolumeOutputs>, news: CheckedVolume): Decision {
  const current = Math.max(olds.capacityBytes ?? 0, olds.liveCapacityBytes ?? 0);
  const problem = volumeShrinkProblem(news.pool, news.name, current, news.capacityBytes);
  if (problem) throw new Error(problem);
  return decide(olds, news, [
    // A new format is a new image: the old one is never converted (or silently dropped).
    ...replace("uri", "pool", "name", "format"),
    ...update("capacityBytes", "deleteOnDestroy"),
  ]);
}

/**
 * Pulumi's DiffResult (structural, so this module has no Pulumi import). The dynamic provider host
 * of @pulumi/pulumi 3.270 drops `detailedDiff`, so the engine shows the changed input paths itself:
 * that is why check() puts the XML's summary (memoryMiB, nics, ...) into the inputs.
 */
export interface DiffResultLike {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export function toDiffResult(d: Decision): DiffResultLike {
  return {
    changes: d.updates.length + d.replaces.length > 0,
    // Top-level input names, as the engine matches them against the inputs.
    replaces: [...new Set(d.replaces.map((p) => p.split(".")[0]))],
    // libvirt names are unique on a host: the old object must go before the new one is defined.
    deleteBeforeReplace: d.replaces.length > 0,
  };
}

/** What an in-place domain update means for a guest, for the log. */
export function domainUpdateNote(name: string, d: Decision, running: boolean): string | undefined {
  const fields = d.updates.filter((p) => p !== "start").map((p) => p.replace(/^summary\./, ""));
  if (fields.length === 0) return undefined;
  return `domain ${name}: ${fields.join(", ")} changed in the persistent definition; ` +
    (running ? "the running guest picks the change up at its next boot (shut it down and start it)" : "applies when the domain next starts");
}
