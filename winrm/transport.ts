/**
 * How envelopes reach the WinRM service: NTLM with sealing over HTTP (the default, matching a
 * domain-joined or workgroup Windows with stock settings), Basic over HTTPS, or Basic over plain
 * HTTP only when the caller explicitly sets allowUnencrypted.
 */
import { X509Certificate } from "crypto";
import { readFileSync } from "fs";
import * as net from "net";
import * as tls from "tls";
import { identifyEnvelope, parseIdentifyResponse, IdentifyInfo } from "./envelope";
import { AuthenticationError, ConfigurationError, EnvelopeTooLargeError, HttpStatusError, TimeoutError, TransportError } from "./errors";
import { parseFault } from "./faults";
import { HttpConnection, HttpResponse, SocketFactory, header } from "./http-connection";
import { NtlmClient, NtlmError, NtlmSession } from "./ntlm";
import { ENCRYPTED_CONTENT_TYPE, SOAP_CONTENT_TYPE, decodeEncryptedBody, encodeEncryptedBody, isEncryptedContentType } from "./ntlm-http";

export type TransportKind = "ntlm" | "basic" | "basic-https";

export interface EndpointOptions {
  host: string;
  /** 5985 for ntlm/basic, 5986 for basic-https when omitted. */
  port?: number;
  kind?: TransportKind;
  /** PEM file of a CA (or the self-signed certificate itself) to trust for HTTPS. */
  caFile?: string;
  /** SHA-256 fingerprint of the server certificate (hex, colons optional). Replaces CA checks. */
  pinSha256?: string;
  /** The WinRM URL path. */
  path?: string;
  connectTimeoutMs?: number;
}

export interface TransportOptions extends EndpointOptions {
  user: string;
  password: string;
  /** Required, by this name, for Basic over plain HTTP: the password would cross the wire in clear. */
  allowUnencrypted?: boolean;
}

export interface Transport {
  readonly endpoint: string;
  /** Posts one SOAP envelope and returns the SOAP response (faults are thrown as WsmanFault). */
  post(soap: string, timeoutMs: number): Promise<string>;
  close(): void;
}

export function defaultPort(kind: TransportKind): number {
  return kind === "basic-https" ? 5986 : 5985;
}

export function endpointUrl(o: EndpointOptions): string {
  const kind = o.kind ?? "ntlm";
  const host = net.isIPv6(o.host) ? `[${o.host}]` : o.host;
  return `${kind === "basic-https" ? "https" : "http"}://${host}:${o.port ?? defaultPort(kind)}${o.path ?? "/wsman"}`;
}

export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/[:\s]/g, "").toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) throw new ConfigurationError("certificate pin must be a SHA-256 fingerprint: 64 hex digits, colons allowed");
  return hex;
}

/** SHA-256 fingerprint of a PEM certificate, in the form --pin accepts. */
export function certificateFingerprint(pem: string): string {
  return normalizeFingerprint(new X509Certificate(pem).fingerprint256);
}

function socketFactory(o: EndpointOptions): SocketFactory {
  const inner = rawSocketFactory(o);
  return (timeoutMs) => inner(Math.max(1, Math.min(timeoutMs, o.connectTimeoutMs ?? timeoutMs)));
}

function rawSocketFactory(o: EndpointOptions): SocketFactory {
  const kind = o.kind ?? "ntlm";
  const port = o.port ?? defaultPort(kind);
  const where = `${o.host}:${port}`;
  if (kind !== "basic-https") {
    return (timeoutMs) =>
      new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: o.host, port });
        const t = setTimeout(() => {
          s.destroy();
          reject(new TimeoutError(`TCP connect to ${where} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        s.once("connect", () => {
          clearTimeout(t);
          resolve(s);
        });
        s.once("error", (e: NodeJS.ErrnoException) => {
          clearTimeout(t);
          reject(new TransportError(`cannot connect to ${where}: ${e.message}`, e.code));
        });
      });
  }
  if (o.caFile && o.pinSha256) throw new ConfigurationError("use either a CA file or a certificate pin, not both");
  const pin = o.pinSha256 ? normalizeFingerprint(o.pinSha256) : undefined;
  const ca = o.caFile ? readFileSync(o.caFile) : undefined;
  return (timeoutMs) =>
    new Promise<net.Socket>((resolve, reject) => {
      const s = tls.connect({
        host: o.host,
        port,
        servername: net.isIP(o.host) ? undefined : o.host,
        ca,
        // With a pin, the fingerprint below is the whole trust decision and chain checks are moot;
        // nothing is written on the socket before it passes.
        rejectUnauthorized: pin === undefined,
      });
      const t = setTimeout(() => {
        s.destroy();
        reject(new TimeoutError(`TLS connect to ${where} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once("secureConnect", () => {
        clearTimeout(t);
        if (pin) {
          const got = normalizeFingerprint(s.getPeerCertificate().fingerprint256 ?? "");
          if (got !== pin) {
            s.destroy();
            reject(new TransportError(`certificate of ${where} has SHA-256 ${got}, not the pinned ${pin}`, "CERT_PIN_MISMATCH"));
            return;
          }
        }
        resolve(s);
      });
      s.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(t);
        reject(new TransportError(`TLS connection to ${where} failed: ${e.message}`, e.code));
      });
    });
}

