/**
 * A single HTTP/1.1 keep-alive connection under our control. NTLM authenticates the TCP
 * connection, not the request, so we must know exactly which socket a request travels on and
 * when it changes; Node's http.Agent hides that, hence this small client.
 * One request at a time (WinRM is strictly request/response per shell operation).
 */
import * as net from "net";
import { TimeoutError, TransportError, WinRmError } from "./errors";

export interface HttpRequest {
  method: "POST" | "GET";
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers (WWW-Authenticate) keep every value. */
  headers: Record<string, string[]>;
  body: Buffer;
}

export function header(res: HttpResponse, name: string): string | undefined {
  return res.headers[name.toLowerCase()]?.[0];
}

export type SocketFactory = (timeoutMs: number) => Promise<net.Socket>;

const MAX_HEADER_BYTES = 64 * 1024;

interface Pending {
  resolve: (r: HttpResponse) => void;
  reject: (e: Error) => void;
  onData: () => void;
  onEnd: () => void;
}

export class HttpConnection {
  private socket?: net.Socket;
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private ended = false;
  private pending?: Pending;
  private busy = false;
  private gen = 0;

  constructor(
    private readonly connect: SocketFactory,
    private readonly hostHeader: string,
    private readonly describe: string,
  ) {}

  /** Increments on every new TCP connection: NTLM contexts are valid for one generation only. */
  get generation(): number {
    return this.gen;
  }

  get isOpen(): boolean {
    return !!this.socket && !this.socket.destroyed && !this.ended;
  }

