import { createHash } from "crypto";
import { WsmanClient } from "../../winrm/client";
import { commandEnvelope, createShellEnvelope, parseShellId } from "../../winrm/envelope";
import { AuthenticationError, ConfigurationError, EnvelopeTooLargeError, TimeoutError, TransportError } from "../../winrm/errors";
import { WsmanFault } from "../../winrm/faults";
import { HttpConnection } from "../../winrm/http-connection";
import { NtlmClient } from "../../winrm/ntlm";
import { SOAP_CONTENT_TYPE } from "../../winrm/ntlm-http";
import { buildStdin } from "../../winrm/powershell-stdin";
import { readBootTime, waitForReady } from "../../winrm/readiness";
import { runScript } from "../../winrm/run";
import { RemoteShell, runPowerShell } from "../../winrm/shell";
import { certificateFingerprint, createTransport, identify } from "../../winrm/transport";
import { clientFor, makeSelfSignedCert } from "./helpers";
import { TestServerOptions, WinRmTestServer, startSilentServer } from "./server";
import * as net from "net";

const servers: Array<{ stop: () => Promise<void> }> = [];
async function server(opts: TestServerOptions = {}): Promise<WinRmTestServer> {
  const s = await WinRmTestServer.start(opts);
  servers.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function collect(): { out: string[]; err: string[]; onStdout: (t: string) => void; onStderr: (t: string) => void } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, onStdout: (t) => out.push(t), onStderr: (t) => err.push(t) };
}

