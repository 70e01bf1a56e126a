// What the four providers share: a virsh client from the inputs, the log, input checks.
import { Virsh } from "../virsh";
import type { ConnectionInputs } from "./inputs";
import { xmlMissing } from "./summary";
import { uriMoveProblem } from "./diff";
import { engineLog, hostEngineAddress } from "./engine-log";

/** Where providers report what they did not do (a kept disk, a kept directory) and why. A returned promise settles once the note is delivered. */
export interface Log {
  info(message: string): void | Promise<void>;
  warn(message: string): void | Promise<void>;
}

/**
 * Pulumi's log when the SDK has an engine connection; inside the dynamic provider host, which
 * has none, the engine's Log service at the address the host was started with (see ./engine-log).
 * Loaded lazily: this module stays usable without Pulumi.
 */
function currentLog(): Log {
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  const address = pulumi.runtime.hasEngine() ? undefined : hostEngineAddress();
  return address ? engineLog(address) : { info: (m) => pulumi.log.info(m), warn: (m) => pulumi.log.warn(m) };
}

export const pulumiLog: Log = {
  info: (m) => currentLog().info(m),
  warn: (m) => currentLog().warn(m),
};

export function virshFor(inputs: ConnectionInputs): Virsh {
  // One virsh session per connection for all resources of a run (see ../virsh-session).
  return new Virsh({ uri: inputs.uri, timeoutMs: inputs.timeoutMs, session: true });
}

export interface CheckFailure {
  property: string;
  reason: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Shape checks shared by every object: a URI, a name, and (for those that have one) a UUID. */
export function identityFailures(kind: string, news: Record<string, unknown>, withUuid: boolean): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const label = typeof news.name === "string" && news.name ? `${kind} ${news.name}` : kind;
  if (typeof news.uri !== "string" || news.uri.length === 0)
    failures.push({ property: "uri", reason: `${label}: uri must be a libvirt connection URI, e.g. qemu:///system` });
  if (typeof news.name !== "string" || !/^[A-Za-z0-9_.+-]+$/.test(news.name))
    failures.push({ property: "name", reason: `${label}: name must be letters, digits, '.', '_', '+' or '-'` });
  if (withUuid && (typeof news.uuid !== "string" || !UUID.test(news.uuid)))
    failures.push({ property: "uuid", reason: `${label}: uuid must be a UUID (8-4-4-4-12 hex digits)` });
  if (typeof news.xml !== "string" || news.xml.trim() === "") failures.push({ property: "xml", reason: `${label}: xml must be the rendered ${kind} XML` });
  if (news.timeoutMs !== undefined && (typeof news.timeoutMs !== "number" || !(news.timeoutMs > 0)))
    failures.push({ property: "timeoutMs", reason: `${label}: timeoutMs must be a positive number of milliseconds` });
  return failures;
}

/** The XML must describe the object the inputs name, or the state would lie about what exists. */
export function xmlIdentityFailures(kind: string, news: { name: string; uuid?: string }, xml: { name: string; uuid?: string }): CheckFailure[] {
  const failures: CheckFailure[] = [];
  if (xml.name !== news.name)
    failures.push({
      property: "xml",
      reason: `${kind} ${news.name}: the XML names it ${JSON.stringify(xml.name)}: render the XML from the same spec as the name`,
    });
  if (news.uuid !== undefined && (xml.uuid ?? "").toLowerCase() !== news.uuid.toLowerCase()) {
    failures.push({
      property: "xml",
      reason: `${kind} ${news.name}: the XML has UUID ${xml.uuid || "(none)"} but the inputs say ${news.uuid}: render the XML from the same spec as the uuid`,
    });
  }
  return failures;
}

/** The error for a name that libvirt already uses for another object. */
export function uuidConflict(kind: string, name: string, uri: string, existing: string, wanted: string, removal: string, configPath: string): Error {
  return new Error(
    `${kind} ${name} already exists on ${uri} with UUID ${existing}, but the lab asks for UUID ${wanted}. ` +
      `To adopt the existing one, set its UUID in the stack config (${configPath}: ${existing}); ` +
      `to replace it, remove it first (${removal}).`,
  );
}

export const sameUuid = (a: string | undefined, b: string | undefined) => (a ?? "").toLowerCase() === (b ?? "").toLowerCase();

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export type AdoptableKind = "network" | "pool" | "domain";

/** What adopt-or-define needs to know of one kind of object on one connection. */
export interface ObjectAccess {
  /** The UUID of the object that has this name, or undefined when none has it. */
  uuidOfName(): Promise<string | undefined>;
  /** The persistent XML of the existing object. */
  persistentXml(): Promise<string>;
  define(xml: string): Promise<void>;
  /** The commands that remove the existing object by hand, for the conflict message. */
  removal: string;
  /** Where the stack config sets this object's UUID. */
  configPath: string;
  /** Said when an adopted object is redefined (what the change means for it). */
  redefineNote?: string;
}

