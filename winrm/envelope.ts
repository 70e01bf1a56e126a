/**
 * SOAP envelopes of the Windows Remote Shell protocol (MS-WSMV 3.1.4.x) and their parsers.
 * Built with xmlbuilder2 so text and attribute values are always escaped; parsed with
 * fast-xml-parser (see xml.ts). parseRequest exists for round-trip tests of the builders; the
 * test double reads requests with its own parser (test/winrm/double/wsman.ts).
 */
import { randomUUID } from "crypto";
import { create } from "xmlbuilder2";
import type { XMLBuilder } from "xmlbuilder2/lib/interfaces";
import { WinRmError } from "./errors";
import { XmlNode, attr, child, children, parseXml, text } from "./xml";

export const NS = {
  s: "http://www.w3.org/2003/05/soap-envelope",
  a: "http://schemas.xmlsoap.org/ws/2004/08/addressing",
  w: "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
  p: "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
  rsp: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
  x: "http://schemas.xmlsoap.org/ws/2004/09/transfer",
  wsmid: "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
  f: "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
  xml: "http://www.w3.org/XML/1998/namespace",
  xmlns: "http://www.w3.org/2000/xmlns/",
} as const;

export const ACTION = {
  create: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
  delete: "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete",
  command: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command",
  send: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send",
  receive: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive",
  signal: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal",
  fault: "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault",
} as const;

export const SHELL_RESOURCE_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd";
export const ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
export const SIGNAL_TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate";
export const COMMAND_STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done";
export const COMMAND_STATE_RUNNING = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running";

/** Windows' default MaxEnvelopeSizekb is 500, i.e. 512000 bytes. */
export const DEFAULT_MAX_ENVELOPE_SIZE = 512000;

export interface RequestHeader {
  /** The endpoint URL, e.g. http://host:5985/wsman. */
  to: string;
  action: string;
  resourceUri?: string;
  /** A fresh uuid per request when omitted: Windows rejects reused MessageIDs on retries. */
  messageId?: string;
  maxEnvelopeSize: number;
  operationTimeoutSec: number;
  locale?: string;
  selectors?: Record<string, string>;
  options?: Record<string, string>;
}

export function newMessageId(): string {
  return `uuid:${randomUUID().toUpperCase()}`;
}

/** xs:duration as WinRM writes it (PT20.000S). */
export function formatDuration(seconds: number): string {
  return `PT${seconds.toFixed(3)}S`;
}

