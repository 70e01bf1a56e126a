import * as http from "http";
import * as net from "net";
import {
  ACTION,
  DEFAULT_MAX_ENVELOPE_SIZE,
  SEND_OVERHEAD_BYTES,
  commandEnvelope,
  createShellEnvelope,
  deleteShellEnvelope,
  formatDuration,
  identifyEnvelope,
  parseCommandId,
  parseDuration,
  parseEnvelope,
  parseReceiveResponse,
  parseRequest,
  parseShellId,
  receiveEnvelope,
  sendEnvelope,
  signalEnvelope,
  stdinChunkSize,
  SIGNAL_TERMINATE,
} from "../../winrm/envelope";
import { WSMAN_TIMED_OUT, parseFault } from "../../winrm/faults";
import { HttpConnection } from "../../winrm/http-connection";
import { LinePrefixer } from "../../winrm/line-prefixer";
import { createSession } from "../../winrm/ntlm";
import { ENCRYPTED_CONTENT_TYPE, decodeEncryptedBody, encodeEncryptedBody, isEncryptedContentType } from "../../winrm/ntlm-http";
import { BOOTSTRAP, POWERSHELL_ARGS, buildStdin, parseParamAssignments } from "../../winrm/powershell-stdin";
import { bootTimeChanged } from "../../winrm/readiness";
import { child, text } from "../../winrm/xml";

const header = { to: "http://win:5985/wsman", maxEnvelopeSize: 512000, operationTimeoutSec: 20 };

describe("request envelopes round-trip through the request parser", () => {
  it("Create shell carries options, streams and a fresh MessageID", () => {
    const a = parseRequest(createShellEnvelope(header));
    const b = parseRequest(createShellEnvelope(header));
    expect(a.action).toBe(ACTION.create);
    expect(a.to).toBe(header.to);
    expect(a.maxEnvelopeSize).toBe(512000);
    expect(a.operationTimeoutSec).toBe(20);
    expect(a.options).toEqual({ WINRS_NOPROFILE: "FALSE", WINRS_CODEPAGE: "65001" });
    expect(a.messageId).toMatch(/^uuid:[0-9A-F-]{36}$/);
    expect(a.messageId).not.toBe(b.messageId);
  });

  it("Command escapes its arguments and names the shell", () => {
    const r = parseRequest(commandEnvelope(header, "SHELL-1", "powershell.exe", ["-Command", "'<&>\""]));
    expect(r.action).toBe(ACTION.command);
    expect(r.selectors).toEqual({ ShellId: "SHELL-1" });
    expect(r.options.WINRS_CONSOLEMODE_STDIN).toBe("FALSE");
    const cl = child(r.body, "CommandLine");
    expect(text(child(cl, "Command"))).toBe("powershell.exe");
    expect(text(child(cl, "Arguments"))).toBe("-Command '<&>\"");
  });

  it("Send carries base64 stdin and End", () => {
    const data = Buffer.from("Grüße\r\n");
    const r = parseRequest(sendEnvelope(header, "S", "C", data, true));
    const xml = sendEnvelope(header, "S", "C", data, true);
    expect(xml).toContain(`CommandId="C"`);
    expect(xml).toContain(`End="true"`);
    expect(xml).toContain(data.toString("base64"));
    expect(r.action).toBe(ACTION.send);
  });

  it("Receive, Signal and Delete target the shell", () => {
    expect(parseRequest(receiveEnvelope(header, "S", "C")).action).toBe(ACTION.receive);
    const sig = signalEnvelope(header, "S", "C");
    expect(sig).toContain(SIGNAL_TERMINATE);
    expect(parseRequest(deleteShellEnvelope(header, "S")).selectors.ShellId).toBe("S");
    expect(identifyEnvelope()).toContain("Identify");
  });

  it("durations", () => {
    expect(formatDuration(20)).toBe("PT20.000S");
    expect(parseDuration("PT0.250S")).toBeCloseTo(0.25);
    expect(parseDuration("PT1M30S")).toBe(90);
    expect(parseDuration("nonsense")).toBeUndefined();
  });

  it("stdin chunks keep a Send envelope under MaxEnvelopeSize", () => {
    const size = stdinChunkSize(DEFAULT_MAX_ENVELOPE_SIZE);
    expect(size % 3).toBe(0);
    const xml = sendEnvelope({ ...header, messageId: "uuid:" + "F".repeat(36) }, "F".repeat(36), "F".repeat(36), Buffer.alloc(size, 0xff), true);
    expect(Buffer.byteLength(xml)).toBeLessThanOrEqual(DEFAULT_MAX_ENVELOPE_SIZE);
    expect(Buffer.byteLength(xml)).toBeGreaterThan(DEFAULT_MAX_ENVELOPE_SIZE - SEND_OVERHEAD_BYTES);
  });
});

