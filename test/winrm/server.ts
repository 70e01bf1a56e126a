/**
 * A WinRM service stand-in for tests and the bench (test support, not product code).
 * Listens on 127.0.0.1 only, on an ephemeral port, and speaks the protocol as Windows does:
 *  - POST /wsman; Identify answered without credentials when WSMANIDENTITY: unauthenticated;
 *  - NTLM via "Negotiate" with a real challenge and NTLMv2 verification (wrong password -> 401),
 *    then every body sealed/signed with the session keys (multipart/encrypted); unsealed bodies
 *    are refused (HTTP 400) unless allowUnencrypted; Basic only over TLS or with allowUnencrypted;
 *  - shells and commands with GUID ids; Send (stdin, base64) and Receive with rsp:Stream base64
 *    chunks and CommandState Done + ExitCode; Signal terminate; Delete;
 *  - w:TimedOut (2150858793) when a Receive has nothing within its OperationTimeout;
 *  - a fault for command lines over 8191 characters; HTTP 413 for envelopes over 512000 bytes.
 *
 * The command is a tiny PowerShell stand-in that reads the script from stdin. It understands the
 * client's bootstrap line (base64 script + base64 params, see winrm/powershell-stdin.ts) and then
 * these lines of the script, one statement per line (anything else fails the command, exit 1):
 *   Write-Output 'text' | "text with $Param" | $Param | ('c' * N) | (Get-StandInScriptSha256)
 *   [Console]::Error.WriteLine('text')   Write-Error 'text'        -> stderr
 *   Start-Sleep -Milliseconds N | -Seconds N
 *   exit N
 *   a line with Win32_OperatingSystem and LastBootUpTime           -> prints the boot time (ISO)
 *   Restart-Computer ...                                           -> simulated reboot (below)
 *   blank lines, # comments, param(...) lines                      -> ignored
 * Simulations: reboot (drops every connection mid-command, refuses connections for
 * rebootDowntimeMs, comes back with a new boot time); slow output (Start-Sleep) to force TimedOut
 * loops; small output chunks spread over many Receives; and startSilentServer(), which accepts TCP
 * and never answers.
 */
import { createHash, randomUUID } from "crypto";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import { create } from "xmlbuilder2";
import type { XMLBuilder } from "xmlbuilder2/lib/interfaces";
import {
  ACTION,
  ANONYMOUS,
  COMMAND_STATE_DONE,
  COMMAND_STATE_RUNNING,
  DEFAULT_MAX_ENVELOPE_SIZE,
  NS,
  SHELL_RESOURCE_URI,
  newMessageId,
  parseRequest,
  ParsedRequest,
} from "../../winrm/envelope";
import { WSMAN_TIMED_OUT } from "../../winrm/faults";
import { NtlmServer, NtlmSession } from "../../winrm/ntlm";
import { ENCRYPTED_CONTENT_TYPE, SOAP_CONTENT_TYPE, decodeEncryptedBody, encodeEncryptedBody, isEncryptedContentType } from "../../winrm/ntlm-http";
import { attr, child, children, text } from "../../winrm/xml";

export interface TestServerOptions {
  user?: string;
  password?: string;
  tls?: { key: string; cert: string };
  /** Accept Basic over HTTP and unsealed bodies (Windows' AllowUnencrypted=true). */
  allowUnencrypted?: boolean;
  maxEnvelopeSize?: number;
  /** Largest slice of output per rsp:Stream element. */
  outputChunkBytes?: number;
  /** Most rsp:Stream elements in one ReceiveResponse. */
  maxStreamsPerReceive?: number;
  rebootDowntimeMs?: number;
  computerName?: string;
}

export interface ServerStats {
  handshakes: number;
  authFailures: number;
  rejectedUnsealed: number;
  sealedRequests: number;
  receives: number;
  timedOut: number;
  sends: number;
  commands: number;
  reboots: number;
  largestEnvelope: number;
}

