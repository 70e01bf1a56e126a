// What the four providers share: a virsh client from the inputs, the log, input checks.
import { Virsh } from "../virsh";
import type { ConnectionInputs } from "./inputs";

/** Where providers report what they did not do (a kept disk, a kept directory) and why. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
}

/** Pulumi's log when running under the engine (lazily: this module stays usable without it). */
export const pulumiLog: Log = {
  info: (m) => (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.info(m),
  warn: (m) => (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.warn(m),
};

export function virshFor(inputs: ConnectionInputs): Virsh {
  return new Virsh({ uri: inputs.uri, timeoutMs: inputs.timeoutMs });
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
  if (typeof news.uri !== "string" || news.uri.length === 0) failures.push({ property: "uri", reason: `${label}: uri must be a libvirt connection URI, e.g. qemu:///system` });
  if (typeof news.name !== "string" || !/^[A-Za-z0-9_.+-]+$/.test(news.name)) failures.push({ property: "name", reason: `${label}: name must be letters, digits, '.', '_', '+' or '-'` });
  if (withUuid && (typeof news.uuid !== "string" || !UUID.test(news.uuid))) failures.push({ property: "uuid", reason: `${label}: uuid must be a UUID (8-4-4-4-12 hex digits)` });
  if (typeof news.xml !== "string" || news.xml.trim() === "") failures.push({ property: "xml", reason: `${label}: xml must be the rendered ${kind} XML` });
  if (news.timeoutMs !== undefined && (typeof news.timeoutMs !== "number" || !(news.timeoutMs > 0))) failures.push({ property: "timeoutMs", reason: `${label}: timeoutMs must be a positive number of milliseconds` });
  return failures;
}

/** The XML must describe the object the inputs name, or the state would lie about what exists. */
export function xmlIdentityFailures(kind: string, news: { name: string; uuid?: string }, xml: { name: string; uuid?: string }): CheckFailure[] {
  const failures: CheckFailure[] = [];
  if (xml.name !== news.name) failures.push({ property: "xml", reason: `${kind} ${news.name}: the XML names it ${JSON.stringify(xml.name)}: render the XML from the same spec as the name` });
  if (news.uuid !== undefined && (xml.uuid ?? "").toLowerCase() !== news.uuid.toLowerCase()) {
    failures.push({ property: "xml", reason: `${kind} ${news.name}: the XML has UUID ${xml.uuid || "(none)"} but the inputs say ${news.uuid}: render the XML from the same spec as the uuid` });
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
