/**
 * A WinRM service stand-in (test support, not product code), written from MS-WSMV, MS-NLMP and
 * what Windows is documented or observed to do, with no import from winrm/: its URIs, XML
 * reading, NTLM server, sealing and framing are its own (test/winrm/double/). pywinrm checks it
 * independently (test/winrm/pywinrm.test.ts).
 *
 * API for other tests and harnesses (e.g. running the phase graph inside a network namespace):
 *
 *   const srv = await startWinrmTestServer({
 *     host: "10.56.0.10", port: 5985,          // default 127.0.0.1 and a free port
 *     user: "Administrator", password: "...",   // the only account
 *     outcomes: [                               // scripted results for whole scripts
 *       { match: "Install-ADDSForest", outcome: { exitCode: 3010, stdout: "promoted\r\n" } },
 *       { match: (run) => run.params.SiteCode === "LAB", outcome: { exitCode: 1, stderr: "failed\r\n" } },
 *       { match: "Add-Computer", outcome: [{ exitCode: 3010 }, { exitCode: 0 }] },  // one per run, the last repeats
 *     ],
 *     defaultOutcome: { exitCode: 0 },          // for any other script the stand-in cannot run
 *   });
 *   ... srv.records (every process: command line, script blocks, bound params, exit code) ...
 *   await srv.stop();
 *
 * As a process of its own (for a network namespace): test/winrm/serve.ts, configured by JSON.
 *
 * A `match` string matches a script containing it, a RegExp is tested on the script text, a
 * function sees { script, params, synopsis }. The script's help block, [CmdletBinding()] and
 * param() are honoured first: an undeclared parameter or a missing mandatory one fails the run
 * (exit 1) as PowerShell would. An outcome with exitCode 3010 makes the client reboot the double.
 *
 * Behaviour, each from the spec or from Windows:
 *  - POST /wsman only. Identify answered without credentials only with the header
 *    `WSMANIDENTIFY: unauthenticated` (MS-WSMV 3.1.4.1.23); otherwise 401.
 *  - NTLM through "Negotiate" (MS-NLMP NTLMv2, MIC checked), then every body sealed as
 *    multipart/encrypted (MS-WSMV 2.2.9.1); an unsealed body on an NTLM session gets 401 while
 *    AllowUnencrypted is false. An empty authenticated POST gets 200 (how pywinrm sets up sealing).
 *    Basic only over TLS or with allowUnencrypted.
 *  - Quotas with Windows' defaults: MaxEnvelopeSizekb 500 (HTTP 413 above it), MaxTimeoutms 60000
 *    (an OperationTimeout above it is refused), MaxShellsPerUser 30.
 *  - A command's process starts when the Command arrives and runs the command line it got
 *    (through cmd.exe, as WINRS_SKIP_CMD_SHELL=FALSE does): see double/processes.ts.
 *  - Receive waits up to OperationTimeout, then faults w:TimedOut (2150858793).
 *  - reboot(): every connection drops, the port refuses for rebootDowntimeMs, a new boot time.
 */
import { randomUUID } from "crypto";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import { isSealedRequest, mediaType, MULTIPART_ENCRYPTED, openSealedBody, sealBody, SOAP_UTF8 } from "./double/framing";
import { NtlmServerExchange, ServerSession } from "./double/ntlm-server";
import { Outcome, OutcomeRule, ProcessIo, ProcessRecord, runCommandLine, ScriptRun, StreamName } from "./double/processes";
import {
  ACTIONS,
  CMD_SHELL_URI,
  faultXml,
  identifyXml,
  kid,
  kids,
  parseDocument,
  readRequest,
  responseXml,
  STATE_DONE,
  STATE_RUNNING,
  URI,
  WsRequest,
  esc,
} from "./double/wsman";

export type { Outcome, OutcomeRule, ProcessRecord, ScriptRun } from "./double/processes";

