// The StoragePool provider's behaviour: define/adopt, build, start, autostart; stop and undefine
// without ever removing a directory that still holds files, or release a pool the lab adopted.
import type { Virsh } from "../virsh";
import { diffPool, toDiffResult, DiffResultLike } from "./diff";
import {
  adoptOrDefine,
  CheckFailure,
  confirmUri,
  readResult,
  errorText,
  identityFailures,
  Log,
  pulumiLog,
  released,
  virshFor,
  xmlIdentityFailures,
} from "./common";
import type { CheckedPool, Observed, PoolInputs, PoolOutputs } from "./inputs";
import { poolSummary, PoolSummary, xmlDrift, xmlMissing } from "./summary";

/**
 * Pure: the refusal of a new pool path or type. Replacing the pool would define an empty pool at
 * the new path while every volume and domain stays pointed at the old one (the guests no longer
 * start: "Storage volume not found"), so the change is refused before anything changes, with how
 * to move the disks.
 */
export function poolMoveProblem(name: string, olds: PoolSummary | undefined, news: PoolSummary): string | undefined {
  if (olds === undefined || (olds.path === news.path && olds.type === news.type)) return undefined;
  const what = olds.path !== news.path ? `path from ${olds.path} to ${news.path}` : `type from ${olds.type} to ${news.type}`;
  return (
    `pool ${name}: homelab:pool changes its ${what}, which would leave every VM's disk behind in ${olds.path} ` +
    `(the new pool would be empty and the guests would not start). Nothing was changed. To move the lab's disks and keep ` +
    `the guests' UEFI variables and TPM state: shut the guests down; virsh pool-destroy ${name}; move the image files ` +
    `(mkdir -p ${news.path} && mv ${olds.path}/* ${news.path}/); virsh pool-edit ${name} (set <path> to ${news.path}); ` +
    `virsh pool-start ${name}; then \`pulumi refresh\` (it reads the pool at its new path) and \`pulumi up\`. ` +
    `Or set homelab:pool.path back to ${olds.path}`
  );
}

export async function check(olds: Partial<CheckedPool>, news: PoolInputs): Promise<{ inputs: CheckedPool; failures: CheckFailure[] }> {
  const failures = identityFailures("pool", news as unknown as Record<string, unknown>, true);
  if (failures.length > 0) return { inputs: news as CheckedPool, failures };
  const summary = poolSummary(news.xml);
  const moved = olds.name === news.name ? poolMoveProblem(news.name, olds.summary, summary) : undefined;
  return {
    inputs: { ...news, summary },
    failures: [...xmlIdentityFailures("pool", news, summary), ...(moved ? [{ property: "xml", reason: moved }] : [])],
  };
}

export async function diff(_id: string, olds: PoolOutputs, news: CheckedPool): Promise<DiffResultLike> {
  await confirmUri("pool", olds, news);
  return toDiffResult(diffPool(olds, news));
}

async function observe(virsh: Virsh, inputs: CheckedPool, adopted?: boolean): Promise<PoolOutputs | undefined> {
  const info = await virsh.poolInfo(inputs.name);
  if (!info) return undefined;
  const liveXml = await virsh.poolXml(inputs.name);
  const drift = [
    ...xmlDrift(inputs.xml, liveXml),
    ...(inputs.active && info.state !== "running" ? [`state: ${info.state}, but active is true`] : []),
    ...(inputs.autostart !== info.autostart ? [`autostart: ${info.autostart}, but autostart is ${inputs.autostart}`] : []),
  ];
  // Read passes the stored outputs as inputs: what they observed then is observed anew here.
  const { note: _note, drift: _drift, adopted: _adopted, ...rest } = inputs as CheckedPool & Observed;
  return {
    ...rest,
    summary: poolSummary(liveXml),
    liveXml,
    state: info.state,
    isAutostart: info.autostart,
    ...(drift.length > 0 ? { drift } : {}),
    ...(adopted ? { adopted } : {}),
  };
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
  const { adopted } = await adoptOrDefine("pool", virsh, inputs, log);
  await converge(virsh, inputs);
  return { id: inputs.uuid, outs: (await observe(virsh, inputs, adopted))! };
}

export async function read(id: string, props: PoolOutputs) {
  return readResult(id, await observe(virshFor(props), props, props.adopted), ["liveXml", "state", "isAutostart", "adopted"] as const);
}

export async function update(_id: string, olds: PoolOutputs, news: CheckedPool): Promise<{ outs: PoolOutputs }> {
  const virsh = virshFor(news);
  await confirmUri("pool", olds, news);
  if (news.xml !== olds.xml || xmlMissing(news.xml, await virsh.poolXml(news.name)) !== undefined) await virsh.definePool(news.xml);
  await converge(virsh, news);
  return { outs: (await observe(virsh, news, olds.adopted))! };
}

export async function remove(_id: string, props: CheckedPool & Observed, log: Log = pulumiLog): Promise<void> {
  const virsh = virshFor(props);
  if (await released("pool", virsh, props, log)) return;
  const info = await virsh.poolInfo(props.name);
  if (!info) return;
  const volumes = info.state === "running" ? await virsh.listVolumes(props.name) : [];
  if (info.state === "running") await virsh.destroyPool(props.name);
  if (volumes.length > 0) {
    await log.info(`pool ${props.name}: left its directory ${props.summary.path} in place: it still holds ${volumes.join(", ")}`);
  } else {
    // pool-delete on a dir pool is rmdir: it cannot remove a directory that holds files.
    try {
      await virsh.deletePool(props.name);
    } catch (e) {
      await log.info(`pool ${props.name}: left its directory ${props.summary.path} in place (${errorText(e)})`);
    }
  }
  await virsh.undefinePool(props.name);
}