type StreamName = "stdout" | "stderr";

interface Cmd {
  id: string;
  stdin: Buffer[];
  events: Array<{ stream: StreamName; data: Buffer }>;
  done: boolean;
  exitCode: number;
  waiters: Set<() => void>;
}

interface Shell {
  id: string;
  commands: Map<string, Cmd>;
}

interface ConnState {
  ntlm?: NtlmServer;
  session?: NtlmSession;
}

interface Reply {
  status: number;
  xml: string;
}

/** Maximum command line of WinRS (cmd.exe's limit). */
const MAX_COMMAND_LINE = 8191;

export class WinRmTestServer {
  readonly stats: ServerStats = {
    handshakes: 0,
    authFailures: 0,
    rejectedUnsealed: 0,
    sealedRequests: 0,
    receives: 0,
    timedOut: 0,
    sends: 0,
    commands: 0,
    reboots: 0,
    largestEnvelope: 0,
  };
  /** Last script the stand-in ran (after decoding the bootstrap). */
  lastScript = "";
  lastParams: Record<string, string> = {};
  bootTime: string;
  port = 0;

  private readonly server: http.Server | https.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly conns = new WeakMap<object, ConnState>();
  private readonly shells = new Map<string, Shell>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private down = false;
  private stopped = false;
  private readonly o: Required<Omit<TestServerOptions, "tls">> & { tls?: TestServerOptions["tls"] };

