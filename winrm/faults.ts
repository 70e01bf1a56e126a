/**
 * WS-Management faults (DSP0226 / MS-WSMV 2.2.4.x). Windows reports them as HTTP 500 with a SOAP
 * 1.2 Fault whose Detail carries a WSManFault with a numeric Code; callers branch on that code.
 */
import { WinRmError } from "./errors";
import { XmlNode, child, parseXml, text, attr } from "./xml";

/** ERROR_WSMAN_OPERATION_TIMEDOUT (w:TimedOut): a Receive found no output in time; ask again. */
export const WSMAN_TIMED_OUT = 2150858793;

export class WsmanFault extends WinRmError {
  override name = "WsmanFault";
  constructor(
    readonly reason: string,
    readonly code: number | undefined,
    readonly subcode: string | undefined,
    readonly machine: string | undefined,
  ) {
    super(`WS-Management fault${code !== undefined ? ` ${code}` : ""}${subcode ? ` (${subcode})` : ""}${machine ? ` from ${machine}` : ""}: ${reason}`);
  }

  get isTimedOut(): boolean {
    return this.code === WSMAN_TIMED_OUT || this.subcode === "w:TimedOut" || this.subcode === "TimedOut";
  }
}

/** Returns the fault in a SOAP envelope, or undefined when the envelope is not a fault. */
export function parseFault(xml: string | XmlNode): WsmanFault | undefined {
  const doc = typeof xml === "string" ? parseXml(xml) : xml;
  const fault = child(child(child(doc, "Envelope"), "Body"), "Fault");
  if (fault === undefined) return undefined;
  const codeNode = child(fault, "Code");
  const subcode = text(child(child(codeNode, "Subcode"), "Value")) || undefined;
  const wsmanFault = child(child(fault, "Detail"), "WSManFault");
  const codeText = attr(wsmanFault, "Code");
  const message = text(child(wsmanFault, "Message")) || text(child(child(wsmanFault, "Message"), "ProviderFault"));
  const reason = text(child(child(fault, "Reason"), "Text")) || message || "no reason given";
  const code = codeText !== undefined && /^\d+$/.test(codeText) ? Number(codeText) : undefined;
  return new WsmanFault(message && message !== reason ? `${reason} ${message}` : reason, code, subcode, attr(wsmanFault, "Machine"));
}