export interface TestServerOptions {
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Port; default 0 (a free one). */
  port?: number;
  user?: string;
  password?: string;
  tls?: { key: string; cert: string };
  /** Accept Basic over HTTP and unsealed bodies (Windows' AllowUnencrypted=true). */
  allowUnencrypted?: boolean;
  /** Bytes (Windows: MaxEnvelopeSizekb=500). */
  maxEnvelopeSize?: number;
  /** Windows' MaxTimeoutms default is 60000. */
  maxTimeoutMs?: number;
  /** Windows' MaxShellsPerUser default is 30. */
  maxShellsPerUser?: number;
  /** Largest slice of output per rsp:Stream element. */
  outputChunkBytes?: number;
  /** Most rsp:Stream elements in one ReceiveResponse. */
  maxStreamsPerReceive?: number;
  rebootDowntimeMs?: number;
  computerName?: string;
  outcomes?: OutcomeRule[];
  defaultOutcome?: Outcome;
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

interface Cmd {
  id: string;
  stdin: Buffer[];
  stdinEnded: boolean;
  stdinWaiters: Array<() => void>;
  events: Array<{ stream: StreamName; data: Buffer }>;
  done: boolean;
  exitCode: number;
  terminated: boolean;
  waiters: Set<() => void>;
}

interface Shell {
  id: string;
  user: string;
  commands: Map<string, Cmd>;
}

interface ConnState {
  exchange?: NtlmServerExchange;
  session?: ServerSession;
}

interface Reply {
  status: number;
  xml: string;
}

/** cmd.exe's command-line limit, which WinRS applies to Command + Arguments. */
const MAX_COMMAND_LINE = 8191;
const TIMED_OUT_CODE = 2150858793;

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
  /** Every process started, in order. */
  readonly records: ProcessRecord[] = [];
  bootTime: string;
  port = 0;
  host: string;

  private readonly server: http.Server | https.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly conns = new WeakMap<object, ConnState>();
  private readonly shells = new Map<string, Shell>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private down = false;
  private stopped = false;
  private refuseLogonsUntil = 0;
  private readonly matchCounts = new Map<OutcomeRule, number>();
  private readonly o: Required<Omit<TestServerOptions, "tls" | "defaultOutcome">> & Pick<TestServerOptions, "tls" | "defaultOutcome">;

  private constructor(opts: TestServerOptions) {
    this.o = {
      host: opts.host ?? "127.0.0.1",
      port: opts.port ?? 0,
      user: opts.user ?? "Administrator",
      password: opts.password ?? "Pa55w.rd-Lab!",
      allowUnencrypted: opts.allowUnencrypted ?? false,
      maxEnvelopeSize: opts.maxEnvelopeSize ?? 512000,
      maxTimeoutMs: opts.maxTimeoutMs ?? 60000,
      maxShellsPerUser: opts.maxShellsPerUser ?? 30,
      outputChunkBytes: opts.outputChunkBytes ?? 64 * 1024,
      maxStreamsPerReceive: opts.maxStreamsPerReceive ?? 1000,
      rebootDowntimeMs: opts.rebootDowntimeMs ?? 300,
      computerName: opts.computerName ?? "WIN-TEST",
      outcomes: opts.outcomes ?? [],
      tls: opts.tls,
      defaultOutcome: opts.defaultOutcome,
    };
    this.host = this.o.host;
    // An hour of uptime, so a reboot visibly moves the boot time.
    this.bootTime = new Date(Date.now() - 3600_000).toISOString();
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent && !res.destroyed) res.writeHead(500, { "Content-Type": "text/plain" }).end(String(e instanceof Error ? e.message : e));
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
      s.server.listen(s.o.port, s.o.host, () => resolve());
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

  /** Every text a PowerShell process compiled as a script block, across all processes. */
  get scriptBlocks(): string[] {
    return this.records.flatMap((r) => r.scriptBlocks);
  }

  private get lastRun(): ScriptRun | undefined {
    return this.records.flatMap((r) => r.runs).pop();
  }

  /** Script text of the last ScriptBlock invocation. */
  get lastScript(): string {
    return this.lastRun?.script ?? "";
  }

