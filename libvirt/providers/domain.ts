// The Domain provider's behaviour: define/adopt, start; redefine on update (applies at next
// boot); destroy and undefine with NVRAM and TPM state (volumes are their own resources).
// Domains are addressed by UUID: virsh reads an all-digit name as an ID and a UUID-shaped one as
// a UUID, so a name handed to virsh could reach another domain.
import { Virsh, VirshError } from "../virsh";
import { diffDomain, domainUpdateNote, toDiffResult, DiffResultLike } from "./diff";
import { adoptOrDefine, CheckFailure, confirmUri, readResult, identityFailures, Log, pulumiLog, released, virshFor, xmlIdentityFailures } from "./common";
import type { CheckedDomain, DomainInputs, DomainOutputs, Observed } from "./inputs";
import { domainSummary, xmlDrift, xmlMissing } from "./summary";

/**
 * Pure: what an in-place change does to the guest, for the preview. Check does not ask libvirt
 * whether the guest runs; the update says which case it met.
 */
export function domainChangeNote(olds: Partial<CheckedDomain>, news: CheckedDomain): string | undefined {
  if (olds.summary === undefined || olds.name !== news.name || olds.uuid !== news.uuid) return undefined;
  const decision = diffDomain(olds, news);
  const fields = decision.updates.filter((p) => p !== "start" && p !== "uri").map((p) => p.replace(/^summary\./, ""));
  if (decision.replaces.length > 0 || fields.length === 0) return undefined;
  return (
    `domain ${news.name}: ${fields.join(", ")} change in the persistent definition: ` +
    "if the guest runs, it picks the change up at its next boot (shut it down and start it)"
  );
}

export async function check(olds: Partial<CheckedDomain>, news: DomainInputs): Promise<{ inputs: CheckedDomain; failures: CheckFailure[] }> {
  const failures = identityFailures("domain", news as unknown as Record<string, unknown>, true);
  if (typeof news.start !== "boolean") failures.push({ property: "start", reason: `domain ${news.name}: start must be true or false` });
  if (failures.length > 0) return { inputs: news as CheckedDomain, failures };
  const summary = domainSummary(news.xml);
  const note = domainChangeNote(olds, { ...news, summary });
  return { inputs: { ...news, summary, ...(note ? { note } : {}) }, failures: xmlIdentityFailures("domain", news, summary) };
}

export async function diff(_id: string, olds: DomainOutputs, news: CheckedDomain): Promise<DiffResultLike> {
  await confirmUri("domain", olds, news);
  return toDiffResult(diffDomain(olds, news));
}

const INACTIVE = new Set(["shut off", "crashed"]);

/**
 * `knownState`: the state converge just saw or made, so it is not asked again. `previous`: the
 * stored outputs of a refresh; when libvirt's XML and the inputs' XML are the very texts they held,
 * their summary and XML drift still hold, and nothing is parsed again.
 */
async function observe(
  virsh: Virsh,
  inputs: CheckedDomain,
  adopted?: boolean,
  knownState?: string,
  previous?: Partial<DomainOutputs>,
): Promise<DomainOutputs | undefined> {
  let liveXml: string;
  try {
    liveXml = await virsh.domainXml(inputs.uuid, { label: inputs.name });
  } catch (e) {
    if (e instanceof VirshError && e.failure === "not-found") return undefined;
    throw e;
  }
  const state = knownState ?? (await virsh.domainState(inputs.uuid, inputs.name));
  const same = previous?.liveXml === liveXml && previous.xml === inputs.xml && previous.summary !== undefined;
  const drift = [
    ...(same ? (previous.drift ?? []).filter((d) => d.startsWith("/")) : xmlDrift(inputs.xml, liveXml)),
    ...(inputs.start && INACTIVE.has(state) ? [`state: ${state}, but start is true`] : []),
    ...(state === "running" ? await runningConsoleDrift(virsh, inputs) : []),
  ];
  // Read passes the stored outputs as inputs: what they observed then is observed anew here.
  const { note: _note, drift: _drift, adopted: _adopted, ...rest } = inputs as CheckedDomain & Observed;
  const summary = same ? previous.summary! : domainSummary(liveXml);
  return { ...rest, summary, liveXml, state, ...(drift.length > 0 ? { drift } : {}), ...(adopted ? { adopted } : {}) };
}

/**
 * The console of the running guest: a definition put right by an update still leaves the running
 * QEMU listening where it was started (on every interface, say) until the guest restarts, so that
 * is drift too. Only the graphics: the rest of a running domain's XML is libvirt's to fill in.
 */
async function runningConsoleDrift(virsh: Virsh, inputs: CheckedDomain): Promise<string[]> {
  const running = await virsh.domainXml(inputs.uuid, { inactive: false, label: inputs.name });
  return xmlDrift(inputs.xml, running)
    .filter((d) => d.startsWith("/domain/devices/graphics"))
    .map((d) => `running: ${d}: the running guest keeps it until it restarts`);
}

/** Starts a domain that should run; returns its state afterwards. */
async function converge(virsh: Virsh, inputs: CheckedDomain): Promise<string> {
  const state = await virsh.domainState(inputs.uuid, inputs.name);
  if (!inputs.start || !INACTIVE.has(state)) return state;
  await virsh.startDomain(inputs.uuid, inputs.name);
  return "running";
}

export async function create(inputs: CheckedDomain, log: Log = pulumiLog): Promise<{ id: string; outs: DomainOutputs }> {
  const virsh = virshFor(inputs);
  const { adopted } = await adoptOrDefine("domain", virsh, inputs, log);
  const state = await converge(virsh, inputs);
  return { id: inputs.uuid, outs: (await observe(virsh, inputs, adopted, state))! };
}

export async function read(id: string, props: DomainOutputs) {
  return readResult(id, await observe(virshFor(props), props, props.adopted, undefined, props), ["liveXml", "state", "adopted"] as const);
}

export async function update(_id: string, olds: DomainOutputs, news: CheckedDomain, log: Log = pulumiLog): Promise<{ outs: DomainOutputs }> {
  const virsh = virshFor(news);
  await confirmUri("domain", olds, news);
  const decision = diffDomain(olds, news);
  // Redefine for a changed spec, or when libvirt's definition lacks anything the XML asks (drift).
  if (news.xml !== olds.xml || xmlMissing(news.xml, await virsh.domainXml(news.uuid, { label: news.name })) !== undefined) {
    await virsh.defineDomain(news.xml);
    const note = domainUpdateNote(news.name, decision, !INACTIVE.has(await virsh.domainState(news.uuid, news.name)));
    if (note) log.warn(note);
  }
  const state = await converge(virsh, news);
  return { outs: (await observe(virsh, news, olds.adopted, state))! };
}

export async function remove(_id: string, props: CheckedDomain & Observed, log: Log = pulumiLog): Promise<void> {
  const virsh = virshFor(props);
  if (await released("domain", virsh, props, log)) return;
  let state: string;
  try {
    state = await virsh.domainState(props.uuid, props.name);
  } catch (e) {
    if (e instanceof VirshError && e.failure === "not-found") return;
    throw e;
  }
  if (!INACTIVE.has(state)) await virsh.destroyDomain(props.uuid, props.name);
  await virsh.undefineDomain(props.uuid, props.name);
}
