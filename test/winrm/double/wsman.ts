/**
 * The test double's own reading and writing of WS-Management SOAP (DSP0226, MS-WSMV 3.1.4),
 * with its own literal URIs: nothing here comes from the client's winrm/ modules. Requests are
 * parsed with namespaces resolved, so an element in the wrong namespace is not found.
 */
import { randomUUID } from "crypto";
import { XMLParser } from "fast-xml-parser";

export const URI = {
  soap: "http://www.w3.org/2003/05/soap-envelope",
  addressing: "http://schemas.xmlsoap.org/ws/2004/08/addressing",
  wsman: "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
  msWsman: "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
  shell: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
  transfer: "http://schemas.xmlsoap.org/ws/2004/09/transfer",
  identity: "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
  wsmanFault: "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
  xml: "http://www.w3.org/XML/1998/namespace",
} as const;

/** MS-WSMV 3.1.4.5 (Create/Delete via WS-Transfer), 3.1.4.11-3.1.4.14 (Command, Signal, Send, Receive). */
export const ACTIONS = {
  create: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
  delete: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
  command: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command",
  signal: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal",
  send: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send",
  receive: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive",
  fault: "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault",
} as const;

export const CMD_SHELL_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
export const ANONYMOUS_ROLE = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
export const STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done";
export const STATE_RUNNING = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running";
export const SIGNAL_TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate";
export const SIGNAL_CTRL_C = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c";

export interface El {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  // Entities are decoded below, only where an '&' occurs: the parser's own pass is slow on 500 KB of base64.
  processEntities: false,
});

/** XML 1.0 predefined entities and character references (a WS-Man message has no DTD). */
function decodeEntities(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9A-Fa-f]+|#[0-9]+);/g, (_, e: string) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }[e] as string;
  });
}

type Raw = Record<string, unknown>;

function build(node: Raw, scope: Record<string, string>): El | undefined {
  const tag = Object.keys(node).find((k) => k !== ":@");
  if (!tag || tag === "#text" || tag.startsWith("?")) return undefined;
  const rawAttrs = (node[":@"] ?? {}) as Record<string, string>;
  const inner: Record<string, string> = { ...scope };
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === "xmlns") inner[""] = v;
    else if (k.startsWith("xmlns:")) inner[k.slice(6)] = v;
  }
  const resolve = (qname: string, isAttr: boolean): { ns: string; name: string } => {
    const i = qname.indexOf(":");
    if (i < 0) return { ns: isAttr ? "" : (inner[""] ?? ""), name: qname };
    const prefix = qname.slice(0, i);
    if (prefix === "xml") return { ns: URI.xml, name: qname.slice(i + 1) };
    const ns = inner[prefix];
    if (ns === undefined) throw new Error(`undeclared namespace prefix ${prefix}`);
    return { ns, name: qname.slice(i + 1) };
  };
  const { ns, name } = resolve(tag, false);
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs)) {
    if (k === "xmlns" || k.startsWith("xmlns:")) continue;
    const a = resolve(k, true);
    // Attributes are looked up by local name; WS-Man attributes are unqualified or in the SOAP namespace.
    attrs[a.name] = decodeEntities(v);
  }
  const children: El[] = [];
  let text = "";
  for (const c of (node[tag] as Raw[]) ?? []) {
    if ("#text" in c) text += decodeEntities(String(c["#text"]));
    else {
      const el = build(c, inner);
      if (el) children.push(el);
    }
  }
  return { ns, name, attrs, children, text: text.trim() };
}

export function parseDocument(xml: string): El {
  const top = parser.parse(xml) as Raw[];
  for (const n of top) {
    const el = build(n, {});
    if (el) return el;
  }
  throw new Error("no root element");
}

export function kid(el: El | undefined, ns: string, name: string): El | undefined {
  return el?.children.find((c) => c.ns === ns && c.name === name);
}

