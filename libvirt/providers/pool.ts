// The StoragePool provider's behaviour: define/adopt, build, start, autostart; stop and undefine
// without ever removing a directory that still holds files.
import type { Virsh } from "../virsh";
import { diffPool, toDiffResult, DiffResultLike } from "./diff";
import { CheckFailure, errorText, identityFailures, Log, pulumiLog, sameUuid, uuidConflict, virshFor, xmlIdentityFailures } from "./common";
import type { CheckedPool, PoolInputs, PoolOutputs } from "./inputs";
import { poolSummary, xmlMissing } from "./summary";

export async function check(_olds: Partial<PoolInputs>, news: PoolInputs): Promise<{ inputs: CheckedPool; failures: CheckFailure[] }> {
  const failures = identityFailures("pool", news as unknown as Record<string, unknown>, true);
  if (failures.length > 0) return { inputs: news as CheckedPool, failures };
  const summary = poolSummary(news.xml);
  return { inputs: { ...news, summary }, failures: xmlIdentityFailures("pool", news, summary) };
}

export async function diff(_id: string, olds: PoolOutputs, news: CheckedPool): Promise<DiffResultLike> {
  return toDiffResult(diffPool(olds, news));
}

async function observe(virsh: Virsh, inputs: CheckedPool): Promise<PoolOutputs | undefined> {
  const info = await virsh.poolInfo(inputs.name);
  if (!info) return undefined;
  const liveXml = await virsh.poolXml(inputs.name);
  return { ...inputs, summary: poolSummary(liveXml), liveXml, state: info.state, isAutostart: info.autostart };
}

async function converge(virsh: Virsh, inputs: CheckedPool): Promise<void> {
  const info = await virsh.poolInfo(inputs.name);
  if (inputs.active && info?.state !== "running") {
    // For a dir pool, build creates the directory; a directory that exists is left as it is.
    await virsh.buildPool(inputs.name);
    await virsh.startPool(inputs.name);
  }
  if (info?.autostart !== inputs.autostart) await virsh.setPoolAutostart(inputs.name, inputs.autostart);
}

export async function create(inputs: CheckedPool, log: Log = pulumiLog): Promise<{ id: string; outs: PoolOutputs }> {
  const virsh = virshFor(inputs);
  const existing = await virsh.poolInfo(inputs.name);
  if (existing && !sameUuid(existing.uuid, inputs.uuid)) {
    throw uuidConflict("pool", inputs.name, virsh.uri, existing.uuid, inputs.uuid,
      `virsh pool-destroy ${inputs.name}; virsh pool-undefine ${inputs.name}: the files stay`, "homelab:pool.uuid");
  }
  const differs = existing ? xmlMissing(inputs.xml, await virsh.poolXml(inputs.name)) : "(new)";
  if (differs) {
    if (existing) log.info(`pool ${inputs.name} exists with the same UUID: adopting it and redefining it (${differs} differed)`);
    await virsh.definePool(inputs.xml);
  }
  await converge(virsh, inputs);
  return { id: inputs.uuid, outs: (await observe(virsh, inputs))! };
}

export async function read(id: string, props: CheckedPool): Promise<{ id?: string; props?: PoolOutputs }> {
  const outs = await observe(virshFor(props), props);
  return outs ? { id, props: outs } : {};
}

export async function update(_id: string, olds: PoolOutputs, news: CheckedPool): Promise<{ outs: PoolOutputs }> {
  const virsh = virshFor(news);
  if (diffPool(olds, news).updates.includes("xml")) await virsh.definePool(news.xml);
  await converge(virsh, news);
  return { outs: (await observe(virsh, news))! };
}

export async function remove(_id: string, props: CheckedPool, log: Log = pulumiLog): Promise<void> {
  const virsh = virshFor(props);
  const info = await virsh.poolInfo(props.name);
  if (!info) return;
  const volumes = info.state === "running" ? await virsh.listVolumes(props.name) : [];
  if (info.state === "running") await virsh.destroyPool(props.name);
  if (volumes.length > 0) {
    log.info(`pool ${props.name}: left its directory ${props.summary.path} in place: it still holds ${volumes.join(", ")}`);
  } else {
    // pool-delete on a dir pool is rmdir: it cannot remove a directory that holds files.
    try {
      await virsh.deletePool(props.name);
    } catch (e) {
      log.info(`pool ${props.name}: left its directory ${props.summary.path} in place (${errorText(e)})`);
    }
  }
  await virsh.undefinePool(props.name);
}