export function parseDuration(d: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(d.trim());
  if (!m) return undefined;
  const [, days, h, min, s] = m;
  return ((Number(days ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60 + Number(s ?? 0);
}

type BodyWriter = (body: XMLBuilder) => void;

function envelopeRoot(): XMLBuilder {
  const root = create({ version: "1.0", encoding: "utf-8" }).ele(NS.s, "s:Envelope");
  for (const p of ["a", "w", "p", "rsp"] as const) root.att(NS.xmlns, `xmlns:${p}`, NS[p]);
  return root;
}

export function buildRequest(h: RequestHeader, writeBody?: BodyWriter): string {
  const root = envelopeRoot();
  const hdr = root.ele(NS.s, "s:Header");
  hdr.ele(NS.a, "a:To").txt(h.to);
  hdr.ele(NS.a, "a:ReplyTo").ele(NS.a, "a:Address").att(NS.s, "s:mustUnderstand", "true").txt(ANONYMOUS);
  hdr.ele(NS.w, "w:MaxEnvelopeSize").att(NS.s, "s:mustUnderstand", "true").txt(String(h.maxEnvelopeSize));
  hdr.ele(NS.a, "a:MessageID").txt(h.messageId ?? newMessageId());
  const locale = h.locale ?? "en-US";
  hdr.ele(NS.w, "w:Locale").att(NS.xml, "xml:lang", locale).att(NS.s, "s:mustUnderstand", "false");
  hdr.ele(NS.p, "p:DataLocale").att(NS.xml, "xml:lang", locale).att(NS.s, "s:mustUnderstand", "false");
  hdr.ele(NS.w, "w:OperationTimeout").txt(formatDuration(h.operationTimeoutSec));
  hdr
    .ele(NS.w, "w:ResourceURI")
    .att(NS.s, "s:mustUnderstand", "true")
    .txt(h.resourceUri ?? SHELL_RESOURCE_URI);
  hdr.ele(NS.a, "a:Action").att(NS.s, "s:mustUnderstand", "true").txt(h.action);
  if (h.options && Object.keys(h.options).length > 0) {
    const set = hdr.ele(NS.w, "w:OptionSet");
    for (const [k, v] of Object.entries(h.options)) set.ele(NS.w, "w:Option").att("Name", k).txt(v);
  }
  if (h.selectors && Object.keys(h.selectors).length > 0) {
    const set = hdr.ele(NS.w, "w:SelectorSet");
    for (const [k, v] of Object.entries(h.selectors)) set.ele(NS.w, "w:Selector").att("Name", k).txt(v);
  }
  const body = root.ele(NS.s, "s:Body");
  writeBody?.(body);
  return root.end({ prettyPrint: false });
}

/** Identify needs no WS-Addressing header at all; Windows answers it even unauthenticated. */
export function identifyEnvelope(): string {
  const root = create({ version: "1.0", encoding: "utf-8" }).ele(NS.s, "s:Envelope");
  root.att(NS.xmlns, "xmlns:wsmid", NS.wsmid);
  root.ele(NS.s, "s:Header");
  root.ele(NS.s, "s:Body").ele(NS.wsmid, "wsmid:Identify");
  return root.end({ prettyPrint: false });
}

export interface ShellSpec {
  inputStreams?: string;
  outputStreams?: string;
  /** 65001 makes the console code page UTF-8 so output decodes as UTF-8. */
  codepage?: number;
  noProfile?: boolean;
  workingDirectory?: string;
}

export function createShellEnvelope(h: Omit<RequestHeader, "action">, spec: ShellSpec = {}): string {
  return buildRequest(
    {
      ...h,
      action: ACTION.create,
      options: { WINRS_NOPROFILE: spec.noProfile ? "TRUE" : "FALSE", WINRS_CODEPAGE: String(spec.codepage ?? 65001) },
    },
    (b) => {
      const shell = b.ele(NS.rsp, "rsp:Shell");
      if (spec.workingDirectory) shell.ele(NS.rsp, "rsp:WorkingDirectory").txt(spec.workingDirectory);
      shell.ele(NS.rsp, "rsp:InputStreams").txt(spec.inputStreams ?? "stdin");
      shell.ele(NS.rsp, "rsp:OutputStreams").txt(spec.outputStreams ?? "stdout stderr");
    },
  );
}

export function commandEnvelope(h: Omit<RequestHeader, "action" | "selectors">, shellId: string, command: string, args: readonly string[]): string {
  return buildRequest(
    {
      ...h,
      action: ACTION.command,
      selectors: { ShellId: shellId },
      // FALSE: stdin is a pipe the process reads as data, not a console fed keystrokes (MS-WSMV
      // 3.1.4.11 option WINRS_CONSOLEMODE_STDIN; Ansible's winrm plugin sends FALSE whenever it feeds stdin).
      options: { WINRS_CONSOLEMODE_STDIN: "FALSE", WINRS_SKIP_CMD_SHELL: "FALSE" },
    },
    (b) => {
      const cl = b.ele(NS.rsp, "rsp:CommandLine");
      cl.ele(NS.rsp, "rsp:Command").txt(command);
      if (args.length > 0) cl.ele(NS.rsp, "rsp:Arguments").txt(args.join(" "));
    },
  );
}

export function sendEnvelope(h: Omit<RequestHeader, "action" | "selectors">, shellId: string, commandId: string, data: Buffer, end: boolean): string {
  return buildRequest({ ...h, action: ACTION.send, selectors: { ShellId: shellId } }, (b) => {
    const s = b.ele(NS.rsp, "rsp:Send").ele(NS.rsp, "rsp:Stream").att("Name", "stdin").att("CommandId", commandId);
    if (end) s.att("End", "true");
    if (data.length > 0) s.txt(data.toString("base64"));
  });
}

export function receiveEnvelope(h: Omit<RequestHeader, "action" | "selectors">, shellId: string, commandId: string): string {
  return buildRequest({ ...h, action: ACTION.receive, selectors: { ShellId: shellId } }, (b) => {
    b.ele(NS.rsp, "rsp:Receive").ele(NS.rsp, "rsp:DesiredStream").att("CommandId", commandId).txt("stdout stderr");
  });
}

export function signalEnvelope(h: Omit<RequestHeader, "action" | "selectors">, shellId: string, commandId: string, code: string = SIGNAL_TERMINATE): string {
  return buildRequest({ ...h, action: ACTION.signal, selectors: { ShellId: shellId } }, (b) => {
    b.ele(NS.rsp, "rsp:Signal").att("CommandId", commandId).ele(NS.rsp, "rsp:Code").txt(code);
  });
}

export function deleteShellEnvelope(h: Omit<RequestHeader, "action" | "selectors">, shellId: string): string {
  return buildRequest({ ...h, action: ACTION.delete, selectors: { ShellId: shellId } });
}

// ---------------------------------------------------------------------------------------------
// Parsing

export class EnvelopeError extends WinRmError {
  override name = "EnvelopeError";
}

export interface ParsedEnvelope {
  header: XmlNode;
  body: XmlNode;
}

export function parseEnvelope(xml: string): ParsedEnvelope {
  const env = child(parseXml(xml), "Envelope");
  if (env === undefined) throw new EnvelopeError("response is not a SOAP envelope");
  return { header: child(env, "Header"), body: child(env, "Body") };
}

function setToRecord(set: XmlNode, itemName: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of children(set, itemName)) {
    const name = attr(item, "Name");
    if (name !== undefined) out[name] = text(item);
  }
  return out;
}

export interface ParsedRequest extends ParsedEnvelope {
  action: string;
  messageId: string;
  to: string;
  resourceUri: string;
  maxEnvelopeSize?: number;
  operationTimeoutSec?: number;
  selectors: Record<string, string>;
  options: Record<string, string>;
}

export function parseRequest(xml: string): ParsedRequest {
  const env = parseEnvelope(xml);
  const h = env.header;
  const max = text(child(h, "MaxEnvelopeSize"));
  const timeout = text(child(h, "OperationTimeout"));
  return {
    ...env,
    action: text(child(h, "Action")),
    messageId: text(child(h, "MessageID")),
    to: text(child(h, "To")),
    resourceUri: text(child(h, "ResourceURI")),
    maxEnvelopeSize: /^\d+$/.test(max) ? Number(max) : undefined,
    operationTimeoutSec: timeout ? parseDuration(timeout) : undefined,
    selectors: setToRecord(child(h, "SelectorSet"), "Selector"),
    options: setToRecord(child(h, "OptionSet"), "Option"),
  };
}

export function parseShellId(env: ParsedEnvelope): string {
  // Windows returns both rsp:Shell/rsp:ShellId (2012+) and the ResourceCreated selector.
  const direct = text(child(child(env.body, "Shell"), "ShellId"));
  if (direct) return direct;
  const sel = setToRecord(child(child(child(env.body, "ResourceCreated"), "ReferenceParameters"), "SelectorSet"), "Selector");
  if (sel.ShellId) return sel.ShellId;
  throw new EnvelopeError("Create response carries no ShellId");
}

export function parseCommandId(env: ParsedEnvelope): string {
  const id = text(child(child(env.body, "CommandResponse"), "CommandId"));
  if (!id) throw new EnvelopeError("Command response carries no CommandId");
  return id;
}

export interface StreamChunk {
  name: string;
  commandId?: string;
  data: Buffer;
  end: boolean;
}

export interface ReceiveResult {
  streams: StreamChunk[];
  done: boolean;
  state?: string;
  exitCode?: number;
}

export function parseReceiveResponse(env: ParsedEnvelope): ReceiveResult {
  const rr = child(env.body, "ReceiveResponse");
  if (rr === undefined) throw new EnvelopeError("response is not a ReceiveResponse");
  const streams = children(rr, "Stream").map((s) => ({
    name: attr(s, "Name") ?? "",
    commandId: attr(s, "CommandId"),
    data: Buffer.from(text(s), "base64"),
    end: attr(s, "End") === "true",
  }));
  const cs = child(rr, "CommandState");
  const state = attr(cs, "State");
  const exit = text(child(cs, "ExitCode"));
  return {
    streams,
    state,
    done: state === COMMAND_STATE_DONE,
    exitCode: /^-?\d+$/.test(exit) ? Number(exit) : undefined,
  };
}

export interface IdentifyInfo {
  protocolVersion: string;
  productVendor: string;
  productVersion: string;
}

export function parseIdentifyResponse(xml: string): IdentifyInfo {
  const r = child(parseEnvelope(xml).body, "IdentifyResponse");
  if (r === undefined) throw new EnvelopeError("response is not an IdentifyResponse");
  return {
    protocolVersion: text(child(r, "ProtocolVersion")),
    productVendor: text(child(r, "ProductVendor")),
    productVersion: text(child(r, "ProductVersion")),
  };
}

/** Bytes of a Send envelope that are not the base64 payload (headers, ids), with a margin. */
export const SEND_OVERHEAD_BYTES = 4096;

/** Largest stdin chunk whose Send envelope stays under maxEnvelopeSize (a multiple of 3: no base64 padding mid-stream). */
export function stdinChunkSize(maxEnvelopeSize: number): number {
  const room = maxEnvelopeSize - SEND_OVERHEAD_BYTES;
  if (room < 1024) throw new WinRmError(`MaxEnvelopeSize ${maxEnvelopeSize} leaves no room for stdin`);
  return Math.floor(room / 4) * 3;
}
