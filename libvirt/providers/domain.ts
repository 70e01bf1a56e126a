// The Domain provider's behaviour: define/adopt, start; redefine on update (applies at next
// boot); destroy and undefine with NVRAM and TPM state (volumes are their own resources).
import { Virsh, VirshError } from "../virsh";
import { diffDomain, domainUpdateNote, toDiffResult, DiffResultLike } from "./diff";
import { CheckFailure, identityFailures, Log, pulumiLog, sameUuid, uuidConflict, virshFor, xmlIdentityFailures } from "./common";
import type { CheckedDomain, DomainInputs, DomainOutputs } from "./inputs";
import { domainSummary, xmlMissing } from "./summary";

export async function check(_olds: Partial<DomainInputs>, news: DomainInputs): Promise<{ inputs: CheckedDomain; failures: CheckFailure[] }> {
  const failures = identityFailures("domain", news as unknown as Record<string, unknown>, true);
  if (typeof news.start !== "boolean") failures.push({ property: "start", reason: `domain ${news.name}: start must be true or false` });
  if (failures.length > 0) return { inputs: news as CheckedDomain, failures };
  const summary = domainSummary(news.xml);
  return { inputs: { ...news, summary }, failures: xmlIdentityFailures("domain", news, summary) };
}

export async function diff(_id: string, olds: DomainOutputs, news: CheckedDomain): Promise<DiffResultLike> {
  return toDiffResult(diffDomain(olds, news));
}

async function observe(virsh: Virsh, inputs: CheckedDomain): Promise<DomainOutputs | undefined> {
  // Two virsh calls, no separate lookup: a missing domain is dumpxml's not-found.
  let liveXml: string;
  try {
    liveXml = await virsh.domainXml(inputs.name);
  } catch (e) {
    if (e instanceof VirshError && e.failure === "not-found") return undefined;
    throw e;
  }
  return { ...inputs, summary: domainSummary(liveXml), liveXml, state: await virsh.domainState(inputs.name) };
}

const INACTIVE = new Set(["shut off", "crashed"]);

async function converge(virsh: Virsh, inputs: CheckedDomain): Promise<void> {
  if (inputs.start && INACTIVE.has(await virsh.domainState(inputs.name))) await virsh.startDomain(inputs.name);
}

export async function create(inputs: CheckedDomain, log: Log = pulumiLog): Promise<{ id: string; outs: DomainOutputs }> {
  const virsh = virshFor(inputs);
  const existing = await virsh.domainUuid(inputs.name);
  if (existing && !sameUuid(existing, inputs.uuid)) {
    throw uuidConflict("domain", inputs.name, virsh.uri, existing, inputs.uuid,
      `virsh destroy ${inputs.name}; virsh undefine --nvram --tpm ${inputs.name}: its disk volume stays`, `homelab:vms, the entry named ${inputs.name}, uuid`);
  }
  // Adopt: redefine only when libvirt lacks something the XML asks for, so a re-run writes nothing.
  const differs = existing ? xmlMissing(inputs.xml, await virsh.domainXml(inputs.name)) : "(new)";
  if (differs) {
    if (existing) log.info(`domain ${inputs.name} exists with the same UUID: adopting it and redefining it (${differs} differed); a running guest sees the change at its next boot`);
    await virsh.defineDomain(inputs.xml);
  }
  await converge(virsh, inputs);
  return { id: inputs.uuid, outs: (await observe(virsh, inputs))! };
}

export async function read(id: string, props: CheckedDomain): Promise<{ id?: string; props?: DomainOutputs }> {
  const outs = await observe(virshFor(props), props);
  return outs ? { id, props: outs } : {};
}

export async function update(_id: string, olds: DomainOutputs, news: CheckedDomain, log: Log = pulumiLog): Promise<{ outs: DomainOutputs }> {
  const virsh = virshFor(news);
  const decision = diffDomain(olds, news);
  if (decision.updates.some((p) => p !== "start")) {
    await virsh.defineDomain(news.xml);
    const note = domainUpdateNote(news.name, decision, !INACTIVE.has(await virsh.domainState(news.name)));
    if (note) log.warn(note);
  }
  await converge(virsh, news);
  return { outs: (await observe(virsh, news))! };
}

export async function remove(_id: string, props: CheckedDomain): Promise<void> {
  const virsh = virshFor(props);
  if (!(await virsh.domainUuid(props.name))) return;
  if (!INACTIVE.has(await virsh.domainState(props.name))) await virsh.destroyDomain(props.name);
  await virsh.undefineDomain(props.name);
}