function hostHeader(o: EndpointOptions): string {
  const kind = o.kind ?? "ntlm";
  return `${net.isIPv6(o.host) ? `[${o.host}]` : o.host}:${o.port ?? defaultPort(kind)}`;
}

abstract class BaseTransport implements Transport {
  readonly endpoint: string;
  protected readonly conn: HttpConnection;
  protected readonly path: string;
  protected readonly where: string;

  constructor(protected readonly o: TransportOptions) {
    this.endpoint = endpointUrl(o);
    this.path = o.path ?? "/wsman";
    this.where = hostHeader(o);
    this.conn = new HttpConnection(socketFactory(o), this.where, this.where);
  }

  abstract post(soap: string, timeoutMs: number): Promise<string>;

  close(): void {
    this.conn.close();
  }

  protected authFailure(): AuthenticationError {
    return new AuthenticationError(
      `authentication failed for user "${this.o.user}" on ${this.where} (HTTP 401): wrong user name or password, or the account may not use WinRM`,
    );
  }

  /** Maps an HTTP response carrying a (decoded) SOAP body to its text, throwing on faults. */
  protected finish(res: HttpResponse, soap: Buffer): string {
    if (res.status === 200) return soap.toString("utf8");
    if (res.status === 401) throw this.authFailure();
    if (res.status === 413) {
      throw new EnvelopeTooLargeError(`${this.where} refused the request as too large (HTTP 413, MaxEnvelopeSize exceeded)`, 413);
    }
    const text = soap.toString("utf8");
    if (text.includes("Envelope")) {
      const fault = parseFault(text);
      if (fault) throw fault;
    }
    throw new HttpStatusError(`${this.where} answered HTTP ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ""}`, res.status);
  }
}

class BasicTransport extends BaseTransport {
  private readonly authorization: string;

  constructor(o: TransportOptions) {
    super(o);
    this.authorization = `Basic ${Buffer.from(`${o.user}:${o.password}`, "utf8").toString("base64")}`;
  }

  async post(soap: string, timeoutMs: number): Promise<string> {
    const res = await this.conn.request({
      method: "POST",
      path: this.path,
      headers: { "Content-Type": SOAP_CONTENT_TYPE, Authorization: this.authorization, "User-Agent": "homelab-winrm" },
      body: Buffer.from(soap, "utf8"),
      timeoutMs,
    });
    return this.finish(res, res.body);
  }
}

function negotiateToken(res: HttpResponse): Buffer | undefined {
  for (const v of res.headers["www-authenticate"] ?? []) {
    for (const part of v.split(",")) {
      const m = /^\s*Negotiate\s+([A-Za-z0-9+/=]+)\s*$/i.exec(part);
      if (m) return Buffer.from(m[1], "base64");
    }
  }
  return undefined;
}

class NtlmTransport extends BaseTransport {
  private session?: NtlmSession;
  private sessionGeneration = -1;

