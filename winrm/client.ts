/**
 * One WS-Management conversation: fills the common SOAP header (fresh MessageID per request,
 * MaxEnvelopeSize, OperationTimeout) and turns responses into parsed envelopes or thrown faults.
 */
import { DEFAULT_MAX_ENVELOPE_SIZE, ParsedEnvelope, RequestHeader, parseEnvelope } from "./envelope";
import { EnvelopeTooLargeError } from "./errors";
import { Transport, TransportOptions, createTransport } from "./transport";

export interface ClientOptions extends TransportOptions {
  /** Bytes; Windows' default cap is 512000 (MaxEnvelopeSizekb=500). */
  maxEnvelopeSize?: number;
  /** How long the service may hold a Receive before answering w:TimedOut. */
  operationTimeoutSec?: number;
  locale?: string;
}

/** Extra time beyond OperationTimeout for the HTTP answer to arrive. */
const HTTP_SLACK_MS = 15000;

export class WsmanClient {
  readonly transport: Transport;
  readonly maxEnvelopeSize: number;
  readonly operationTimeoutSec: number;
  readonly locale: string;

  constructor(
    readonly options: ClientOptions,
    transport?: Transport,
  ) {
    this.transport = transport ?? createTransport(options);
    this.maxEnvelopeSize = options.maxEnvelopeSize ?? DEFAULT_MAX_ENVELOPE_SIZE;
    this.operationTimeoutSec = options.operationTimeoutSec ?? 20;
    this.locale = options.locale ?? "en-US";
  }

  get host(): string {
    return this.options.host;
  }

  header(): Omit<RequestHeader, "action"> {
    return {
      to: this.transport.endpoint,
      maxEnvelopeSize: this.maxEnvelopeSize,
      operationTimeoutSec: this.operationTimeoutSec,
      locale: this.locale,
    };
  }

  /** The HTTP timeout that fits a request the service may hold for OperationTimeout. */
  get requestTimeoutMs(): number {
    return this.operationTimeoutSec * 1000 + HTTP_SLACK_MS;
  }

  async invoke(xml: string, timeoutMs: number = this.requestTimeoutMs): Promise<ParsedEnvelope> {
    const size = Buffer.byteLength(xml, "utf8");
    if (size > this.maxEnvelopeSize) {
      throw new EnvelopeTooLargeError(`refusing to send a ${size}-byte envelope: MaxEnvelopeSize is ${this.maxEnvelopeSize}`, 413);
    }
    return parseEnvelope(await this.transport.post(xml, timeoutMs));
  }

  close(): void {
    this.transport.close();
  }
}
