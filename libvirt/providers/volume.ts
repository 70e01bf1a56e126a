// The Volume provider's behaviour: create or adopt, grow (never shrink), keep the disk on delete
// unless deleteOnDestroy.
import { Virsh, VirshError } from "../virsh";
import { diffVolume, toDiffResult, volumeShrinkProblem, DiffResultLike } from "./diff";
import { CheckFailure, identityFailures, Log, pulumiLog, readResult, virshFor } from "./common";
import type { CheckedVolume, VolumeInputs, VolumeOutputs } from "./inputs";
import { volumeSummary } from "./summary";

/** Pure: what a grow does, for the preview. */
export function volumeGrowNote(pool: string, name: string, oldBytes: number | undefined, newBytes: number): string | undefined {
  if (oldBytes === undefined || newBytes <= oldBytes) return undefined;
  // Windows does not extend its partition by itself: the new space shows as unallocated
  // (https://learn.microsoft.com/en-us/windows-server/storage/disk-management/extend-a-basic-volume).
  return (
    `volume ${pool}/${name} grows from ${oldBytes} to ${newBytes} bytes in place; if its guest runs, it grows live ` +
    "(virsh blockresize) and the guest sees the new space as unallocated (extend the volume in Disk Management); no shutdown needed"
  );
}

/**
 * Pure: what a destroy will do to a disk the lab keeps, said when the disk is created (in the
 * preview and in the up). At delete time Pulumi gives the provider no way to attach a note to the
 * resource (see ./engine-log.ts), so the user learns it here, where the note has its resource.
 */
export function volumeKeptNote(pool: string, name: string): string {
  return (
    `volume ${pool}/${name}: kept with its data when the lab is destroyed or the disk leaves it (deleteOnDestroy is off); ` +
    `delete it by hand with virsh vol-delete --pool ${pool} ${name}`
  );
}

export async function check(olds: Partial<VolumeInputs>, news: VolumeInputs): Promise<{ inputs: CheckedVolume; failures: CheckFailure[] }> {
  const failures = identityFailures("volume", news as unknown as Record<string, unknown>, false);
  const label = `volume ${news.pool}/${news.name}`;
  if (typeof news.pool !== "string" || news.pool === "") failures.push({ property: "pool", reason: `${label}: pool must name the storage pool that holds it` });
  if (!Number.isSafeInteger(news.capacityBytes) || news.capacityBytes <= 0)
    failures.push({ property: "capacityBytes", reason: `${label}: capacityBytes must be a positive whole number of bytes` });
  if (typeof news.format !== "string" || news.format === "")
    failures.push({ property: "format", reason: `${label}: format must be a volume format, e.g. qcow2` });
  if (typeof news.deleteOnDestroy !== "boolean") failures.push({ property: "deleteOnDestroy", reason: `${label}: deleteOnDestroy must be true or false` });
  if (failures.length > 0) return { inputs: news, failures };
  const xml = volumeSummary(news.xml);
  if (xml.name !== news.name) failures.push({ property: "xml", reason: `${label}: the XML names it ${JSON.stringify(xml.name)}` });
  if (xml.capacityBytes !== news.capacityBytes)
    failures.push({ property: "xml", reason: `${label}: the XML asks for ${xml.capacityBytes} bytes but capacityBytes is ${news.capacityBytes}` });
  if (xml.format !== news.format) failures.push({ property: "xml", reason: `${label}: the XML asks for format ${xml.format} but format is ${news.format}` });
  // Refused as early as possible: before any preview shows a plan that would lose the disk.
  if (olds.capacityBytes !== undefined && olds.pool === news.pool && olds.name === news.name) {
    const problem = volumeShrinkProblem(news.pool, news.name, olds.capacityBytes, news.capacityBytes);
    if (problem) failures.push({ property: "capacityBytes", reason: problem });
  }
  const created = olds.pool === undefined && olds.name === undefined;
  const note = created
    ? news.deleteOnDestroy
      ? undefined
      : volumeKeptNote(news.pool, news.name)
    : olds.pool === news.pool && olds.name === news.name
      ? volumeGrowNote(news.pool, news.name, olds.capacityBytes, news.capacityBytes)
      : undefined;
  return { inputs: note ? { ...news, note } : news, failures };
}

async function confirmUri(olds: Partial<VolumeOutputs>, news: CheckedVolume): Promise<void> {
  if (olds.uri === undefined || olds.uri === news.uri) return;
  // A volume has no UUID: the new URI must show the same pool holding it at the same path.
  const virsh = virshFor(news);
  const found = (await virsh.volumeInfo(news.pool, news.name)) ? await virsh.volumePath(news.pool, news.name) : undefined;
  if (olds.path !== undefined && found === olds.path) return;
  const label = `volume ${news.pool}/${news.name}`;
  throw new Error(
    `${label}: homelab:uri changed from ${olds.uri} to ${news.uri}, but ${news.uri} has ${found === undefined ? "no such volume" : `it at ${found}, not at ${olds.path}`}, ` +
      "so the new URI does not reach the same host. homelab does not move a lab between hosts by replacing it. " +
      `Set homelab:uri back to ${olds.uri}, or check that the new URI reaches the same libvirtd (virsh -c '${news.uri}' vol-path --pool ${news.pool} ${news.name})`,
  );
}