  /** Parameters bound in the last ScriptBlock invocation, with their JSON types. */
  get lastParams(): Record<string, unknown> {
    return this.lastRun?.params ?? {};
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.wakeAll();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Every logon fails with 401 for `ms` (right after a DC promotion or a domain join, domain
   * logons fail until AD DS and Netlogon are up), then succeeds again.
   */
  refuseLogonsFor(ms: number): void {
    this.refuseLogonsUntil = Date.now() + ms;
  }

  private passwordFor(user: string): string | undefined {
    if (Date.now() < this.refuseLogonsUntil) return undefined;
    return user.toLowerCase() === this.o.user.toLowerCase() ? this.o.password : undefined;
  }

  /** Simulates a reboot: connections die now, the port refuses for a while, a new boot time. */
  reboot(): void {
    this.stats.reboots++;
    this.down = true;
    for (const s of this.sockets) s.destroy();
    for (const sh of this.shells.values()) for (const c of sh.commands.values()) c.terminated = true;
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

  private wakeAll(): void {
    for (const sh of this.shells.values()) {
      for (const c of sh.commands.values()) {
        for (const w of c.waiters) w();
        for (const w of c.stdinWaiters.splice(0)) w();
      }
    }
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

  private challengeHeaders(): string[] {
    return this.o.tls || this.o.allowUnencrypted ? ["Negotiate", 'Basic realm="WSMAN"'] : ["Negotiate"];
  }

  private unauthorized(res: http.ServerResponse, extra?: string): void {
    res.writeHead(401, { "WWW-Authenticate": extra ? [extra] : this.challengeHeaders(), "Content-Length": "0" }).end();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    if (this.down) return void req.socket.destroy();
    if (req.url !== "/wsman") return void res.writeHead(404, { "Content-Length": "0" }).end();
    if (req.method !== "POST") return void res.writeHead(405, { Allow: "POST", "Content-Length": "0" }).end();
    const st = this.conn(req);
    const authz = req.headers.authorization ?? "";

    // Node lowercases header names; HTTP names are case-insensitive, but the name itself must be WSMANIDENTIFY.
    if (!authz && req.headers.wsmanidentify === "unauthenticated") {
      let isIdentify = false;
      try {
        isIdentify = readRequestLoose(body.toString("utf8"));
      } catch {
        isIdentify = false;
      }
      if (isIdentify) {
        const xml = Buffer.from(identifyXml(), "utf8");
        res.writeHead(200, { "Content-Type": SOAP_UTF8, "Content-Length": String(xml.length) }).end(xml);
        return;
      }
    }

    let session: ServerSession | undefined;
    const negotiate = /^Negotiate\s+(\S+)$/i.exec(authz);
    const basic = /^Basic\s+(\S+)$/i.exec(authz);
    if (negotiate) {
      const token = Buffer.from(negotiate[1], "base64");
      const type = token.length >= 12 ? token.readUInt32LE(8) : 0;
      if (type === 1) {
        st.session = undefined;
        st.exchange = new NtlmServerExchange((u) => this.passwordFor(u), this.o.computerName);
        try {
          return this.unauthorized(res, `Negotiate ${st.exchange.challenge(token).toString("base64")}`);
        } catch {
          return this.unauthorized(res);
        }
      }
      if (type !== 3 || !st.exchange) return this.unauthorized(res);
      try {
        st.session = st.exchange.accept(token);
        this.stats.handshakes++;
      } catch {
        this.stats.authFailures++;
        st.exchange = undefined;
        st.session = undefined;
        return this.unauthorized(res);
      }
      st.exchange = undefined;
      session = st.session;
    } else if (basic) {
      const [u, ...p] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
      if (!(this.o.tls || this.o.allowUnencrypted) || this.passwordFor(u) !== p.join(":")) {
        this.stats.authFailures++;
        return this.unauthorized(res);
      }
    } else if (st.session) {
      session = st.session;
    } else {
      return this.unauthorized(res);
    }

    // An empty authenticated POST: Windows answers 200 with no body (pywinrm sends one to set up sealing).
    if (body.length === 0) return void res.writeHead(200, { "Content-Length": "0" }).end();

    let envelope: Buffer;
    const sealed = session !== undefined && isSealedRequest(req.headers["content-type"]);
    if (sealed && session) {
      try {
        envelope = openSealedBody(session.fromClient, body);
        this.stats.sealedRequests++;
      } catch {
        st.session = undefined;
        return this.unauthorized(res);
      }
    } else {
      if (session && !this.o.allowUnencrypted) {
        // AllowUnencrypted=false: Windows refuses the message with 401, not 400.
        this.stats.rejectedUnsealed++;
        return this.unauthorized(res);
      }
      const ct = mediaType(req.headers["content-type"]);
      if (ct.type !== "application/soap+xml" || (ct.params.charset ?? "utf-8").toLowerCase() !== "utf-8") {
        return void res.writeHead(415, { "Content-Length": "0" }).end();
      }
      envelope = body;
      session = undefined;
    }

    this.stats.largestEnvelope = Math.max(this.stats.largestEnvelope, envelope.length);
    if (envelope.length > this.o.maxEnvelopeSize) return void res.writeHead(413, { "Content-Length": "0" }).end();
    const reply = await this.dispatch(envelope.toString("utf8"), st.session?.user ?? this.o.user);
    if (this.down || res.destroyed || req.socket.destroyed) return;
    const out = Buffer.from(reply.xml, "utf8");
    if (session) {
      const wrapped = sealBody(session.toClient, out);
      res.writeHead(reply.status, { "Content-Type": MULTIPART_ENCRYPTED, "Content-Length": String(wrapped.length) }).end(wrapped);
    } else {
      res.writeHead(reply.status, { "Content-Type": SOAP_UTF8, "Content-Length": String(out.length) }).end(out);
    }
  }

  // -------------------------------------------------------------------------------------------
  // WS-Management

  private fault(relatesTo: string, subcode: string, code: number, message: string): Reply {
    return { status: 500, xml: faultXml(relatesTo, subcode, code, message, this.o.computerName) };
  }

  private ok(action: string, r: WsRequest, body: string): Reply {
    return { status: 200, xml: responseXml(`${action}Response`, r.messageId, body) };
  }

  private async dispatch(xml: string, user: string): Promise<Reply> {
    let r: WsRequest;
    try {
      r = readRequest(xml);
    } catch (e) {
      return this.fault(
        "",
        "w:SchemaValidationError",
        2150858817,
        `The SOAP XML in the message does not match the corresponding XML schema definition: ${(e as Error).message}`,
      );
    }
    if (r.resourceUri !== CMD_SHELL_URI) {
      return this.fault(
        r.messageId,
        "w:DestinationUnreachable",
        2150858770,
        `The WS-Management service cannot process the request. The resource URI ${r.resourceUri} is not supported.`,
      );
    }
    if (r.operationTimeoutMs !== undefined && r.operationTimeoutMs > this.o.maxTimeoutMs) {
      // The double's choice of subcode; Windows refuses an OperationTimeout above MaxTimeoutms.
      return this.fault(
        r.messageId,
        "w:InvalidOptions",
        2150858882,
        `The OperationTimeout ${r.operationTimeoutMs} ms exceeds MaxTimeoutms ${this.o.maxTimeoutMs}.`,
      );
    }
    if (r.action === ACTIONS.create) return this.create(r, user);
    const shell = this.shells.get(r.selectors.ShellId ?? "");
    if (!shell) {
      return this.fault(
        r.messageId,
        "w:InvalidSelectors",
        2150858843,
        `The request for the Windows Remote Shell with ShellId ${r.selectors.ShellId ?? ""} failed because the shell was not found on the server.`,
      );
    }
    switch (r.action) {
      case ACTIONS.delete:
        for (const c of shell.commands.values()) this.terminate(c);
        this.shells.delete(shell.id);
        return this.ok(ACTIONS.delete, r, "");
      case ACTIONS.command:
        return this.command(shell, r);
      case ACTIONS.send:
        return this.send(shell, r);
      case ACTIONS.signal: {
        const sig = kid(r.body, URI.shell, "Signal");
        const cmd = shell.commands.get(sig?.attrs.CommandId ?? "");
        if (!cmd) return this.fault(r.messageId, "w:InvalidParameter", 2150858882, "The CommandId is not valid.");
        this.terminate(cmd);
        shell.commands.delete(cmd.id);
        return this.ok(ACTIONS.signal, r, `<rsp:SignalResponse/>`);
      }
      case ACTIONS.receive:
        return this.receive(shell, r);
      default:
        return this.fault(r.messageId, "a:ActionNotSupported", 2150858771, `The action ${r.action} is not supported by the service.`);
    }
  }

  private create(r: WsRequest, user: string): Reply {
    const mine = [...this.shells.values()].filter((s) => s.user.toLowerCase() === user.toLowerCase()).length;
    if (mine >= this.o.maxShellsPerUser) {
      // Windows' message for MaxShellsPerUser (error 0x803381A6).
      return this.fault(
        r.messageId,
        "w:InternalError",
        2150859174,
        `The WS-Management service cannot process the request. This user is allowed a maximum number of ${this.o.maxShellsPerUser} concurrent shells, which has been exceeded.`,
      );
    }
    const shellEl = kid(r.body, URI.shell, "Shell");
    if (!shellEl) return this.fault(r.messageId, "w:SchemaValidationError", 2150858817, "Create carries no rsp:Shell.");
    const id = randomUUID().toUpperCase();
    this.shells.set(id, { id, user, commands: new Map() });
    return this.ok(
      ACTIONS.create,
      r,
      `<x:ResourceCreated><a:Address>${esc(kid(r.header, URI.addressing, "To")?.text ?? "")}</a:Address><a:ReferenceParameters>` +
        `<w:ResourceURI>${CMD_SHELL_URI}</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">${id}</w:Selector></w:SelectorSet>` +
        `</a:ReferenceParameters></x:ResourceCreated><rsp:Shell><rsp:ShellId>${id}</rsp:ShellId></rsp:Shell>`,
    );
  }

  private command(shell: Shell, r: WsRequest): Reply {
    const cl = kid(r.body, URI.shell, "CommandLine");
    const command = kid(cl, URI.shell, "Command")?.text ?? "";
    const line = [command, ...kids(cl, URI.shell, "Arguments").map((a) => a.text)].join(" ");
    if (line.length > MAX_COMMAND_LINE) return this.fault(r.messageId, "w:InternalError", 2147942606, "The command line is too long.");
    this.stats.commands++;
    const id = randomUUID().toUpperCase();
    const cmd: Cmd = { id, stdin: [], stdinEnded: false, stdinWaiters: [], events: [], done: false, exitCode: 0, terminated: false, waiters: new Set() };
    shell.commands.set(id, cmd);
    // The process starts now, as on Windows, whether or not stdin ever comes.
    const rec: ProcessRecord = { commandLine: line, options: r.options, scriptBlocks: [], runs: [] };
    this.records.push(rec);
    const generation = this.bootTime;
    const io: ProcessIo = {
      stdin: () =>
        new Promise<Buffer>((resolve) => {
          const check = (): void => {
            if (cmd.stdinEnded || !io.alive()) resolve(Buffer.concat(cmd.stdin));
            else cmd.stdinWaiters.push(check);
          };
          check();
        }),
      write: (stream, text) => {
        if (!io.alive()) return;
        cmd.events.push({ stream, data: Buffer.from(text, "utf8") });
        for (const w of cmd.waiters) w();
      },
      sleep: (ms) => new Promise((resolve) => this.later(ms, resolve)),
      alive: () => !this.stopped && !cmd.terminated && this.bootTime === generation && !this.down,
      bootTime: () => this.bootTime,
      reboot: () => this.later(50, () => this.reboot()),
    };
    void runCommandLine(line, io, { outcomes: this.o.outcomes, defaultOutcome: this.o.defaultOutcome, matchCounts: this.matchCounts }, rec).then(
      (code) => {
        rec.exitCode = code;
        if (io.alive()) this.finish(cmd, code);
      },
      (e: unknown) => {
        io.write("stderr", `stand-in crashed: ${e instanceof Error ? e.message : String(e)}\r\n`);
        this.finish(cmd, 1);
      },
    );
    return this.ok(ACTIONS.command, r, `<rsp:CommandResponse><rsp:CommandId>${id}</rsp:CommandId></rsp:CommandResponse>`);
  }

  private send(shell: Shell, r: WsRequest): Reply {
    this.stats.sends++;
    const s = kid(kid(r.body, URI.shell, "Send"), URI.shell, "Stream");
    const cmd = shell.commands.get(s?.attrs.CommandId ?? "");
    if (!s || !cmd) return this.fault(r.messageId, "w:InvalidParameter", 2150858882, "The CommandId is not valid.");
    if (s.attrs.Name !== "stdin")
      return this.fault(r.messageId, "w:InvalidParameter", 2150858882, `Stream ${s.attrs.Name ?? ""} is not an input stream of this shell.`);
    cmd.stdin.push(Buffer.from(s.text, "base64"));
    if (s.attrs.End === "true" || s.attrs.End === "1") {
      cmd.stdinEnded = true;
      for (const w of cmd.stdinWaiters.splice(0)) w();
    }
    return this.ok(ACTIONS.send, r, `<rsp:SendResponse/>`);
  }

  private terminate(cmd: Cmd): void {
    cmd.terminated = true;
    for (const w of cmd.stdinWaiters.splice(0)) w();
    if (!cmd.done) this.finish(cmd, 1);
  }

  private finish(cmd: Cmd, code: number): void {
    cmd.exitCode = code;
    cmd.done = true;
    for (const w of cmd.waiters) w();
  }

  private async receive(shell: Shell, r: WsRequest): Promise<Reply> {
    this.stats.receives++;
    const ds = kid(kid(r.body, URI.shell, "Receive"), URI.shell, "DesiredStream");
    const cmd = shell.commands.get(ds?.attrs.CommandId ?? "");
    if (!cmd) return this.fault(r.messageId, "w:InvalidParameter", 2150858882, "The CommandId is not valid.");
    const timeoutMs = r.operationTimeoutMs ?? 60000;
    if (cmd.events.length === 0 && !cmd.done) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          this.timers.delete(t);
          cmd.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, timeoutMs);
        this.timers.add(t);
        cmd.waiters.add(done);
      });
    }
    if (this.stopped || this.down) return { status: 503, xml: "" };
    if (cmd.events.length === 0 && !cmd.done) {
      this.stats.timedOut++;
      return this.fault(
        r.messageId,
        "w:TimedOut",
        TIMED_OUT_CODE,
        "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.",
      );
    }
    // Keep the response under the smaller of the client's MaxEnvelopeSize and ours (base64 + XML overhead).
    const limit = Math.min(r.maxEnvelopeSize ?? this.o.maxEnvelopeSize, this.o.maxEnvelopeSize);
    let budget = Math.floor((limit - 4096) / 4) * 3;
    const streams: Array<{ name: StreamName; data: Buffer }> = [];
    while (cmd.events.length > 0 && budget > 0 && streams.length < this.o.maxStreamsPerReceive) {
      const ev = cmd.events[0];
      const take = Math.min(ev.data.length, this.o.outputChunkBytes, budget);
      streams.push({ name: ev.stream, data: ev.data.subarray(0, take) });
      budget -= take + 200;
      if (take === ev.data.length) cmd.events.shift();
      else ev.data = ev.data.subarray(take);
    }
    const finished = cmd.done && cmd.events.length === 0;
    let body = "<rsp:ReceiveResponse>";
    for (const s of streams) body += `<rsp:Stream Name="${s.name}" CommandId="${cmd.id}">${s.data.toString("base64")}</rsp:Stream>`;
    if (finished) {
      for (const n of ["stdout", "stderr"]) body += `<rsp:Stream Name="${n}" CommandId="${cmd.id}" End="true"></rsp:Stream>`;
      body += `<rsp:CommandState CommandId="${cmd.id}" State="${STATE_DONE}"><rsp:ExitCode>${cmd.exitCode}</rsp:ExitCode></rsp:CommandState>`;
    } else {
      body += `<rsp:CommandState CommandId="${cmd.id}" State="${STATE_RUNNING}"/>`;
    }
    body += "</rsp:ReceiveResponse>";
    return this.ok(ACTIONS.receive, r, body);
  }
}

/** An Identify body: a SOAP envelope whose Body holds wsmid:Identify (the header may be empty). */
function readRequestLoose(xml: string): boolean {
  const env = parseDocument(xml);
  const body = kid(env, URI.soap, "Body");
  return env.ns === URI.soap && env.name === "Envelope" && kid(body, URI.identity, "Identify") !== undefined;
}

/** Starts the double; see the header comment for the options. */
export function startWinrmTestServer(opts: TestServerOptions = {}): Promise<WinRmTestServer> {
  return WinRmTestServer.start(opts);
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