  close(): void {
    const s = this.socket;
    this.socket = undefined;
    this.ended = true;
    s?.destroy();
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    if (this.busy) throw new WinRmError("HttpConnection is not reentrant: one request at a time");
    this.busy = true;
    try {
      const deadline = Date.now() + req.timeoutMs;
      if (!this.isOpen) await this.open(req.timeoutMs);
      const socket = this.socket as net.Socket;
      const head =
        `${req.method} ${req.path} HTTP/1.1\r\n` +
        `Host: ${this.hostHeader}\r\n` +
        Object.entries(req.headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join("") +
        `Content-Length: ${req.body.length}\r\n\r\n`;
      const response = this.readResponse(Math.max(1, deadline - Date.now()));
      socket.write(Buffer.concat([Buffer.from(head, "latin1"), req.body]));
      const res = await response;
      const connHeader = (header(res, "connection") ?? "").toLowerCase();
      if (connHeader.includes("close")) this.close();
      return res;
    } finally {
      this.busy = false;
    }
  }

  private async open(timeoutMs: number): Promise<void> {
    this.close();
    const socket = await this.connect(timeoutMs);
    this.socket = socket;
    this.chunks = [];
    this.bufferedBytes = 0;
    this.ended = false;
    this.gen++;
    socket.setNoDelay(true);
    // Events of a socket we already replaced must not touch the state of the current one.
    const current = (): boolean => this.socket === socket;
    socket.on("data", (d: Buffer) => {
      if (!current()) return;
      this.chunks.push(d);
      this.bufferedBytes += d.length;
      this.pending?.onData();
    });
    const onGone = (): void => {
      if (!current()) return;
      this.ended = true;
      this.pending?.onEnd();
    };
    socket.on("end", onGone);
    socket.on("close", onGone);
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (!current()) return;
      this.ended = true;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(new TransportError(`connection to ${this.describe} failed: ${err.message}`, err.code));
    });
  }

  private buffered(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(n: number): void {
    const all = this.buffered();
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.bufferedBytes = rest.length;
  }

  private readResponse(timeoutMs: number): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      let head: { status: number; statusText: string; headers: Record<string, string[]>; headerLen: number } | undefined;
      let chunked: ChunkedDecoder | undefined;
      const timer = setTimeout(() => {
        finish();
        this.close();
        reject(new TimeoutError(`no HTTP response from ${this.describe} within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.pending = undefined;
      };
      const fail = (e: Error): void => {
        finish();
        this.close();
        reject(e);
      };
      const done = (body: Buffer): void => {
        finish();
        resolve({ status: head!.status, statusText: head!.statusText, headers: head!.headers, body });
      };
      const tryParse = (): void => {
        try {
          while (!head) {
            const buf = this.buffered();
            const end = buf.indexOf("\r\n\r\n");
            if (end < 0) {
              if (buf.length > MAX_HEADER_BYTES) throw new TransportError(`HTTP headers from ${this.describe} exceed ${MAX_HEADER_BYTES} bytes`);
              if (this.ended) throw new TransportError(`${this.describe} closed the connection without an HTTP response`, "ECONNRESET");
              return;
            }
            const parsed = parseHead(buf.subarray(0, end).toString("latin1"));
            this.consume(end + 4);
            if (parsed.status >= 100 && parsed.status < 200) continue; // 100 Continue and friends
            head = { ...parsed, headerLen: end + 4 };
            const te = (head.headers["transfer-encoding"] ?? []).join(",").toLowerCase();
            if (te.includes("chunked")) chunked = new ChunkedDecoder();
          }
          if (chunked) {
            const buf = this.buffered();
            const used = chunked.push(buf);
            this.consume(used);
            if (chunked.complete) return done(chunked.body());
          } else {
            const cl = head.headers["content-length"]?.[0];
            if (cl !== undefined) {
              const n = Number(cl);
              if (this.bufferedBytes >= n) {
                const body = Buffer.from(this.buffered().subarray(0, n));
                this.consume(n);
                return done(body);
              }
            } else if (head.status === 204 || head.status === 304) {
              return done(Buffer.alloc(0));
            } else if (this.ended) {
              const body = Buffer.from(this.buffered());
              this.consume(body.length);
              return done(body);
            }
          }
          if (this.ended) throw new TransportError(`${this.describe} closed the connection before the response was complete`, "ECONNRESET");
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
        }
      };
      this.pending = { resolve, reject: fail, onData: tryParse, onEnd: tryParse };
      if (this.bufferedBytes > 0 || this.ended) tryParse();
    });
  }
}

function parseHead(text: string): { status: number; statusText: string; headers: Record<string, string[]> } {
  const lines = text.split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!m) throw new TransportError(`malformed HTTP status line: ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
  const headers: Record<string, string[]> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    (headers[k] ??= []).push(line.slice(i + 1).trim());
  }
  return { status: Number(m[1]), statusText: m[2] ?? "", headers };
}

/** Incremental decoder for Transfer-Encoding: chunked. */
class ChunkedDecoder {
  private parts: Buffer[] = [];
  private remaining = -1; // bytes left in the current chunk; -1 = expecting a size line
  complete = false;

  /** Consumes what it can from buf and returns how many bytes it used. */
  push(buf: Buffer): number {
    let at = 0;
    while (!this.complete) {
      if (this.remaining < 0) {
        const eol = buf.indexOf("\r\n", at);
        if (eol < 0) return at;
        const size = parseInt(buf.subarray(at, eol).toString("latin1").split(";")[0].trim(), 16);
        if (Number.isNaN(size)) throw new TransportError("malformed chunk size in HTTP response");
        if (size === 0) {
          // The last chunk is followed by optional trailers and an empty line; trailers are ignored.
          const end = buf.indexOf("\r\n\r\n", eol);
          if (end < 0) return at; // re-read this size line once more bytes arrive
          this.complete = true;
          return end + 4;
        }
        at = eol + 2;
        this.remaining = size;
      }
      const take = Math.min(this.remaining, buf.length - at);
      if (take > 0) {
        this.parts.push(Buffer.from(buf.subarray(at, at + take)));
        this.remaining -= take;
        at += take;
      }
      if (this.remaining > 0) return at;
      if (buf.length - at < 2) return at; // need the CRLF after the chunk
      at += 2;
      this.remaining = -1;
    }
    return at;
  }

  body(): Buffer {
    return Buffer.concat(this.parts);
  }
}