export async function diff(_id: string, olds: VolumeOutputs, news: CheckedVolume): Promise<DiffResultLike> {
  await confirmUri(olds, news);
  return toDiffResult(diffVolume(olds, news));
}

/** Grows the image; while a running guest holds it open, through that guest (QEMU's block_resize). */
async function grow(virsh: Virsh, inputs: CheckedVolume, log: Log): Promise<void> {
  try {
    await virsh.growVolume(inputs.pool, inputs.name, inputs.capacityBytes);
  } catch (e) {
    if (!(e instanceof VirshError && /running guest holds the image open/.test(e.detail))) throw e;
    const path = await virsh.volumePath(inputs.pool, inputs.name);
    const holder = await runningHolder(virsh, [path, `${inputs.pool}/${inputs.name}`, inputs.name]);
    if (!holder) throw e;
    await virsh.blockResize(holder.uuid, holder.target, inputs.capacityBytes, holder.name);
    log.info(
      `volume ${inputs.pool}/${inputs.name}: grown live to ${inputs.capacityBytes} bytes through ${holder.name} (virsh blockresize); ` +
        "the guest sees the new space as unallocated",
    );
  }
}

/** The running domain that has the volume as a disk, with its target (sda, ...). `domblklist` names a
 *  file disk by its path and a `type='volume'` disk by pool/volume or the volume's name. */
async function runningHolder(virsh: Virsh, spellings: string[]): Promise<{ uuid: string; name: string; target: string } | undefined> {
  for (const [name, uuid] of await virsh.domainUuids()) {
    if ((await virsh.domainState(uuid, name)) !== "running") continue;
    const disk = (await virsh.domainDisks(uuid, name)).find((d) => spellings.includes(d.source));
    if (disk) return { uuid, name, target: disk.target };
  }
  return undefined;
}

async function observe(virsh: Virsh, inputs: CheckedVolume): Promise<VolumeOutputs | undefined> {
  const info = await virsh.volumeInfo(inputs.pool, inputs.name);
  if (!info) return undefined;
  const live = volumeSummary(await virsh.volumeXml(inputs.pool, inputs.name));
  const { note: _note, ...rest } = inputs;
  return { ...rest, path: await virsh.volumePath(inputs.pool, inputs.name), liveCapacityBytes: info.capacityBytes, liveFormat: live.format };
}

export async function create(inputs: CheckedVolume, log: Log = pulumiLog): Promise<{ id: string; outs: VolumeOutputs }> {
  const virsh = virshFor(inputs);
  const label = `volume ${inputs.pool}/${inputs.name}`;
  const existing = await virsh.volumeInfo(inputs.pool, inputs.name);
  if (existing) {
    // A disk kept from an earlier lab (deleteOnDestroy off) or made by hand: adopt it, never replace it.
    const live = volumeSummary(await virsh.volumeXml(inputs.pool, inputs.name));
    if (live.format !== inputs.format) {
      throw new Error(
        `${label} already exists on ${virsh.uri} as ${live.format}, but the lab asks for ${inputs.format}: ` +
          `homelab does not convert or overwrite a disk. Remove it (virsh vol-delete --pool ${inputs.pool} ${inputs.name}) if its data is not needed, or keep the format ${live.format}`,
      );
    }
    const problem = volumeShrinkProblem(inputs.pool, inputs.name, existing.capacityBytes, inputs.capacityBytes);
    if (problem) throw new Error(`${label} already exists: ${problem}`);
    log.info(`${label} exists: adopting it with its data`);
    await grow(virsh, inputs, log);
  } else {
    await virsh.createVolume(inputs.pool, inputs.xml);
  }
  if (!inputs.deleteOnDestroy) log.info(volumeKeptNote(inputs.pool, inputs.name));
  const outs = (await observe(virsh, inputs))!;
  return { id: outs.path, outs };
}

export async function read(id: string, props: CheckedVolume) {
  return readResult(id, await observe(virshFor(props), props), ["path", "liveCapacityBytes", "liveFormat"] as const);
}

export async function update(_id: string, olds: VolumeOutputs, news: CheckedVolume, log: Log = pulumiLog): Promise<{ outs: VolumeOutputs }> {
  const virsh = virshFor(news);
  await confirmUri(olds, news);
  diffVolume(olds, news); // throws the shrink refusal
  await grow(virsh, news, log);
  return { outs: (await observe(virsh, news))! };
}

export async function remove(_id: string, props: CheckedVolume, log: Log = pulumiLog): Promise<void> {
  const virsh = virshFor(props);
  const label = `volume ${props.pool}/${props.name}`;
  if (!props.deleteOnDestroy) {
    await log.info(volumeKeptNote(props.pool, props.name));
    return;
  }
  const pool = await virsh.poolInfo(props.pool);
  if (!pool) return;
  if (pool.state !== "running") {
    await log.warn(`${label}: not deleted: pool ${props.pool} is not running (start it and delete the volume by hand)`);
    return;
  }
  if (await virsh.volumeInfo(props.pool, props.name)) await virsh.deleteVolume(props.pool, props.name);
}