describe("client against the test server (NTLM, sealed)", () => {
  let srv: WinRmTestServer;
  beforeAll(async () => {
    srv = await server();
  });

  it("answers an unauthenticated Identify", async () => {
    const info = await identify({ host: "127.0.0.1", port: srv.port }, 2000);
    expect(info.productVendor).toBe("Microsoft Corporation");
    expect(info.protocolVersion).toContain("wsman");
  });

  it("uploads a 1 MiB script intact through stdin and every message is sealed", async () => {
    const filler = "# " + "x".repeat(1021) + "\n";
    let script = "";
    while (script.length < 1024 * 1024) script += filler;
    script += "Write-Output (Get-StandInScriptSha256)\n";
    const before = srv.stats.sealedRequests;
    const c = collect();
    const r = await runScript({ ...clientFor(srv), script, ...c, timeoutMs: 30000 });
    expect(r.exitCode).toBe(0);
    // PowerShell's $input yields lines without their line ends; the script block is them joined by LF.
    const asCompiled = script.replace(/\n$/, "");
    expect(c.out.join("").trim()).toBe(createHash("sha256").update(asCompiled, "utf8").digest("hex"));
    expect(srv.lastScript).toBe(asCompiled);
    // The script needed several Send envelopes, all under the service's 512000-byte limit.
    expect(srv.stats.sends).toBeGreaterThanOrEqual(4);
    expect(srv.stats.largestEnvelope).toBeLessThanOrEqual(512000);
    expect(srv.stats.sealedRequests - before).toBeGreaterThanOrEqual(8);
  });

  it("binds --param values as PowerShell parameters, whatever quotes they contain", async () => {
    const name = `O'Brien "quoted" ; $(Remove-Item C:\\) ‘curly’\nsecond line`;
    const c = collect();
    const r = await runScript({
      ...clientFor(srv),
      script: "param([string]$Name)\nWrite-Output $Name\n",
      params: { Name: name },
      ...c,
      timeoutMs: 10000,
    });
    expect(r.exitCode).toBe(0);
    expect(srv.lastParams).toEqual({ Name: name });
    expect(c.out.join("")).toBe(`${name}\r\n`);
  });

  it("returns a non-zero exit code with the output before it", async () => {
    const c = collect();
    const r = await runScript({ ...clientFor(srv), script: "Write-Output 'before'\nexit 7\nWrite-Output 'never'\n", ...c, timeoutMs: 10000 });
    expect(r).toMatchObject({ exitCode: 7, scriptExitCode: 7, rebooted: false });
    expect(c.out.join("")).toBe("before\r\n");
  });

  it("keeps asking after w:TimedOut faults until output arrives", async () => {
    const c = collect();
    const r = await runScript({
      ...clientFor(srv, { operationTimeoutSec: 0.2 }),
      script: "Start-Sleep -Milliseconds 1200\nWrite-Output 'late'\n",
      ...c,
      timeoutMs: 10000,
    });
    expect(r.exitCode).toBe(0);
    expect(r.timedOutReceives).toBeGreaterThanOrEqual(3);
    expect(c.out.join("")).toBe("late\r\n");
  });

  it("refuses a command line over 8191 characters on the client, and the server faults on it too", async () => {
    const client = new WsmanClient(clientFor(srv));
    try {
      const shell = await RemoteShell.open(client);
      await expect(shell.command("cmd.exe", ["/c", "x".repeat(8200)])).rejects.toThrow(/8191/);
      const shellId = parseShellId(await client.invoke(createShellEnvelope(client.header())));
      await expect(client.invoke(commandEnvelope(client.header(), shellId, "cmd.exe", ["/c", "x".repeat(8200)]))).rejects.toThrow(/command line is too long/);
    } finally {
      client.close();
    }
  });

  it("gets HTTP 413 when an envelope exceeds the service's MaxEnvelopeSize", async () => {
    const client = new WsmanClient(clientFor(srv, { maxEnvelopeSize: 1_000_000 }));
    try {
      const err = await runPowerShell(client, Buffer.from("#".repeat(900_000)), {}, Date.now() + 10000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EnvelopeTooLargeError);
      expect((err as Error).message).toMatch(/413/);
    } finally {
      client.close();
    }
  });

  it("names host and user on a wrong password, without a stack trace", async () => {
    const err = await runScript({ ...clientFor(srv), password: "not-the-password", script: "Write-Output 'x'\n", timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    const msg = (err as Error).message;
    expect(msg).toContain(`127.0.0.1:${srv.port}`);
    expect(msg).toContain(`"${srv.user}"`);
    expect(msg).not.toContain("not-the-password");
    expect(msg).not.toMatch(/\n\s+at /);
    expect(srv.stats.authFailures).toBeGreaterThan(0);
  });

  it("rejects a request body that is not sealed after NTLM authentication", async () => {
    const conn = new HttpConnection(
      (t) =>
        new Promise((resolve, reject) => {
          const s = net.connect({ host: "127.0.0.1", port: srv.port }, () => resolve(s));
          s.once("error", reject);
          setTimeout(() => reject(new Error("connect timeout")), t).unref();
        }),
      `127.0.0.1:${srv.port}`,
      "test server",
    );
    try {
      const ntlm = new NtlmClient({ user: srv.user, password: srv.password });
      const first = await conn.request({
        method: "POST",
        path: "/wsman",
        headers: { Authorization: `Negotiate ${ntlm.negotiate().toString("base64")}` },
        body: Buffer.alloc(0),
        timeoutMs: 3000,
      });
      expect(first.status).toBe(401);
      const token = Buffer.from((first.headers["www-authenticate"]?.[0] ?? "").split(" ")[1], "base64");
      const { message } = ntlm.authenticate(token);
      const before = srv.stats.rejectedUnsealed;
      const res = await conn.request({
        method: "POST",
        path: "/wsman",
        headers: { Authorization: `Negotiate ${message.toString("base64")}`, "Content-Type": SOAP_CONTENT_TYPE },
        body: Buffer.from(createShellEnvelope({ to: "http://x/wsman", maxEnvelopeSize: 512000, operationTimeoutSec: 5 })),
        timeoutMs: 3000,
      });
      // Windows with AllowUnencrypted=false answers 401, not 400.
      expect(res.status).toBe(401);
      expect(srv.stats.rejectedUnsealed).toBe(before + 1);
    } finally {
      conn.close();
    }
  });
});

describe("output streaming", () => {
  it("decodes UTF-8 split across chunk and Receive boundaries", async () => {
    // 5-byte chunks, one per Receive: every multi-byte character gets cut somewhere.
    const srv = await server({ outputChunkBytes: 5, maxStreamsPerReceive: 1 });
    const text = "Grüße — 日本語 — 🚀";
    const c = collect();
    const r = await runScript({ ...clientFor(srv), script: `Write-Output '${text}'\n`, ...c, timeoutMs: 20000 });
    expect(r.exitCode).toBe(0);
    expect(c.out.join("")).toBe(`${text}\r\n`);
    expect(c.out.length).toBeGreaterThan(5);
    expect(srv.stats.receives).toBeGreaterThan(Buffer.byteLength(text) / 5);
  });

  it("preserves order within stdout and within stderr when they interleave", async () => {
    const srv = await server({ outputChunkBytes: 3, maxStreamsPerReceive: 2 });
    const script = [
      "Write-Output 'out 1'",
      "[Console]::Error.WriteLine('err 1')",
      "Write-Output 'out 2'",
      "Write-Error 'err 2'",
      "Write-Output 'out 3'",
      "[Console]::Error.WriteLine('err 3')",
    ].join("\n");
    const c = collect();
    await runScript({ ...clientFor(srv), script, ...c, timeoutMs: 20000 });
    expect(c.out.join("")).toBe("out 1\r\nout 2\r\nout 3\r\n");
    expect(c.err.join("")).toBe("err 1\r\nerr 2\r\nerr 3\r\n");
  });
});

describe("reboots and readiness", () => {
  it("after exit 3010 restarts the guest, waits for a new boot time, and reports success", async () => {
    const srv = await server({ rebootDowntimeMs: 400 });
    const bootBefore = srv.bootTime;
    const events: string[] = [];
    const c = collect();
    const r = await runScript({
      ...clientFor(srv),
      script: "Write-Output 'installing'\nexit 3010\n",
      ...c,
      onEvent: (m) => events.push(m),
      pollIntervalMs: 100,
      timeoutMs: 20000,
    });
    expect(r).toMatchObject({ exitCode: 0, scriptExitCode: 3010, rebooted: true });
    expect(srv.stats.reboots).toBe(1);
    expect(r.bootTime).toBe(new Date(srv.bootTime).toISOString());
    expect(Date.parse(r.bootTime) - Date.parse(bootBefore)).toBeGreaterThan(3000_000);
    expect(c.out.join("")).toBe("installing\r\n");
    expect(events.join("\n")).toMatch(/restarting/);
  });

  it("a script started while the guest is still rebooting waits for it to be ready, then runs", async () => {
    const srv = await server({ rebootDowntimeMs: 1500 });
    srv.reboot();
    const c = collect();
    const r = await runScript({ ...clientFor(srv), script: "Write-Output 'after the reboot'\nexit 0\n", ...c, pollIntervalMs: 100, timeoutMs: 20000 });
    expect(r).toMatchObject({ exitCode: 0, rebooted: false });
    expect(c.out.join("")).toBe("after the reboot\r\n");
    expect(r.bootTime).toBe(new Date(srv.bootTime).toISOString());
  });

  it("waitForReady returns the boot time of a live server", async () => {
    const srv = await server();
    const { bootTime } = await waitForReady(clientFor(srv), { timeoutMs: 10000, pollIntervalMs: 100 });
    expect(bootTime).toBe(srv.bootTime);
    expect(await readBootTime(clientFor(srv), 5000)).toBe(srv.bootTime);
  });

  it("gives up on a server that never answers, naming what it waited for and the last error", async () => {
    const silent = await startSilentServer();
    servers.push(silent);
    const started = Date.now();
    const err = await waitForReady(
      { host: "127.0.0.1", port: silent.port, user: "u", password: "p" },
      { timeoutMs: 1500, pollIntervalMs: 100, attemptTimeoutMs: 400 },
    ).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/waiting for WinRM Identify on 127\.0\.0\.1:\d+; last error: no HTTP response/);
  });

  it("gives up on a closed port, naming the TCP wait", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await waitForReady({ host: "127.0.0.1", port, user: "u", password: "p" }, { timeoutMs: 800, pollIntervalMs: 100 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`waiting for TCP port 127\\.0\\.0\\.1:${port}; last error: .*ECONNREFUSED`));
  });
});

