// The Network provider's behaviour: define/adopt, start, autostart; a change reaches the running
// network (net-update for DHCP hosts and ranges, a restart otherwise); stop and undefine, or
// release a network the lab adopted.
import type { Virsh } from "../virsh";
import { diffNetwork, toDiffResult, DiffResultLike } from "./diff";
import { adoptOrDefine, CheckFailure, confirmUri, readResult, identityFailures, Log, pulumiLog, released, virshFor, xmlIdentityFailures } from "./common";
import type { CheckedNetwork, NetworkInputs, NetworkOutputs, Observed } from "./inputs";
import { liveNetworkPlan } from "./network-live";
import { networkSummary, NetworkSummary, xmlDrift } from "./summary";

/** Pure: what applying new settings does to the network while it runs, for the preview. */
export function networkChangeNote(name: string, olds: NetworkSummary | undefined, news: NetworkSummary): string | undefined {
  if (olds === undefined) return undefined;
  const changed = (["mac", "mode", "ips"] as const).filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
  if (changed.length > 0) {
    return (
      `network ${name}: ${changed.join(", ")} change only by restarting the network: if it runs, it restarts ` +
      "(its guests lose their link until their NICs are re-plugged or they reboot)"
    );
  }
  if (JSON.stringify(olds.dhcp) !== JSON.stringify(news.dhcp))
    return `network ${name}: DHCP hosts and ranges are applied to the running network (virsh net-update --live --config)`;
  return undefined;
}

export async function check(olds: Partial<CheckedNetwork>, news: NetworkInputs): Promise<{ inputs: CheckedNetwork; failures: CheckFailure[] }> {
  const failures = identityFailures("network", news as unknown as Record<string, unknown>, true);
  if (failures.length > 0) return { inputs: news as CheckedNetwork, failures };
  const summary = networkSummary(news.xml);
  const note = networkChangeNote(news.name, olds.summary, summary);
  return { inputs: { ...news, summary, ...(note ? { note } : {}) }, failures: xmlIdentityFailures("network", news, summary) };
}

export async function diff(_id: string, olds: NetworkOutputs, news: CheckedNetwork): Promise<DiffResultLike> {
  await confirmUri("network", olds, news);
  return toDiffResult(diffNetwork(olds, news));
}

async function observe(virsh: Virsh, inputs: CheckedNetwork, adopted?: boolean): Promise<NetworkOutputs | undefined> {
  const info = await virsh.networkInfo(inputs.name);
  if (!info) return undefined;
  const liveXml = await virsh.networkXml(inputs.name);
  // The running network is what guests get: it can differ from the definition (a redefine
  // without a restart), so both are compared.
  const running = info.active ? await virsh.networkXml(inputs.name, { inactive: false }) : undefined;
  // Containment misses entries the lab does not ask for: a reservation added by hand is drift too.
  const extras = (xml: string) =>
    liveNetworkPlan(inputs.xml, xml)
      .updates.filter((u) => u.command === "delete")
      .map((u) => `${u.section} ${u.xml} (not in the lab)`);
  const drift = [
    ...xmlDrift(inputs.xml, liveXml),
    ...extras(liveXml),
    ...(running !== undefined ? [...xmlDrift(inputs.xml, running), ...extras(running)].map((d) => `running: ${d}`) : []),
    ...(inputs.active && !info.active ? ["state: inactive, but active is true"] : []),
    ...(inputs.autostart !== info.autostart ? [`autostart: ${info.autostart}, but autostart is ${inputs.autostart}`] : []),
  ];
  // Read passes the stored outputs as inputs: what they observed then is observed anew here.
  const { note: _note, drift: _drift, adopted: _adopted, ...rest } = inputs as CheckedNetwork & Observed;
  return {
    ...rest,
    summary: networkSummary(liveXml),
    liveXml,
    isActive: info.active,
    isAutostart: info.autostart,
    ...(drift.length > 0 ? { drift } : {}),
    ...(adopted ? { adopted } : {}),
  };
}

/** Brings the running network to its definition: net-update where libvirt can, else a restart. */
async function applyLive(virsh: Virsh, inputs: CheckedNetwork, log: Log): Promise<void> {
  const plan = liveNetworkPlan(inputs.xml, await virsh.networkXml(inputs.name, { inactive: false }));
  if (plan.inSync) return;
  if (plan.restart === undefined) {
    // --live only: the definition was already redefined with the whole XML, and libvirt refuses
    // to add to it an entry it already has.
    for (const u of plan.updates)
      await virsh.updateNetwork(inputs.name, u.command, u.section, u.xml, { live: true, config: false, parentIndex: u.parentIndex });
    log.info(
      `network ${inputs.name}: applied ${plan.updates.length} DHCP change${plan.updates.length === 1 ? "" : "s"} to the running network (net-update --live)`,
    );
    return;
  }
  await virsh.destroyNetwork(inputs.name);
  await virsh.startNetwork(inputs.name);
  log.warn(`network ${inputs.name}: restarted to apply ${plan.restart}: its running guests lost their link; re-plug their NICs or reboot them`);
}

/** Brings flags to what the inputs ask: starts (never stops), sets autostart either way, applies changes live. */
async function converge(virsh: Virsh, inputs: CheckedNetwork, log: Log): Promise<void> {
  const info = await virsh.networkInfo(inputs.name);
  if (inputs.active && !info?.active) await virsh.startNetwork(inputs.name);
  else if (info?.active) await applyLive(virsh, inputs, log);
  if (info?.autostart !== inputs.autostart) await virsh.setNetworkAutostart(inputs.name, inputs.autostart);
}

export async function create(inputs: CheckedNetwork, log: Log = pulumiLog): Promise<{ id: string; outs: NetworkOutputs }> {
  const virsh = virshFor(inputs);
  const { adopted } = await adoptOrDefine("network", virsh, inputs, log);
  await converge(virsh, inputs, log);
  return { id: inputs.uuid, outs: (await observe(virsh, inputs, adopted))! };
}

export async function read(id: string, props: NetworkOutputs) {
  return readResult(id, await observe(virshFor(props), props, props.adopted), ["liveXml", "isActive", "isAutostart", "adopted"] as const);
}

export async function update(_id: string, olds: NetworkOutputs, news: CheckedNetwork, log: Log = pulumiLog): Promise<{ outs: NetworkOutputs }> {
  const virsh = virshFor(news);
  await confirmUri("network", olds, news);
  const persistent = await virsh.networkXml(news.name);
  if (news.xml !== olds.xml || !liveNetworkPlan(news.xml, persistent).inSync) await virsh.defineNetwork(news.xml);
  await converge(virsh, news, log);
  return { outs: (await observe(virsh, news, olds.adopted))! };
}

export async function remove(_id: string, props: CheckedNetwork & Observed, log: Log = pulumiLog): Promise<void> {
  const virsh = virshFor(props);
  if (await released("network", virsh, props, log)) return;
  const info = await virsh.networkInfo(props.name);
  if (!info) return;
  if (info.active) await virsh.destroyNetwork(props.name);
  if (info.persistent) await virsh.undefineNetwork(props.name);
}
