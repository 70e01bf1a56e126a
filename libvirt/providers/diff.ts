// Pure decisions: old state vs new inputs -> what changes in place, what forces a replacement,
// and what is refused. The providers only translate these into Pulumi's DiffResult.
import type { CheckedDomain, CheckedNetwork, CheckedPool, CheckedVolume, DomainOutputs, NetworkOutputs, PoolOutputs, VolumeOutputs } from "./inputs";

// A new `uri` is an update, never a replacement: the objects' identity is their name and UUID on
// a host, and a re-spelled URI (qemu:///system -> qemu+ssh://me@thishost/system) reaches the same
// ones. The providers' diff confirms the object with that UUID answers at the new URI, and refuses
// otherwise: a replacement would undefine every domain with its NVRAM and TPM state.
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
  // Drift that read found (libvirt lacks or contradicts what the inputs ask) is an update: the
  // update redefines or restarts what is needed. The inputs never carry drift, so any is a change.
  fields = [...fields, ...update("drift")];
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
    ...replace("name", "uuid", "summary.bridge"),
    ...update("uri", "summary.mac", "summary.mode", "summary.ips", "summary.dhcp", "active", "autostart"),
  ]);
}

export function diffPool(olds: Partial<PoolOutputs>, news: CheckedPool): Decision {
  return decide(olds, news, [...replace("name", "uuid", "summary.type", "summary.path"), ...update("uri", "active", "autostart")]);
}

export function diffDomain(olds: Partial<DomainOutputs>, news: CheckedDomain): Decision {
  return decide(olds, news, [
    ...replace("name", "uuid"),
    ...update("uri", "summary.type", "summary.memoryMiB", "summary.vcpus", "summary.nics", "summary.disks", "summary.firmware", "summary.tpm", "start"),
  ]);
}

/** The refusal for a volume that would shrink, or undefined. Shrinking a disk image loses the guest's data. */
export function volumeShrinkProblem(pool: string, name: string, currentBytes: number, requestedBytes: number): string | undefined {
  if (requestedBytes >= currentBytes) return undefined;
  return (
    `volume ${pool}/${name} would shrink from ${currentBytes} to ${requestedBytes} bytes (${gib(currentBytes)} -> ${gib(requestedBytes)}), ` +
    `which loses the guest's data: homelab never shrinks a disk. Set the VM's disk back to at least ${gib(currentBytes)}, ` +
    `or shrink the filesystem inside the guest and the image by hand (qemu-img resize --shrink) first`
  );
}

const gib = (bytes: number) => `${+(bytes / 1024 ** 3).toFixed(2)} GiB`;

/** Throws the shrink refusal; otherwise the decision. */
export function diffVolume(olds: Partial<VolumeOutputs>, news: CheckedVolume): Decision {
  const current = Math.max(olds.capacityBytes ?? 0, olds.liveCapacityBytes ?? 0);
  const problem = volumeShrinkProblem(news.pool, news.name, current, news.capacityBytes);
  if (problem) throw new Error(problem);
  return decide(olds, news, [
    // A new format is a new image: the old one is never converted (or silently dropped).
    ...replace("pool", "name", "format"),
    ...update("uri", "capacityBytes", "deleteOnDestroy"),
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
  const fields = d.updates
    .filter((p) => p !== "start" && p !== "uri")
    .map((p) => (p === "drift" ? "what was changed outside the lab" : p.replace(/^summary\./, "")));
  if (fields.length === 0) return undefined;
  return (
    `domain ${name}: ${fields.join(", ")} changed in the persistent definition; ` +
    (running ? "the running guest picks the change up at its next boot (shut it down and start it)" : "applies when the domain next starts")
  );
}

/** The refusal for a URI change that does not reach the same object, or undefined. */
export function uriMoveProblem(kind: string, name: string, uuid: string, oldUri: string, newUri: string, foundUuid: string | undefined): string | undefined {
  if (foundUuid !== undefined && foundUuid.toLowerCase() === uuid.toLowerCase()) return undefined;
  const found = foundUuid === undefined ? `no ${kind} named ${name}` : `a ${kind} named ${name} with another UUID (${foundUuid})`;
  return (
    `${kind} ${name}: homelab:uri changed from ${oldUri} to ${newUri}, but ${newUri} has ${found}, so the new URI does not reach the same host. ` +
    `homelab does not move a lab between hosts by replacing it (that would undefine every domain with its UEFI variables and TPM state). ` +
    `Set homelab:uri back to ${oldUri}; to move the lab, destroy it there (the disks stay) and copy the pool's images to the new host first, ` +
    `or, if only the spelling changed, check that the new URI reaches the same libvirtd (virsh -c '${newUri}' ${kind === "domain" ? "dominfo" : kind === "network" ? "net-info" : "pool-info"} ${kind === "domain" ? uuid : name})`
  );
}