  private constructor(opts: TestServerOptions) {
    this.o = {
      user: opts.user ?? "Administrator",
      password: opts.password ?? "Pa55w.rd-Lab!",
      allowUnencrypted: opts.allowUnencrypted ?? false,
      maxEnvelopeSize: opts.maxEnvelopeSize ?? DEFAULT_MAX_ENVELOPE_SIZE,
      outputChunkBytes: opts.outputChunkBytes ?? 64 * 1024,
      maxStreamsPerReceive: opts.maxStreamsPerReceive ?? 1000,
      rebootDowntimeMs: opts.rebootDowntimeMs ?? 300,
      computerName: opts.computerName ?? "WIN-TEST",
      tls: opts.tls,
    };
    // An hour of uptime, so a reboot visibly moves the boot time.
    this.bootTime = new Date(Date.now() - 3600_000).toISOString();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.statusCode = 500;
          res.end(String(e instanceof Error ? e.message : e));
        }
      });
    };
    this.server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
    this.server.keepAliveTimeout = 60_000;
    this.server.on("connection", (s: net.Socket) => {
      if (this.down || this.stopped) {
        s.destroy();
        return;
      }
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
  }

  static async start(opts: TestServerOptions = {}): Promise<WinRmTestServer> {
    const s = new WinRmTestServer(opts);
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.server.listen(0, "127.0.0.1", () => resolve());
    });
    s.port = (s.server.address() as net.AddressInfo).port;
    return s;
  }

  get user(): string {
    return this.o.user;
  }

  get password(): string {
    return this.o.password;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.wakeAll();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Simulates a reboot: connections die now, the port refuses for a while, a new boot time. */
  reboot(): void {
    this.stats.reboots++;
    this.down = true;
    for (const s of this.sockets) s.destroy();
    this.shells.clear();
    this.wakeAll();
    this.later(this.o.rebootDowntimeMs, () => {
      this.bootTime = new Date().toISOString();
      this.down = false;
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.later(ms, resolve));
  }

  private wakeAll(): void {
    for (const sh of this.shells.values()) for (const c of sh.commands.values()) for (const w of c.waiters) w();
  }

  // -------------------------------------------------------------------------------------------
  // HTTP and authentication

  private conn(req: http.IncomingMessage): ConnState {
    let st = this.conns.get(req.socket);
    if (!st) {
      st = {};
      this.conns.set(req.socket, st);
    }
    return st;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (this.down) return void req.socket.destroy();
    if (req.method !== "POST" || req.url !== "/wsman") {
      res.writeHead(404).end();
      return;
    }
    const st = this.conn(req);
    const authz = req.headers.authorization ?? "";
    const basicAllowed = !!this.o.tls || this.o.allowUnencrypted;
    const challengeHeaders = basicAllowed ? ["Negotiate", 'Basic realm="WSMAN"'] : ["Negotiate"];

    if (!authz && req.headers.wsmanidentity === "unauthenticated" && !st.session) {
      const xml = body.toString("utf8");
      if (child(child(child(parseRequestSafe(xml), "Envelope"), "Body"), "Identify") !== undefined) {
        res.writeHead(200, { "Content-Type": SOAP_CONTENT_TYPE }).end(this.identifyResponse());
        return;
      }
    }

    let session: NtlmSession | undefined;
    if (/^Negotiate /i.test(authz)) {
      const token = Buffer.from(authz.slice(10).trim(), "base64");
      const type = token.length >= 12 ? token.readUInt32LE(8) : 0;
      if (type === 1) {
        st.session = undefined;
        st.ntlm = new NtlmServer(
          (u) => (u.toLowerCase() === this.o.user.toLowerCase() ? this.o.password : undefined),
          { netbiosComputer: this.o.computerName, netbiosDomain: "WORKGROUP" },
        );
        const challenge = st.ntlm.challenge(token);
        res.writeHead(401, { "WWW-Authenticate": `Negotiate ${challenge.toString("base64")}`, "Content-Length": "0" }).end();
        return;
      }
      if (type === 3 && st.ntlm) {
        try {
          st.session = st.ntlm.accept(token).session;
          this.stats.handshakes++;
        } catch {
          this.stats.authFailures++;
          st.ntlm = undefined;
          st.session = undefined;
          res.writeHead(401, { "WWW-Authenticate": challengeHeaders, "Content-Length": "0" }).end();
          return;
        }
      } else {
        res.writeHead(401, { "WWW-Authenticate": challengeHeaders, "Content-Length": "0" }).end();
        return;
      }
    } else if (/^Basic /i.test(authz)) {
      const [u, ...p] = Buffer.from(authz.slice(6).trim(), "base64").toString("utf8").split(":");
      if (!basicAllowed || u.toLowerCase() !== this.o.user.toLowerCase() || p.join(":") !== this.o.password) {
        this.stats.authFailures++;
        res.writeHead(401, { "WWW-Authenticate": challengeHeaders, "Content-Length": "0" }).end();
        return;
      }
    } else if (!st.session) {
      res.writeHead(401, { "WWW-Authenticate": challengeHeaders, "Content-Length": "0" }).end();
      return;
    }
    if (!/^Basic /i.test(authz)) session = st.session;

    let envelope: Buffer;
    if (session && isEncryptedContentType(req.headers["content-type"])) {
      try {
        envelope = decodeEncryptedBody(session.incoming, body);
        this.stats.sealedRequests++;
      } catch (e) {
        st.session = undefined;
        res.writeHead(400, { "Content-Type": "text/plain" }).end(`cannot unseal: ${(e as Error).message}`);
        return;
      }
    } else if (session && !this.o.allowUnencrypted) {
      this.stats.rejectedUnsealed++;
      res.writeHead(400, { "Content-Type": "text/plain" }).end("Unencrypted traffic is currently disabled in the service configuration (AllowUnencrypted=false)");
      return;
    } else {
      envelope = body;
      session = undefined; // answer as we were asked: plain
    }

    this.stats.largestEnvelope = Math.max(this.stats.largestEnvelope, envelope.length);
    let reply: Reply;
    if (envelope.length > this.o.maxEnvelopeSize) {
      reply = { status: 413, xml: "" };
    } else {
      reply = await this.dispatch(envelope.toString("utf8"));
    }
    if (this.down || res.destroyed || req.socket.destroyed) return;
    if (reply.status === 413) {
      res.writeHead(413, { "Content-Length": "0" }).end();
      return;
    }
    const out = Buffer.from(reply.xml, "utf8");
    if (session) {
      const sealed = encodeEncryptedBody(session.outgoing, out);
      res.writeHead(reply.status, { "Content-Type": ENCRYPTED_CONTENT_TYPE, "Content-Length": String(sealed.length) }).end(sealed);
    } else {
      res.writeHead(reply.status, { "Content-Type": SOAP_CONTENT_TYPE, "Content-Length": String(out.length) }).end(out);
    }
  }

  // -------------------------------------------------------------------------------------------
  // SOAP

  private responseEnvelope(action: string, relatesTo: string, body?: (b: XMLBuilder) => void): string {
    const root = create({ version: "1.0", encoding: "utf-8" }).ele(NS.s, "s:Envelope");
    for (const p of ["a", "w", "rsp", "x"] as const) root.att(NS.xmlns, `xmlns:${p}`, NS[p]);
    const h = root.ele(NS.s, "s:Header");
    h.ele(NS.a, "a:Action").txt(action);
    h.ele(NS.a, "a:MessageID").txt(newMessageId());
    h.ele(NS.a, "a:To").txt(ANONYMOUS);
    if (relatesTo) h.ele(NS.a, "a:RelatesTo").txt(relatesTo);
    const b = root.ele(NS.s, "s:Body");
    body?.(b);
    return root.end({ prettyPrint: false });
  }

  private fault(relatesTo: string, subcode: string, code: number, message: string): Reply {
    const xml = this.responseEnvelope(ACTION.fault, relatesTo, (b) => {
      const f = b.ele(NS.s, "s:Fault");
      const c = f.ele(NS.s, "s:Code");
      c.ele(NS.s, "s:Value").txt("s:Receiver");
      c.ele(NS.s, "s:Subcode").ele(NS.s, "s:Value").txt(subcode);
      f.ele(NS.s, "s:Reason").ele(NS.s, "s:Text").att(NS.xml, "xml:lang", "en-US").txt(message);
      f.ele(NS.s, "s:Detail")
        .ele(NS.f, "f:WSManFault")
        .att("Code", String(code))
        .att("Machine", this.o.computerName)
        .ele(NS.f, "f:Message")
        .txt(message);
    });
    return { status: 500, xml };
  }

  private identifyResponse(): string {
    const root = create({ version: "1.0", encoding: "utf-8" }).ele(NS.s, "s:Envelope");
    root.att(NS.xmlns, "xmlns:wsmid", NS.wsmid);
    root.ele(NS.s, "s:Header");
    const r = root.ele(NS.s, "s:Body").ele(NS.wsmid, "wsmid:IdentifyResponse");
    r.ele(NS.wsmid, "wsmid:ProtocolVersion").txt("http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd");
    r.ele(NS.wsmid, "wsmid:ProductVendor").txt("Microsoft Corporation");
    r.ele(NS.wsmid, "wsmid:ProductVersion").txt("OS: 10.0.20348 SP: 0.0 Stack: 3.0");
    return root.end({ prettyPrint: false });
  }

  private async dispatch(xml: string): Promise<Reply> {
    let r: ParsedRequest;
    try {
      r = parseRequest(xml);
    } catch (e) {
      return this.fault("", "w:SchemaValidationError", 2150858817, `malformed envelope: ${(e as Error).message}`);
    }
    if (r.resourceUri !== SHELL_RESOURCE_URI) {
      return this.fault(r.messageId, "w:DestinationUnreachable", 2150858770, `unsupported ResourceURI ${r.resourceUri}`);
    }
    if (r.action === ACTION.create) {
      const id = randomUUID().toUpperCase();
      this.shells.set(id, { id, commands: new Map() });
      return {
        status: 200,
        xml: this.responseEnvelope(`${ACTION.create}Response`, r.messageId, (b) => {
          const rc = b.ele(NS.x, "x:ResourceCreated");
          rc.ele(NS.a, "a:Address").txt(r.to);
          const rp = rc.ele(NS.a, "a:ReferenceParameters");
          rp.ele(NS.w, "w:ResourceURI").txt(SHELL_RESOURCE_URI);
          rp.ele(NS.w, "w:SelectorSet").ele(NS.w, "w:Selector").att("Name", "ShellId").txt(id);
          b.ele(NS.rsp, "rsp:Shell").ele(NS.rsp, "rsp:ShellId").txt(id);
        }),
      };
    }
    const shell = this.shells.get(r.selectors.ShellId ?? "");
    if (!shell) {
      return this.fault(r.messageId, "w:InvalidSelectors", 2150858843, `The request for the Windows Remote Shell with ShellId ${r.selectors.ShellId} failed because the shell was not found on the server.`);
    }
    switch (r.action) {
      case ACTION.delete:
        this.shells.delete(shell.id);
        return { status: 200, xml: this.responseEnvelope(`${ACTION.delete}Response`, r.messageId) };
      case ACTION.command: {
        const cl = child(r.body, "CommandLine");
        const line = [text(child(cl, "Command")), ...children(cl, "Arguments").map(text)].join(" ");
        if (line.length > MAX_COMMAND_LINE) {
          return this.fault(r.messageId, "w:InternalError", 2147942606, "The command line is too long.");
        }
        this.stats.commands++;
        const id = randomUUID().toUpperCase();
        shell.commands.set(id, { id, stdin: [], events: [], done: false, exitCode: 0, waiters: new Set() });
        return {
          status: 200,
          xml: this.responseEnvelope(`${ACTION.command}Response`, r.messageId, (b) =>
            b.ele(NS.rsp, "rsp:CommandResponse").ele(NS.rsp, "rsp:CommandId").txt(id),
          ),
        };
      }
      case ACTION.send: {
        this.stats.sends++;
        const s = child(child(r.body, "Send"), "Stream");
        const cmd = shell.commands.get(attr(s, "CommandId") ?? "");
        if (!cmd) return this.fault(r.messageId, "w:InvalidParameter", 2150858882, "unknown CommandId");
        cmd.stdin.push(Buffer.from(text(s), "base64"));
        if (attr(s, "End") === "true") void this.runStandIn(cmd, Buffer.concat(cmd.stdin).toString("utf8"));
        return { status: 200, xml: this.responseEnvelope(`${ACTION.send}Response`, r.messageId, (b) => b.ele(NS.rsp, "rsp:SendResponse")) };
      }
      case ACTION.signal: {
        const sig = child(r.body, "Signal");
        const cmd = shell.commands.get(attr(sig, "CommandId") ?? "");
        if (cmd && !cmd.done) this.finish(cmd, 1);
        return { status: 200, xml: this.responseEnvelope(`${ACTION.signal}Response`, r.messageId, (b) => b.ele(NS.rsp, "rsp:SignalResponse")) };
      }
      case ACTION.receive:
        return this.receive(shell, r);
      default:
        return this.fault(r.messageId, "a:ActionNotSupported", 2150858771, `unsupported action ${r.action}`);
    }
  }

  private async receive(shell: Shell, r: ParsedRequest): Promise<Reply> {
    this.stats.receives++;
    const ds = child(child(r.body, "Receive"), "DesiredStream");
    const cmd = shell.commands.get(attr(ds, "CommandId") ?? "");
    if (!cmd) return this.fault(r.messageId, "w:InvalidParameter", 2150858882, "unknown CommandId");
    const timeoutMs = (r.operationTimeoutSec ?? 60) * 1000;
    if (cmd.events.length === 0 && !cmd.done) {
      const c: Cmd = cmd;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.timers.delete(t);
          c.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, timeoutMs);
        this.timers.add(t);
        c.waiters.add(done);
      });
    }
    if (this.stopped || this.down) return { status: 503, xml: "" };
    if (cmd.events.length === 0 && !cmd.done) {
      this.stats.timedOut++;
      return this.fault(
        r.messageId,
        "w:TimedOut",
        WSMAN_TIMED_OUT,
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
      );
    }
    // Pack output so the base64 response stays under the smaller of both envelope limits.
    const limit = Math.min(r.maxEnvelopeSize ?? this.o.maxEnvelopeSize, this.o.maxEnvelopeSize);
    let budget = Math.floor((limit - 4096) / 4) * 3;
    const streams: Array<{ name: StreamName; data: Buffer }> = [];
    while (cmd.events.length > 0 && budget > 0 && streams.length < this.o.maxStreamsPerReceive) {
      const ev = cmd.events[0];
      const take = Math.min(ev.data.length, this.o.outputChunkBytes, budget);
      streams.push({ name: ev.stream, data: ev.data.subarray(0, take) });
      budget -= take + 200; // per-element overhead, in raw-byte terms
      if (take === ev.data.length) cmd.events.shift();
      else ev.data = ev.data.subarray(take);
    }
    const finished = cmd.done && cmd.events.length === 0;
    const xml = this.responseEnvelope(`${ACTION.receive}Response`, r.messageId, (b) => {
      const rr = b.ele(NS.rsp, "rsp:ReceiveResponse");
      for (const s of streams) rr.ele(NS.rsp, "rsp:Stream").att("Name", s.name).att("CommandId", cmd.id).txt(s.data.toString("base64"));
      if (finished) {
        for (const n of ["stdout", "stderr"]) rr.ele(NS.rsp, "rsp:Stream").att("Name", n).att("CommandId", cmd.id).att("End", "true");
      }
      const cs = rr.ele(NS.rsp, "rsp:CommandState").att("CommandId", cmd.id).att("State", finished ? COMMAND_STATE_DONE : COMMAND_STATE_RUNNING);
      if (finished) cs.ele(NS.rsp, "rsp:ExitCode").txt(String(cmd.exitCode));
    });
    return { status: 200, xml };
  }

  // -------------------------------------------------------------------------------------------
  // PowerShell stand-in

  private emit(cmd: Cmd, stream: StreamName, textOut: string | Buffer): void {
    cmd.events.push({ stream, data: Buffer.isBuffer(textOut) ? textOut : Buffer.from(textOut, "utf8") });
    for (const w of cmd.waiters) w();
  }

  private finish(cmd: Cmd, code: number): void {
    cmd.exitCode = code;
    cmd.done = true;
    for (const w of cmd.waiters) w();
  }

  private async runStandIn(cmd: Cmd, stdin: string): Promise<void> {
    const { script, params } = decodeBootstrap(stdin);
    this.lastScript = script;
    this.lastParams = params;
    const generation = this.bootTime;
    const lines = script.split(/\r?\n/);
    for (const raw of lines) {
      if (this.stopped || this.bootTime !== generation || cmd.done) return;
      const line = raw.trim();
      let m: RegExpExecArray | null;
      if (line === "" || line.startsWith("#") || /^param\s*\(/i.test(line) || /^\[CmdletBinding/i.test(line)) continue;
      if ((m = /^Write-Output\s+(.+)$/i.exec(line))) {
        const value = evalExpr(m[1], params, script);
        if (value === undefined) return this.unsupported(cmd, line);
        this.emit(cmd, "stdout", value + "\r\n");
      } else if ((m = /^(?:\[Console\]::Error\.WriteLine\((.+)\)|Write-Error\s+(.+))$/i.exec(line))) {
        const value = evalExpr(m[1] ?? m[2], params, script);
        if (value === undefined) return this.unsupported(cmd, line);
        this.emit(cmd, "stderr", value + "\r\n");
      } else if ((m = /^Start-Sleep\s+-(Milliseconds|Seconds)\s+(\d+)$/i.exec(line))) {
        await this.sleep(Number(m[2]) * (m[1].toLowerCase() === "seconds" ? 1000 : 1));
      } else if ((m = /^exit\s+(-?\d+)$/i.exec(line))) {
        return this.finish(cmd, Number(m[1]));
      } else if (/Win32_OperatingSystem/i.test(line) && /LastBootUpTime/i.test(line)) {
        // .NET's "o" format has seven fractional digits.
        this.emit(cmd, "stdout", this.bootTime.replace(/\.(\d{3})Z$/, ".$10000Z") + "\r\n");
      } else if (/^Restart-Computer\b/i.test(line)) {
        // Windows tears the connection down while the command is still "running".
        this.later(50, () => this.reboot());
        return;
      } else {
        return this.unsupported(cmd, line);
      }
    }
    this.finish(cmd, 0);
  }

  private unsupported(cmd: Cmd, line: string): void {
    this.emit(cmd, "stderr", `stand-in: unsupported line: ${line.slice(0, 120)}\r\n`);
    this.finish(cmd, 1);
  }
}

function parseRequestSafe(xml: string): unknown {
  try {
    // Only the body matters here; the Identify envelope has no WS-Addressing header.
    return { Envelope: { Body: parseRequest(xml).body } };
  } catch {
    return undefined;
  }
}

const B64 = "\\[System\\.Text\\.Encoding\\]::UTF8\\.GetString\\(\\[System\\.Convert\\]::FromBase64String\\('([A-Za-z0-9+/=]*)'\\)\\)";

/** Undoes winrm/powershell-stdin.ts's bootstrap; plain stdin passes through as the script. */
export function decodeBootstrap(stdin: string): { script: string; params: Record<string, string> } {
  const sm = new RegExp(`\\$__hl_script = ${B64}`).exec(stdin);
  if (!sm) return { script: stdin, params: {} };
  const params: Record<string, string> = {};
  const pm = /\$__hl_params = @\{(.*?)\};/.exec(stdin);
  if (pm) {
    // Values are stringified as PowerShell would in "$Param": True/False, numbers, arrays joined by spaces.
    const value = `(${B64}|\\$true|\\$false|-?\\d+(?:\\.\\d+)?|@\\((?:${B64}(?:, ${B64})*)?\\))`;
    const re = new RegExp(`'([A-Za-z_][A-Za-z0-9_]*)' = ${value}`, "g");
    const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");
    for (let m = re.exec(pm[1]); m; m = re.exec(pm[1])) {
      const v = m[2];
      if (v === "$true" || v === "$false") params[m[1]] = v === "$true" ? "True" : "False";
      else if (v.startsWith("@(")) params[m[1]] = [...v.matchAll(new RegExp(B64, "g"))].map((x) => decode(x[1])).join(" ");
      else if (v.startsWith("[")) params[m[1]] = decode(new RegExp(B64).exec(v)![1]);
      else params[m[1]] = v;
    }
  }
  return { script: Buffer.from(sm[1], "base64").toString("utf8"), params };
}

/** The few expressions the stand-in evaluates. */
function evalExpr(expr: string, params: Record<string, string>, script: string): string | undefined {
  const e = expr.trim();
  let m: RegExpExecArray | null;
  if ((m = /^'((?:[^']|'')*)'$/.exec(e))) return m[1].replace(/''/g, "'");
  if ((m = /^"((?:[^"`]|`.)*)"$/.exec(e))) {
    return m[1].replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, n: string) => params[n] ?? "").replace(/`(.)/g, "$1");
  }
  if ((m = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(e))) return params[m[1]] ?? "";
  if ((m = /^\('(.)'\s*\*\s*(\d+)\)$/.exec(e))) return m[1].repeat(Number(m[2]));
  if (/^\(Get-StandInScriptSha256\)$/i.test(e)) return createHash("sha256").update(script, "utf8").digest("hex");
  return undefined;
}

/** Accepts TCP connections and never answers: a guest whose WinRM service hangs. */
export async function startSilentServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}
