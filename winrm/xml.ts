/**
 * XML reading shared by the envelope and fault parsers. Namespace prefixes are dropped
 * (removeNSPrefix) because Windows and other stacks choose different prefixes for the same
 * namespaces; WS-Man element local names are unique enough within one message.
 */
import { XMLParser } from "fast-xml-parser";

export type XmlNode = unknown;

const ALWAYS_ARRAY = new Set(["Stream", "Selector", "Option", "Arguments", "DesiredStream"]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Entities are decoded in text() and attr(), only where an '&' occurs: the parser's own entity
  // pass dominated the time spent on a 500 KB Receive response of base64 output.
  processEntities: false,
  isArray: (name) => ALWAYS_ARRAY.has(name),
});

const ENTITY = /&(lt|gt|amp|quot|apos|#x[0-9A-Fa-f]+|#[0-9]+);/g;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** XML 1.0 predefined entities and character references; WS-Man messages carry no DTD. */
export function decodeXmlEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(ENTITY, (_, e: string) =>
    e[0] === "#" ? String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : NAMED[e],
  );
}

export function parseXml(xml: string): XmlNode {
  return parser.parse(xml) as XmlNode;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** First child element with this local name (or undefined). */
export function child(node: XmlNode, name: string): XmlNode {
  if (!isRecord(node)) return undefined;
  const v = node[name];
  return Array.isArray(v) ? v[0] : v;
}

/** All child elements with this local name. */
export function children(node: XmlNode, name: string): XmlNode[] {
  if (!isRecord(node)) return [];
  const v = node[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

export function text(node: XmlNode): string {
  if (typeof node === "string") return decodeXmlEntities(node);
  if (typeof node === "number" || typeof node === "boolean") return String(node);
  if (isRecord(node)) {
    const t = node["#text"];
    if (typeof t === "string" || typeof t === "number") return decodeXmlEntities(String(t));
  }
  return "";
}

export function attr(node: XmlNode, name: string): string | undefined {
  if (!isRecord(node)) return undefined;
  const v = node[`@_${name}`];
  return v === undefined ? undefined : decodeXmlEntities(String(v));
}

export function hasChild(node: XmlNode, name: string): boolean {
  return isRecord(node) && node[name] !== undefined;
}