export function kids(el: El | undefined, ns: string, name: string): El[] {
  return el?.children.filter((c) => c.ns === ns && c.name === name) ?? [];
}

export interface WsRequest {
  header: El;
  body: El;
  action: string;
  messageId: string;
  resourceUri: string;
  maxEnvelopeSize?: number;
  operationTimeoutMs?: number;
  selectors: Record<string, string>;
  options: Record<string, string>;
}

/** xs:duration as WS-Man uses it in OperationTimeout (PT20.000S, PT1M). */
export function durationMs(d: string): number | undefined {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(d.trim());
  if (!m || d.trim() === "PT") return undefined;
  return Math.round(((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000);
}

export function readRequest(xml: string): WsRequest {
  const env = parseDocument(xml);
  if (env.ns !== URI.soap || env.name !== "Envelope") throw new Error("root is not a SOAP 1.2 Envelope");
  const header = kid(env, URI.soap, "Header");
  const body = kid(env, URI.soap, "Body");
  if (!header || !body) throw new Error("envelope lacks Header or Body");
  const set = (setName: string, item: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const s of kids(kid(header, URI.wsman, setName), URI.wsman, item)) out[s.attrs.Name ?? ""] = s.text;
    return out;
  };
  const max = kid(header, URI.wsman, "MaxEnvelopeSize")?.text;
  const timeout = kid(header, URI.wsman, "OperationTimeout")?.text;
  return {
    header,
    body,
    action: kid(header, URI.addressing, "Action")?.text ?? "",
    messageId: kid(header, URI.addressing, "MessageID")?.text ?? "",
    resourceUri: kid(header, URI.wsman, "ResourceURI")?.text ?? "",
    maxEnvelopeSize: max && /^\d+$/.test(max) ? Number(max) : undefined,
    operationTimeoutMs: timeout ? durationMs(timeout) : undefined,
    selectors: set("SelectorSet", "Selector"),
    options: set("OptionSet", "Option"),
  };
}

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/\r/g, "&#13;");
}

/** A response envelope in the shape Windows sends (prefixes s, a, w, rsp, x). */
export function responseXml(action: string, relatesTo: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<s:Envelope xmlns:s="${URI.soap}" xmlns:a="${URI.addressing}" xmlns:w="${URI.wsman}" xmlns:rsp="${URI.shell}" xmlns:x="${URI.transfer}">` +
    `<s:Header><a:Action>${esc(action)}</a:Action><a:MessageID>uuid:${randomUUID().toUpperCase()}</a:MessageID>` +
    `<a:To>${ANONYMOUS_ROLE}</a:To>${relatesTo ? `<a:RelatesTo>${esc(relatesTo)}</a:RelatesTo>` : ""}</s:Header>` +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

/** A SOAP 1.2 fault with the WSManFault detail Windows adds (MS-WSMV 2.2.4.43 WSManFaultType). */
export function faultXml(relatesTo: string, subcode: string, code: number, message: string, machine: string): string {
  return responseXml(
    ACTIONS.fault,
    relatesTo,
    `<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>${esc(subcode)}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en-US">${esc(message)}</s:Text></s:Reason>` +
      `<s:Detail><f:WSManFault xmlns:f="${URI.wsmanFault}" Code="${code}" Machine="${esc(machine)}"><f:Message>${esc(message)}</f:Message></f:WSManFault></s:Detail></s:Fault>`,
  );
}

export function identifyXml(): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${URI.soap}" xmlns:wsmid="${URI.identity}"><s:Header/><s:Body>` +
    `<wsmid:IdentifyResponse><wsmid:ProtocolVersion>${URI.wsman}</wsmid:ProtocolVersion>` +
    `<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor><wsmid:ProductVersion>OS: 10.0.20348 SP: 0.0 Stack: 3.0</wsmid:ProductVersion>` +
    `</wsmid:IdentifyResponse></s:Body></s:Envelope>`
  );
}
