// The Volume provider's behaviour: create or adopt, grow (never shrink), keep the disk on delete
// unless deleteOnDestroy.
import type { Virsh } from "../virsh";
import { diffVolume, toDiffResult, volumeShrinkProblem, DiffResultLike } from "./diff";
import { CheckFailure, identityFailures, Log, pulumiLog, virshFor } from "./common";
import type { CheckedVolume, VolumeInputs, VolumeOutputs } from "./inputs";
import { volumeSummary } from "./summary";

export async function check(olds: Partial<VolumeInputs>, news: VolumeInputs): Promise<{ inputs: CheckedVolume; failures: CheckFailure[] }> {
  const failures = identityFailures("volume", news as unknown as Record<string, unknown>, false);
  const label = `volume ${news.pool}/${news.name}`;
  if (typeof news.pool !== "string" || news.pool === "") failures.push({ property: "pool", reason: `${label}: pool must name the storage pool that holds it` });
  if (!Number.isSafeInteger(news.capacityBytes) || news.capacityBytes <= 0) failures.push({ property: "capacityBytes", reason: `${label}: capacityBytes must be a positive whole number of bytes` });
  if (typeof news.format !== "string" || news.format === "") failures.push({ property: "format", reason: `${label}: format must be a volume format, e.g. qcow2` });
  if (typeof news.deleteOnDestroy !== "boolean") failures.push({ property: "deleteOnDestroy", reason: `${label}: deleteOnDestroy must be true or false` });
  if (failures.length > 0) return { inputs: news, failures };
  const xml = volumeSummary(news.xml);
  if (xml.name !== news.name) failures.push({ property: "xml", reason: `${label}: the XML names it ${JSON.stringify(xml.name)}` });
  if (xml.capacityBytes !== news.capacityBytes) failures.push({ property: "xml", reason: `${label}: the XML asks for ${xml.capacityBytes} bytes but capacityBytes is ${news.capacityBytes}` });
  if (xml.format !== news.format) failures.push({ property: "xml", reason: `${label}: the XML asks for format ${xml.format} but format is ${news.format}` });
  // Refused as early as possible: before any preview shows a plan that would lose the disk.
  if (olds.capacityBytes !== undefined && olds.pool === news.pool && olds.name === news.name) {
    const problem = volumeShrinkProblem(news.pool, news.name, olds.capacityBytes, news.capacityBytes);
    if (problem) failures.push({ property: "capacityBytes", reason: problem });
  }
  return { inputs: news, failures };
}

export async function diff(_id: string, olds: VolumeOutputs, news: CheckedVolume): Promise<DiffResultLike> {
  return toDiffResult(diffVolume(olds, news));
}

async function observe(virsh: Virsh, inputs: CheckedVolume): Promise<VolumeOutputs | undefined> {
  const info = await virsh.volumeInfo(inputs.pool, inputs.name);
  if (!info) return undefined;
  const live = volumeSummary(await virsh.volumeXml(inputs.pool, inputs.name));
  return { ...inputs, path: await virsh.volumePath(inputs.pool, inputs.name), liveCapacityBytes: info.capacityBytes, liveFormat: live.format };
}

export async function create(inputs: CheckedVolume, log: Log = pulumiLog): Promise<{ id: string; outs: VolumeOutputs }> {
  const virsh = virshFor(inputs);
  const label = `volume ${inputs.pool}/${inputs.name}`;
  const existing = await virsh.volumeInfo(inputs.pool, inputs.name);
  if (existing) {
    // A disk kept from an earlier lab (deleteOnDestroy off) or made by hand: adopt it, never replace it.
    const live = volumeSummary(await virsh.volumeXml(inputs.pool, inputs.name));
    if (live.format !== inputs.format) {
      throw new Error(`${label} already exists on ${virsh.uri} as ${live.format}, but the lab asks for ${inputs.format}: ` +
        `homelab does not convert or overwrite a disk. Remove it (virsh vol-delete --pool ${inputs.pool} ${inputs.name}) if its data is not needed, or keep the format ${live.format}`);
    }
    const problem = volumeShrinkProblem(inputs.pool, inputs.name, existing.capacityBytes, inputs.capacityBytes);
    if (problem) throw new Error(`${label} already exists: ${problem}`);
    log.info(`${label} exists: adopting it with its data`);
    await virsh.growVolume(inputs.pool, inputs.name, inputs.capacityBytes);
  } else {
    await virsh.createVolume(inputs.pool, inputs.xml);
  }
  const outs = (await observe(virsh, inputs))!;
  return { id: outs.path, outs };
}

export async function read(id: string, props: CheckedVolume): Promise<{ id?: string; props?: VolumeOutputs }> {
  const outs = await observe(virshFor(props), props);
  return outs ? { id, props: outs } : {};
}

export async function update(_id: string, olds: VolumeOutputs, news: CheckedVolume): Promise<{ outs: VolumeOutputs }> {
  const virsh = virshFor(news);
  diffVolume(olds, news); // throws the shrink refusal
  await virsh.growVolume(news.pool, news.name, news.capacityBytes);
  return { outs: (await observe(virsh, news))! };
}

export async function remove(_id: string, props: CheckedVolume, log: Log = pulumiLog): Promise<void> {
  const virsh = virshFor(props);
  const label = `volume ${props.pool}/${props.name}`;
  if (!props.deleteOnDestroy) {
    log.info(`${label}: kept with its data (deleteOnDestroy is off); delete it by hand with virsh vol-delete --pool ${props.pool} ${props.name}`);
    return;
  }
  const pool = await virsh.poolInfo(props.pool);
  if (!pool) return;
  if (pool.state !== "running") {
    log.warn(`${label}: not deleted: pool ${props.pool} is not running (start it and delete the volume by hand)`);
    return;
  }
  if (await virsh.volumeInfo(props.pool, props.name)) await virsh.deleteVolume(props.pool, props.name);
}