describe("responses as Windows writes them", () => {
  it("parses a CreateResponse with ResourceCreated only", () => {
    const xml = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header/><s:Body><x:ResourceCreated><a:Address>http://w:5985/wsman</a:Address><a:ReferenceParameters><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">11111111-2222-3333-4444-555555555555</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated></s:Body></s:Envelope>`;
    expect(parseShellId(parseEnvelope(xml))).toBe("11111111-2222-3333-4444-555555555555");
  });

  it("parses CommandResponse and a ReceiveResponse with streams in document order", () => {
    const cmd = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:CommandResponse><rsp:CommandId>CMD-1</rsp:CommandId></rsp:CommandResponse></s:Body></s:Envelope>`;
    expect(parseCommandId(parseEnvelope(cmd))).toBe("CMD-1");
    const b = (s: string): string => Buffer.from(s).toString("base64");
    const rx = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><s:Body><rsp:ReceiveResponse><rsp:Stream Name="stdout" CommandId="C">${b("a")}</rsp:Stream><rsp:Stream Name="stderr" CommandId="C">${b("e")}</rsp:Stream><rsp:Stream Name="stdout" CommandId="C">${b("b")}</rsp:Stream><rsp:Stream Name="stdout" CommandId="C" End="true"></rsp:Stream><rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"><rsp:ExitCode>3010</rsp:ExitCode></rsp:CommandState></rsp:ReceiveResponse></s:Body></s:Envelope>`;
    const r = parseReceiveResponse(parseEnvelope(rx));
    expect(r.streams.map((s) => `${s.name}:${s.data.toString()}:${s.end}`)).toEqual(["stdout:a:false", "stderr:e:false", "stdout:b:false", "stdout::true"]);
    expect(r).toMatchObject({ done: true, exitCode: 3010 });
  });

  it("parses the w:TimedOut fault", () => {
    const xml = `<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:e="http://schemas.xmlsoap.org/ws/2004/08/eventing" xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header><a:Action>http://schemas.dmtf.org/wbem/wsman/1/wsman/fault</a:Action><a:MessageID>uuid:1</a:MessageID><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>uuid:2</a:RelatesTo></s:Header><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  </s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="10.0.0.5"><f:Message></f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`;
    const f = parseFault(xml);
    expect(f?.code).toBe(WSMAN_TIMED_OUT);
    expect(f?.isTimedOut).toBe(true);
    expect(f?.machine).toBe("10.0.0.5");
    expect(parseFault(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>`)).toBeUndefined();
  });
});

describe("NTLM HTTP framing", () => {
  it("round-trips sealed bodies in order and detects a swapped message", () => {
    const key = Buffer.alloc(16, 7);
    const client = createSession(key, "client");
    const server = createSession(key, "server");
    const msgs = ["<a/>", "<b>Grüße</b>", "x".repeat(100000)].map((s) => Buffer.from(s));
    for (const m of msgs) {
      const body = encodeEncryptedBody(client.outgoing, m);
      expect(body.subarray(0, 22).toString()).toBe("--Encrypted Boundary\r\n");
      expect(body.toString("latin1")).toContain(`OriginalContent: type=application/soap+xml;charset=UTF-8;Length=${m.length}`);
      expect(body.subarray(-24).toString()).toBe("--Encrypted Boundary--\r\n");
      expect(decodeEncryptedBody(server.incoming, body).equals(m)).toBe(true);
    }
    const first = encodeEncryptedBody(client.outgoing, Buffer.from("one"));
    const second = encodeEncryptedBody(client.outgoing, Buffer.from("two"));
    expect(() => decodeEncryptedBody(server.incoming, second)).toThrow(/signature/);
    void first;
    expect(isEncryptedContentType(ENCRYPTED_CONTENT_TYPE)).toBe(true);
    expect(isEncryptedContentType("application/soap+xml;charset=UTF-8")).toBe(false);
  });
});

describe("small pieces", () => {
  it("stdin is the parameters as one JSON line, then the script; no value is ever in script text", () => {
    const script = 'param($A)\nWrite-Output "$A"\n';
    const params = { A: 'it\'s "x"\r\n$(y)', B: "" };
    expect(buildStdin(script, params).toString("utf8")).toBe('{"A":"it\'s \\"x\\"\\r\\n$(y)","B":""}\nparam($A)\nWrite-Output "$A"\n');
    expect(BOOTSTRAP).not.toContain("FromBase64String");
  });

  it("the bootstrap carries the script's exit code out and turns a terminating error into exit 1", () => {
    const lines = BOOTSTRAP.split("\r\n");
    expect(lines.slice(-3)).toEqual([
      "$global:LASTEXITCODE = 0",
      "try { & $__hl_block @__hl_params } catch { [Console]::Error.WriteLine($_.ToString()); exit 1 }",
      "exit $global:LASTEXITCODE",
    ]);
    // -EncodedCommand is base64 of UTF-16LE; -OutputFormat Text keeps stderr free of CLIXML.
    expect(POWERSHELL_ARGS.slice(0, 7)).toEqual(["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-OutputFormat", "Text", "-EncodedCommand"]);
    expect(Buffer.from(POWERSHELL_ARGS[7], "base64").toString("utf16le")).toBe(BOOTSTRAP);
  });

  it("parses --param assignments", () => {
    expect(parseParamAssignments(["a=1", "b=x=y", "c="])).toEqual({ a: "1", b: "x=y", c: "" });
    expect(() => parseParamAssignments(["novalue"])).toThrow(/NAME=VALUE/);
    expect(() => parseParamAssignments(["a b=1"])).toThrow(/identifier/);
  });

  it("prefixes whole lines, across chunks, with CRLF removed", () => {
    const lines: string[] = [];
    const p = new LinePrefixer("[vm] ", (l) => lines.push(l));
    p.push("ab");
    p.push("c\r\nd\r");
    p.push("\nlast");
    expect(lines).toEqual(["[vm] abc\n", "[vm] d\n"]);
    p.flush();
    expect(lines[2]).toBe("[vm] last\n");
  });

  it("boot time comparison tolerates clock jitter", () => {
    expect(bootTimeChanged("2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z")).toBe(false);
    expect(bootTimeChanged("2026-01-01T00:00:00Z", "2026-01-01T00:05:00Z")).toBe(true);
  });
});

describe("HttpConnection", () => {
  let srv: http.Server;
  let port: number;
  let connections = 0;
  beforeAll(async () => {
    srv = http.createServer((req, res) => {
      if (req.url === "/chunked") {
        res.write("hello ");
        setTimeout(() => res.end("chunked world"), 20);
      } else if (req.url === "/close") {
        res.writeHead(200, { Connection: "close", "Content-Length": "2" }).end("ok");
      } else {
        let n = 0;
        req.on("data", (d: Buffer) => (n += d.length));
        req.on("end", () => res.end(String(n)));
      }
    });
    srv.on("connection", () => connections++);
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    port = (srv.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it("keeps one connection alive, decodes chunked bodies, and reconnects after Connection: close", async () => {
    const conn = new HttpConnection(
      () =>
        new Promise((resolve, reject) => {
          const s = net.connect({ host: "127.0.0.1", port }, () => resolve(s));
          s.once("error", reject);
        }),
      `127.0.0.1:${port}`,
      "local",
    );
    try {
      const before = connections;
      const req = (path: string, body = Buffer.alloc(0)) => conn.request({ method: "POST", path, headers: {}, body, timeoutMs: 2000 });
      expect((await req("/count", Buffer.alloc(100000))).body.toString()).toBe("100000");
      expect((await req("/chunked")).body.toString()).toBe("hello chunked world");
      expect(conn.generation).toBe(1);
      expect((await req("/close")).body.toString()).toBe("ok");
      expect(conn.isOpen).toBe(false);
      expect((await req("/count", Buffer.from("abc"))).body.toString()).toBe("3");
      expect(conn.generation).toBe(2);
      expect(connections - before).toBe(2);
    } finally {
      conn.close();
    }
  });
});
