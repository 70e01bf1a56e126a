/**
 * The test double checked on its own: its ciphers and sealing against published vectors and an
 * independent implementation, and its HTTP/WS-Man behaviour against what Windows does.
 */
import * as http from "http";
import { md4, Rc4Stream } from "./double/ciphers";
import { sessionDirections } from "./double/ntlm-server";
import { openSealedBody, sealBody } from "./double/framing";
import { WinRmTestServer, startWinrmTestServer } from "./server";

function post(
  port: number,
  headers: Record<string, string>,
  body: string,
  host = "127.0.0.1",
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, path: "/wsman", method: "POST", headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) }, agent: false },
      (res) => {
        let b = "";
        res.on("data", (d: Buffer) => (b += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const IDENTIFY =
  '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">' +
  "<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>";

describe("the double's ciphers", () => {
  it("MD4 matches RFC 1320 A.5", () => {
    expect(md4(Buffer.from("")).toString("hex")).toBe("31d6cfe0d16ae931b73c59d7e0c089c0");
    expect(md4(Buffer.from("abc")).toString("hex")).toBe("a448017aaf21d8525fc10ae87aa6729d");
    expect(md4(Buffer.from("message digest")).toString("hex")).toBe("d9130a8164549fe818874806e1c7014b");
    expect(md4(Buffer.from("1234567890".repeat(8))).toString("hex")).toBe("e33b4ddc9c38f2199c3e7b164fcc0536");
  });

  it("RC4 matches RFC 6229 (40-bit key 0x0102030405, offset 0)", () => {
    expect(new Rc4Stream(Buffer.from("0102030405", "hex")).apply(Buffer.alloc(16)).toString("hex")).toBe("b2396305f03dc027ccc3524a0a1118a8");
  });

  it("sealing matches MS-NLMP 4.2.4.4 (GSS_WrapEx, NTLMv2, sequence 0)", () => {
    const { fromClient } = sessionDirections(Buffer.alloc(16, 0x55));
    // fromClient is the client-to-server direction; seal with it as the client would.
    const { signature, sealed } = fromClient.seal(Buffer.from("Plaintext", "utf16le"));
    expect(sealed.toString("hex")).toBe("54e50165bf1936dc996020c1811b0f06fb5f");
    expect(signature.toString("hex")).toBe("010000007fb38ec5c55d497600000000");
  });

  // Vectors from an independent implementation (Debian's python3-ntlm-auth 1.5,
  // SessionSecurity.wrap with KEY_EXCH|128|ESS|SEAL|SIGN, exported session key 00..0f), written out.
  it("sealing keeps its RC4 state and sequence numbers across messages, per direction", () => {
    const key = Buffer.from("000102030405060708090a0b0c0d0e0f", "hex");
    const c2s = sessionDirections(key).fromClient;
    const expected: Array<[string, string, string]> = [
      ["first message", "126be9200561306765b8764985", "01000000e64d35f396019a6300000000"],
      ["second message", "c2e04c9aa99e1ee2b12424e76ef8", "01000000e6120cef57f186bd01000000"],
      ["third", "22df5d53b6", "0100000067a7d34f0787f84d02000000"],
    ];
    for (const [msg, sealed, sig] of expected) {
      const out = c2s.seal(Buffer.from(msg));
      expect([out.sealed.toString("hex"), out.signature.toString("hex")]).toEqual([sealed, sig]);
    }
    const s2c = sessionDirections(key).toClient;
    const replies: Array<[string, string, string]> = [
      ["reply one", "230aafe1c8f6768b40", "010000007a6d930e0e43a7e400000000"],
      ["reply two", "68d8ed1e8f28f5f8a1", "010000009a25fcad4f79aa1501000000"],
    ];
    for (const [msg, sealed, sig] of replies) {
      const out = s2c.seal(Buffer.from(msg));
      expect([out.sealed.toString("hex"), out.signature.toString("hex")]).toEqual([sealed, sig]);
    }
  });

  it("unsealing refuses a message out of sequence", () => {
    const key = Buffer.alloc(16, 7);
    const sender = sessionDirections(key).fromClient;
    const receiver = sessionDirections(key).fromClient;
    sealBody(sender, Buffer.from("one"));
    const second = sealBody(sender, Buffer.from("two"));
    expect(() => openSealedBody(receiver, second)).toThrow(/sequence number 0/);
  });
});

describe("the double's HTTP face, as Windows answers", () => {
  let srv: WinRmTestServer;
  beforeAll(async () => {
    srv = await startWinrmTestServer({ maxShellsPerUser: 2 });
  });
  afterAll(() => srv.stop());

  it("answers Identify only with the header named WSMANIDENTIFY (MS-WSMV 3.1.4.1.23)", async () => {
    const ok = await post(srv.port, { "Content-Type": "application/soap+xml;charset=UTF-8", WSMANIDENTIFY: "unauthenticated" }, IDENTIFY);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("<wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>");
    const misspelt = await post(srv.port, { "Content-Type": "application/soap+xml;charset=UTF-8", WSMANIDENTITY: "unauthenticated" }, IDENTIFY);
    expect(misspelt.status).toBe(401);
    expect(misspelt.headers["www-authenticate"]).toBe("Negotiate");
  });

  it("answers an empty Basic-authenticated POST with 200 and refuses Basic over HTTP with AllowUnencrypted=false", async () => {
    const auth = `Basic ${Buffer.from(`${srv.user}:${srv.password}`).toString("base64")}`;
    expect((await post(srv.port, { Authorization: auth }, "")).status).toBe(401);
    const open = await startWinrmTestServer({ allowUnencrypted: true });
    try {
      expect((await post(open.port, { Authorization: auth }, "")).status).toBe(200);
      const wrong = `Basic ${Buffer.from(`${open.user}:nope`).toString("base64")}`;
      expect((await post(open.port, { Authorization: wrong }, "")).status).toBe(401);
      const shellXml = createXml(60);
      expect((await post(open.port, { Authorization: auth, "Content-Type": "text/xml" }, shellXml)).status).toBe(415);
      const created = await post(open.port, { Authorization: auth, "Content-Type": "application/soap+xml;charset=UTF-8" }, shellXml);
      expect(created.status).toBe(200);
      expect(created.body).toMatch(/<rsp:ShellId>[0-9A-F-]{36}<\/rsp:ShellId>/);
      // MaxTimeoutms 60000: an OperationTimeout of 61 s is refused.
      const tooLong = await post(open.port, { Authorization: auth, "Content-Type": "application/soap+xml;charset=UTF-8" }, createXml(61));
      expect(tooLong.status).toBe(500);
      expect(tooLong.body).toContain("exceeds MaxTimeoutms 60000");
    } finally {
      await open.stop();
    }
  });

  it("enforces MaxShellsPerUser", async () => {
    const open = await startWinrmTestServer({ allowUnencrypted: true, maxShellsPerUser: 2 });
    try {
      const auth = `Basic ${Buffer.from(`${open.user}:${open.password}`).toString("base64")}`;
      const h = { Authorization: auth, "Content-Type": "application/soap+xml;charset=UTF-8" };
      expect((await post(open.port, h, createXml(20))).status).toBe(200);
      expect((await post(open.port, h, createXml(20))).status).toBe(200);
      const third = await post(open.port, h, createXml(20));
      expect(third.status).toBe(500);
      expect(third.body).toContain('Code="2150859174"');
      expect(third.body).toContain("maximum number of 2 concurrent shells");
    } finally {
      await open.stop();
    }
  });

  it("listens on the address it is given", async () => {
    const other = await startWinrmTestServer({ host: "127.0.0.2" });
    try {
      expect(other.host).toBe("127.0.0.2");
      const r = await post(other.port, { "Content-Type": "application/soap+xml;charset=UTF-8", WSMANIDENTIFY: "unauthenticated" }, IDENTIFY, "127.0.0.2");
      expect(r.status).toBe(200);
      await expect(post(other.port, {}, "", "127.0.0.1")).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await other.stop();
    }
  });
});

/** A Create request written out by hand (pywinrm's shape), with a given OperationTimeout. */
function createXml(timeoutSec: number): string {
  return (
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><env:Header>' +
    '<w:ResourceURI env:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>' +
    "<a:To>http://127.0.0.1/wsman</a:To><a:MessageID>uuid:00000000-0000-0000-0000-000000000001</a:MessageID>" +
    `<w:OperationTimeout>PT${timeoutSec}S</w:OperationTimeout><w:MaxEnvelopeSize>153600</w:MaxEnvelopeSize>` +
    '<a:Action env:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/Create</a:Action></env:Header>' +
    "<env:Body><rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell></env:Body></env:Envelope>"
  );
}

describe("the double's PowerShell honours the bootstrap's wrapper", () => {
  // The client's bootstrap, with and without its exit trailer, sent as a raw command line.
  async function runBootstrap(srv: WinRmTestServer, bootstrap: string, script: string): Promise<{ code: number; err: string }> {
    const { WsmanClient } = await import("../../winrm/client");
    const { RemoteShell } = await import("../../winrm/shell");
    const { buildStdin, encodeCommand } = await import("../../winrm/powershell-stdin");
    const client = new WsmanClient({ host: "127.0.0.1", port: srv.port, user: srv.user, password: srv.password, operationTimeoutSec: 5 });
    try {
      const shell = await RemoteShell.open(client);
      const id = await shell.command("powershell.exe", ["-NoProfile", "-NonInteractive", "-OutputFormat", "Text", "-EncodedCommand", encodeCommand(bootstrap)]);
      await shell.sendInput(id, buildStdin(script), true);
      let err = "";
      const code = await shell.receiveUntilDone(id, { onStderr: (t) => (err += t) }, Date.now() + 10000);
      await shell.close();
      return { code, err };
    } finally {
      client.close();
    }
  }

  it("exit N inside the script reaches the process only through the `exit $global:LASTEXITCODE` trailer", async () => {
    const { BOOTSTRAP } = await import("../../winrm/powershell-stdin");
    const srv = await startWinrmTestServer();
    try {
      expect((await runBootstrap(srv, BOOTSTRAP, "exit 7")).code).toBe(7);
      const withoutTrailer = BOOTSTRAP.split("\r\n").slice(0, -1).join("\r\n");
      expect((await runBootstrap(srv, withoutTrailer, "exit 7")).code).toBe(0);
      // A terminating error: the catch writes the message and exits 1.
      expect(await runBootstrap(srv, BOOTSTRAP, "throw 'boom'")).toEqual({ code: 1, err: "boom\r\n" });
      // A statement the stand-in does not know in the bootstrap fails loudly.
      const lines = BOOTSTRAP.split("\r\n");
      const unknown = [...lines.slice(0, -1), "Invoke-Something", ...lines.slice(-1)].join("\r\n");
      expect(await runBootstrap(srv, unknown, "exit 0")).toEqual({ code: 1, err: "stand-in: unsupported line: Invoke-Something\r\n" });
    } finally {
      await srv.stop();
    }
  });
});
