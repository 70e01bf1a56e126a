/**
 * WinRM client throughput against the in-repo test server, on 127.0.0.1 only:
 * upload a 1 MiB script (stdin Send envelopes, NTLM-sealed) and download 10 MiB of output
 * (Receive loop, sealed), each compared with the same byte count over a plain local HTTP POST
 * in the same run, so the protocol's cost (base64, XML, RC4 + HMAC-MD5, round trips) shows.
 *   npx ts-node --transpile-only bench/winrm.bench.ts
 */
import { createHash } from "crypto";
import * as http from "http";
import * as net from "net";
import { WsmanClient, buildStdin, runPowerShell } from "../winrm";
import { WinRmTestServer } from "../test/winrm/server";

const MiB = 1024 * 1024;
const ROUNDS = 3;

async function best(fn: () => Promise<void>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const t = process.hrtime.bigint();
    await fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return min;
}

async function baselineServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const srv = http.createServer((req, res) => {
    const want = Number(req.headers["x-want"] ?? "0");
    let got = 0;
    req.on("data", (d: Buffer) => (got += d.length));
    req.on("end", () => {
      const body = Buffer.alloc(want, 0x78);
      res.writeHead(200, { "Content-Length": String(body.length), "X-Got": String(got) }).end(body);
    });
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  return { port: (srv.address() as net.AddressInfo).port, close: () => new Promise((r) => srv.close(() => r())) };
}

function plainPost(agent: http.Agent, port: number, body: Buffer, want: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/", agent, headers: { "X-Want": String(want), "Content-Length": body.length } }, (res) => {
      let n = 0;
      res.on("data", (d: Buffer) => (n += d.length));
      res.on("end", () => resolve(n));
    });
    req.on("error", reject);
    req.setTimeout(30000, () => req.destroy(new Error("baseline request timed out")));
    req.end(body);
  });
}

async function main(): Promise<void> {
  const server = await WinRmTestServer.start();
  const base = await baselineServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const client = new WsmanClient({ host: "127.0.0.1", port: server.port, user: server.user, password: server.password, operationTimeoutSec: 10 });
  const deadline = (): number => Date.now() + 120_000;
  try {
    let script = "";
    while (script.length < MiB) script += "# " + "u".repeat(1021) + "\n";
    script = script.slice(0, MiB - 40) + "\nWrite-Output (Get-StandInScriptSha256)\n";
    const scriptBytes = Buffer.byteLength(script);
    const expected = createHash("sha256").update(script).digest("hex");

    const upload = await best(async () => {
      let out = "";
      const code = await runPowerShell(client, buildStdin(script), { onStdout: (t) => (out += t) }, deadline());
      if (code !== 0 || out.trim() !== expected) throw new Error(`upload check failed: exit ${code}, output ${out.slice(0, 80)}`);
    });
    const uploadBase = await best(async () => {
      await plainPost(agent, base.port, Buffer.alloc(scriptBytes, 0x75), 0);
    });

    const outBytes = 10 * MiB;
    const download = await best(async () => {
      let n = 0;
      const code = await runPowerShell(client, buildStdin(`Write-Output ('x' * ${outBytes})\n`), { onStdout: (t) => (n += Buffer.byteLength(t)) }, deadline());
      if (code !== 0 || n !== outBytes + 2) throw new Error(`download check failed: exit ${code}, ${n} bytes`);
    });
    const downloadBase = await best(async () => {
      const n = await plainPost(agent, base.port, Buffer.alloc(0), outBytes);
      if (n !== outBytes) throw new Error("baseline download short");
    });

    const row = (name: string, bytes: number, t: number, tb: number): string =>
      `${name.padEnd(22)} ${(bytes / MiB).toFixed(2).padStart(6)} MiB  winrm ${(bytes / MiB / t).toFixed(1).padStart(7)} MiB/s (${(t * 1000).toFixed(0)} ms)` +
      `  plain HTTP ${(bytes / MiB / tb).toFixed(1).padStart(7)} MiB/s (${(tb * 1000).toFixed(1)} ms)  ratio winrm/plain ${(tb / t).toFixed(3)}`;
    console.log(`winrm bench (NTLM-sealed HTTP, test server on 127.0.0.1, best of ${ROUNDS}; one shell per run)`);
    console.log(row("upload 1 MiB script", scriptBytes, upload, uploadBase));
    console.log(row("download 10 MiB output", outBytes, download, downloadBase));
    console.log(`server: ${server.stats.sends} Send, ${server.stats.receives} Receive, ${server.stats.handshakes} NTLM handshakes, largest envelope ${server.stats.largestEnvelope} bytes`);
  } finally {
    client.close();
    agent.destroy();
    await base.close();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