describe("Basic transports", () => {
  it("refuses Basic over plain HTTP unless allowUnencrypted is set by name", async () => {
    const srv = await server({ allowUnencrypted: true });
    expect(() => createTransport({ ...clientFor(srv), kind: "basic" })).toThrow(ConfigurationError);
    expect(() => createTransport({ ...clientFor(srv), kind: "basic" })).toThrow(/refusing Basic authentication over plain HTTP/);
    await expect(runScript({ ...clientFor(srv), kind: "basic", script: "Write-Output 'x'\n", timeoutMs: 5000 })).rejects.toThrow(ConfigurationError);
    const c = collect();
    const r = await runScript({ ...clientFor(srv), kind: "basic", allowUnencrypted: true, script: "Write-Output 'plain'\n", ...c, timeoutMs: 5000 });
    expect(r.exitCode).toBe(0);
    expect(c.out.join("")).toBe("plain\r\n");
  });

  it("a server with AllowUnencrypted=false refuses Basic over HTTP", async () => {
    const srv = await server();
    await expect(runScript({ ...clientFor(srv), kind: "basic", allowUnencrypted: true, script: "Write-Output 'x'\n", timeoutMs: 5000 })).rejects.toThrow(
      AuthenticationError,
    );
  });

  describe("over HTTPS", () => {
    let cert: Awaited<ReturnType<typeof makeSelfSignedCert>>;
    let srv: WinRmTestServer;
    beforeAll(async () => {
      cert = await makeSelfSignedCert();
      if (cert) srv = await server({ tls: { key: cert.key, cert: cert.cert } });
    });
    afterAll(() => cert?.cleanup());

    it("works with a pinned certificate, and refuses a wrong pin before sending credentials", async () => {
      // A missing openssl fails the test: CI installs it.
      if (!cert) throw new Error("openssl could not make a test certificate");
      const pin = certificateFingerprint(cert.cert);
      const c = collect();
      const r = await runScript({ ...clientFor(srv), kind: "basic-https", pinSha256: pin, script: "Write-Output 'tls ok'\n", ...c, timeoutMs: 10000 });
      expect(r.exitCode).toBe(0);
      expect(c.out.join("")).toBe("tls ok\r\n");

      const failuresBefore = srv.stats.authFailures;
      const wrong = pin.replace(/^./, (ch) => (ch === "A" ? "B" : "A"));
      const err = await runScript({ ...clientFor(srv), kind: "basic-https", pinSha256: wrong, script: "Write-Output 'x'\n", timeoutMs: 5000 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TransportError);
      expect((err as Error).message).toMatch(/not the pinned/);
      expect(srv.stats.authFailures).toBe(failuresBefore);
    });

    it("works with the certificate as a trusted CA file, and fails without it", async () => {
      if (!cert) throw new Error("openssl could not make a test certificate");
      const r = await runScript({ ...clientFor(srv), kind: "basic-https", caFile: cert.certFile, script: "Write-Output 'ca ok'\n", timeoutMs: 10000 });
      expect(r.exitCode).toBe(0);
      await expect(runScript({ ...clientFor(srv), kind: "basic-https", script: "Write-Output 'x'\n", timeoutMs: 5000 })).rejects.toThrow(
        /self.signed|certificate/i,
      );
    });
  });
});

describe("stdin bootstrap", () => {
  it("puts the parameters on one ASCII JSON line and the script after it, raw", () => {
    const s = buildStdin("if ($true) {\n  'multi'\n}\n", { A: "1\n2 é" }).toString("utf8");
    expect(s).toBe('{"A":"1\\n2 \\u00e9"}\nif ($true) {\n  \'multi\'\n}\n');
    expect(() => buildStdin("x", { "bad-name": "v" })).toThrow(/identifier/);
  });

  it("a fault other than TimedOut ends the receive loop", async () => {
    const srv = await server();
    const client = new WsmanClient(clientFor(srv));
    try {
      const shell = await RemoteShell.open(client);
      await shell.close();
      // The shell is gone: the server faults and the client surfaces it as a WsmanFault.
      await expect(shell.receiveUntilDone("NOPE", {}, Date.now() + 3000)).rejects.toBeInstanceOf(WsmanFault);
    } finally {
      client.close();
    }
  });
});
