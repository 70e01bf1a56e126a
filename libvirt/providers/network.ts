// The Network provider's behaviour: define/adopt, start, autostart; stop and undefine.
import type { Virsh } from "../virsh";
import { diffNetwork, toDiffResult, DiffResultLike } from "./diff";
import { CheckFailure, identityFailures, Log, pulumiLog, sameUuid, uuidConflict, virshFor, xmlIdentityFailures } from "./common";
import type { CheckedNetwork, NetworkInputs, NetworkOutputs } from "./inputs";
import { networkSummary, xmlMissing } from "./summary";

export async function check(_olds: Partial<NetworkInputs>, news: NetworkInputs): Promise<{ inputs: CheckedNetwork; failures: CheckFailure[] }> {
  const failures = identityFailures("network", news as unknown as Record<string, unknown>, true);
  if (failures.length > 0) return { inputs: news as CheckedNetwork, failures };
  const summary = networkSummary(news.xml);
  return { inputs: { ...news, summary }, failures: xmlIdentityFailures("network", news, summary) };
}

export async function diff(_id: string, olds: NetworkOutputs, news: CheckedNetwork): Promise<DiffResultLike> {
  return toDiffResult(diffNetwork(olds, news));
}

async function observe(virsh: Virsh, inputs: CheckedNetwork): Promise<NetworkOutputs | undefined> {
  const info = await virsh.networkInfo(inputs.name);
  if (!info) return undefined;
  const liveXml = await virsh.networkXml(inputs.name);
  return { ...inputs, summary: networkSummary(liveXml), liveXml, isActive: info.active, isAutostart: info.autostart };
}

/** Brings flags to what the inputs ask: starts (never stops), sets autostart either way. */
async function converge(virsh: Virsh, inputs: CheckedNetwork): Promise<void> {
  const info = await virsh.networkInfo(inputs.name);
  if (inputs.active && !info?.active) await virsh.startNetwork(inputs.name);
  if (info?.autostart !== inputs.autostart) await virsh.setNetworkAutostart(inputs.name, inputs.autostart);
}

export async function create(inputs: CheckedNetwork, log: Log = pulumiLog): Promise<{ id: string; outs: NetworkOutputs }> {
  const virsh = virshFor(inputs);
  const existing = await virsh.networkInfo(inputs.name);
  if (existing && !sameUuid(existing.uuid, inputs.uuid)) {
    throw uuidConflict("network", inputs.name, virsh.uri, existing.uuid, inputs.uuid,
      `virsh net-destroy ${inputs.name}; virsh net-undefine ${inputs.name}`, `homelab:networks, the entry named ${inputs.name}, uuid`);
  }
  // Adopt: redefine only when libvirt lacks something the XML asks for, so a re-run writes nothing.
  const differs = existing ? xmlMissing(inputs.xml, await virsh.networkXml(inputs.name)) : "(new)";
  if (differs) {
    if (existing) log.info(`network ${inputs.name} exists with the same UUID: adopting it and redefining it (${differs} differed)`);
    await virsh.defineNetwork(inputs.xml);
  }
  await converge(virsh, inputs);
  return { id: inputs.uuid, outs: (await observe(virsh, inputs))! };
}

export async function read(id: string, props: CheckedNetwork): Promise<{ id?: string; props?: NetworkOutputs }> {
  const outs = await observe(virshFor(props), props);
  return outs ? { id, props: outs } : {};
}

export async function update(_id: string, olds: NetworkOutputs, news: CheckedNetwork, log: Log = pulumiLog): Promise<{ outs: NetworkOutputs }> {
  const virsh = virshFor(news);
  const decision = diffNetwork(olds, news);
  if (decision.updates.some((p) => p === "xml" || p.startsWith("summary."))) {
    await virsh.defineNetwork(news.xml);
    const info = await virsh.networkInfo(news.name);
    if (info?.active) {
      log.warn(`network ${news.name}: redefined; the running network keeps its old settings until it restarts ` +
        `(virsh net-destroy ${news.name}; virsh net-start ${news.name}: its guests lose their link and need their NICs re-plugged or a reboot)`);
    }
  }
  await converge(virsh, news);
  return { outs: (await observe(virsh, news))! };
}

export async function remove(_id: string, props: CheckedNetwork): Promise<void> {
  const virsh = virshFor(props);
  const info = await virsh.networkInfo(props.name);
  if (!info) return;
  if (info.active) await virsh.destroyNetwork(props.name);
  if (info.persistent) await virsh.undefineNetwork(props.name);
}