export function accessFor(kind: AdoptableKind, virsh: Virsh, o: { name: string; uuid: string }): ObjectAccess {
  switch (kind) {
    case "network":
      return {
        uuidOfName: async () => (await virsh.networkInfo(o.name))?.uuid,
        persistentXml: () => virsh.networkXml(o.name),
        define: (xml) => virsh.defineNetwork(xml),
        removal: `virsh net-destroy ${o.name}; virsh net-undefine ${o.name}`,
        configPath: `homelab:networks, the entry named ${o.name}, uuid`,
      };
    case "pool":
      return {
        uuidOfName: async () => (await virsh.poolInfo(o.name))?.uuid,
        persistentXml: () => virsh.poolXml(o.name),
        define: (xml) => virsh.definePool(xml),
        removal: `virsh pool-destroy ${o.name}; virsh pool-undefine ${o.name}: the files stay`,
        configPath: "homelab:pool.uuid",
      };
    case "domain":
      return {
        // Through the name -> UUID list: a name is never handed to virsh as a domain argument.
        uuidOfName: () => virsh.domainUuid(o.name),
        persistentXml: () => virsh.domainXml(o.uuid, { label: o.name }),
        define: (xml) => virsh.defineDomain(xml),
        removal: `virsh destroy ${o.uuid}; virsh undefine --nvram --tpm ${o.uuid}: its disk volume stays`,
        configPath: `homelab:vms, the entry named ${o.name}, uuid`,
        redefineNote: "a running guest sees the change at its next boot",
      };
  }
}

/**
 * The one create path of networks, pools and domains: an object of that name with another UUID is
 * a clear error; one with the same UUID is adopted (redefined only when libvirt lacks something the
 * XML asks for, so a re-run writes nothing); otherwise the XML is defined. `adopted` says whether
 * the object existed before the lab made it: a destroy then releases it instead of removing it.
 */
export async function adoptOrDefine(
  kind: AdoptableKind,
  virsh: Virsh,
  o: { name: string; uuid: string; xml: string },
  log: Log,
): Promise<{ adopted: boolean }> {
  const access = accessFor(kind, virsh, o);
  const existing = await access.uuidOfName();
  if (existing && !sameUuid(existing, o.uuid)) {
    throw uuidConflict(kind, o.name, virsh.uri, existing, o.uuid, access.removal, access.configPath);
  }
  const differs = existing ? xmlMissing(o.xml, await access.persistentXml()) : "(new)";
  if (differs) {
    if (existing) {
      log.info(
        `${kind} ${o.name} exists with the same UUID: adopting it and redefining it (${differs} differed)` +
          `${access.redefineNote ? `; ${access.redefineNote}` : ""}`,
      );
    }
    await access.define(o.xml);
  }
  // Adopted: it existed and was not already what the lab makes. An object that already matched is
  // the lab's own from a run that lost its state (a create killed half-way): destroy removes it.
  return { adopted: existing !== undefined && differs !== undefined };
}

/** What a destroy says instead of removing an object the lab adopted. */
export function releaseNote(kind: AdoptableKind, name: string, removal: string): string {
  return `${kind} ${name}: released, not destroyed: it existed before the lab adopted it. Remove it by hand if it is no longer needed (${removal})`;
}

/** For a delete: true (and says so) when the object was adopted, so it is released, not removed. */
export async function released(kind: AdoptableKind, virsh: Virsh, props: { name: string; uuid: string; adopted?: boolean }, log: Log): Promise<boolean> {
  if (!props.adopted) return false;
  await log.info(releaseNote(kind, props.name, accessFor(kind, virsh, props).removal));
  return true;
}

/**
 * A new URI must reach the same object (the one with this UUID under this name), or the change is
 * refused before anything changes: see uriMoveProblem.
 */
export async function confirmUri(kind: AdoptableKind, olds: { uri?: string }, news: ConnectionInputs & { name: string; uuid: string }): Promise<void> {
  if (olds.uri === undefined || olds.uri === news.uri) return;
  const found = await accessFor(kind, virshFor(news), news).uuidOfName();
  const problem = uriMoveProblem(kind, news.name, news.uuid, olds.uri, news.uri, found);
  if (problem) throw new Error(problem);
}

/**
 * Pulumi's read result: the outputs, and the inputs as libvirt's objects say they are now (the
 * outputs without what only observation knows), so a preview after a refresh names drifted fields.
 */
export function readResult<O extends object, K extends keyof O>(
  id: string,
  outs: O | undefined,
  observedOnly: readonly K[],
): { id?: string; props?: O; inputs?: Omit<O, K> } {
  if (!outs) return {};
  const inputs: Partial<O> = { ...outs };
  for (const k of observedOnly) delete inputs[k];
  return { id, props: outs, inputs: inputs as Omit<O, K> };
}