  async post(soap: string, timeoutMs: number): Promise<string> {
    const body = Buffer.from(soap, "utf8");
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const remaining = Math.max(1, deadline - Date.now());
      const fresh = !this.session || !this.conn.isOpen || this.conn.generation !== this.sessionGeneration;
      const res = fresh ? await this.handshake(body, remaining) : await this.sendSealed(body, undefined, remaining);
      // A 401 on an established connection means the server lost our context (e.g. it recycled
      // the connection); it did not process the message, so one fresh handshake is safe.
      if (res.status === 401 && !fresh && attempt === 0) {
        this.session = undefined;
        continue;
      }
      if (res.status === 401) {
        this.session = undefined;
        throw this.authFailure();
      }
      return this.finish(res, this.unseal(res));
    }
  }

  private async sendSealed(body: Buffer, authorization: string | undefined, timeoutMs: number): Promise<HttpResponse> {
    const session = this.session as NtlmSession;
    const headers: Record<string, string> = { "Content-Type": ENCRYPTED_CONTENT_TYPE, "User-Agent": "homelab-winrm" };
    if (authorization) headers.Authorization = authorization;
    return this.conn.request({ method: "POST", path: this.path, headers, body: encodeEncryptedBody(session.outgoing, body), timeoutMs });
  }

  private async handshake(body: Buffer, timeoutMs: number): Promise<HttpResponse> {
    const deadline = Date.now() + timeoutMs;
    this.session = undefined;
    this.conn.close();
    const client = new NtlmClient({ user: this.o.user, password: this.o.password });
    const first = await this.conn.request({
      method: "POST",
      path: this.path,
      headers: {
        "Content-Type": SOAP_CONTENT_TYPE,
        Authorization: `Negotiate ${client.negotiate().toString("base64")}`,
        "User-Agent": "homelab-winrm",
      },
      body: Buffer.alloc(0),
      timeoutMs,
    });
    const generation = this.conn.generation;
    const challenge = first.status === 401 ? negotiateToken(first) : undefined;
    if (!challenge) {
      const offered = (first.headers["www-authenticate"] ?? []).map((v) => v.split(" ")[0]).join(", ") || "none";
      throw new HttpStatusError(
        `${this.where} did not offer an NTLM challenge (HTTP ${first.status}; authentication schemes offered: ${offered})`,
        first.status,
      );
    }
    if (!this.conn.isOpen) throw new TransportError(`${this.where} closed the connection during the NTLM handshake`);
    let auth: { message: Buffer; session: NtlmSession };
    try {
      auth = client.authenticate(challenge);
    } catch (e) {
      if (e instanceof NtlmError) throw new TransportError(`NTLM with ${this.where}: ${e.message}`);
      throw e;
    }
    this.session = auth.session;
    this.sessionGeneration = generation;
    const res = await this.sendSealed(body, `Negotiate ${auth.message.toString("base64")}`, Math.max(1, deadline - Date.now()));
    if (this.conn.generation !== generation) throw new TransportError(`${this.where} changed connection during the NTLM handshake`);
    return res;
  }

  private unseal(res: HttpResponse): Buffer {
    if (isEncryptedContentType(header(res, "content-type"))) {
      if (!this.session) throw new TransportError(`sealed response from ${this.where} without an NTLM session`);
      try {
        return decodeEncryptedBody(this.session.incoming, res.body);
      } catch (e) {
        this.session = undefined;
        this.conn.close();
        throw new TransportError(`cannot unseal the response from ${this.where}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    // Unsealed success would mean an unauthenticated message in our session: refuse it.
    if (res.status === 200) throw new TransportError(`${this.where} sent an unsealed response on an NTLM-sealed session`);
    return res.body;
  }
}

export function createTransport(o: TransportOptions): Transport {
  const kind = o.kind ?? "ntlm";
  switch (kind) {
    case "ntlm":
      return new NtlmTransport(o);
    case "basic-https":
      return new BasicTransport(o);
    case "basic":
      if (o.allowUnencrypted !== true) {
        throw new ConfigurationError(
          `refusing Basic authentication over plain HTTP to ${hostHeader(o)}: the password and every message would cross the network unencrypted. ` +
            `Use the ntlm transport (sealed) or basic-https, or set allowUnencrypted: true (--allow-unencrypted) to accept that.`,
        );
      }
      return new BasicTransport(o);
    default: {
      const never: never = kind;
      throw new ConfigurationError(`unknown transport ${String(never)}`);
    }
  }
}

/**
 * Identify without credentials, as Windows allows: it proves the WinRM listener is up before we
 * spend a handshake on it. The header is WSMANIDENTIFY (MS-WSMV 3.1.4.1.23); any other name gets 401.
 */
export async function identify(o: EndpointOptions, timeoutMs: number): Promise<IdentifyInfo> {
  const where = hostHeader(o);
  const conn = new HttpConnection(socketFactory(o), where, where);
  try {
    const res = await conn.request({
      method: "POST",
      path: o.path ?? "/wsman",
      headers: { "Content-Type": SOAP_CONTENT_TYPE, WSMANIDENTIFY: "unauthenticated", "User-Agent": "homelab-winrm" },
      body: Buffer.from(identifyEnvelope(), "utf8"),
      timeoutMs,
    });
    if (res.status !== 200) throw new HttpStatusError(`Identify on ${where} answered HTTP ${res.status} ${res.statusText}`, res.status);
    return parseIdentifyResponse(res.body.toString("utf8"));
  } finally {
    conn.close();
  }
}
