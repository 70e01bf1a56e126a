/**
 * WinRM client throughput against the in-repo test server, on 127.0.0.1 only:
 * upload a 1 MiB script (stdin Send envelopes, NTLM-sealed) and download 10 MiB of output
 * (Receive loop, sealed), each compared in the same run with
 *  - pywinrm (Debian's python3-winrm, bench/winrm-pywinrm.py) doing the same against the same
 *    server: the yardstick the client must at least match (ratio pywinrm/client >= 1);
 *  - the same byte count over a plain local HTTP POST, so the protocol's cost shows.
 *   npx ts-node --transpile-only bench/winrm.bench.ts
 */
import { spawn } from "child_process";
import { createHash } from "crypto";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import * as http from "http";
import * as net from "net";
import { POWERSHELL_ARGS, POWERSHELL_COMMAND, WsmanClient, buildStdin, runPowerShell } from "../winrm";

const MiB = 1024 * 1024;
const ROUNDS = 7;

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
    const req = http.request(
      { host: "127.0.0.1", port, method: "POST", path: "/", agent, headers: { "X-Want": String(want), "Content-Length": body.length } },
      (res) => {
        let n = 0;
        res.on("data", (d: Buffer) => (n += d.length));
        res.on("end", () => resolve(n));
      },
    );
    req.on("error", reject);
    req.setTimeout(30000, () => req.destroy(new Error("baseline request timed out")));
    req.end(body);
  });
}

async function main(): Promise<void> {
  // The double runs in a process of its own, so neither client shares its event loop or heap.
  const server = await startDouble();
  const base = await baselineServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const client = new WsmanClient({ host: "127.0.0.1", port: server.port, user: server.user, password: server.password, operationTimeoutSec: 10 });
  const deadline = (): number => Date.now() + 120_000;
  try {
    let script = "";
    while (script.length < MiB) script += "# " + "u".repeat(1021) + "\n";
    script = script.slice(0, MiB - 40) + "\nWrite-Output (Get-StandInScriptSha256)\n";
    const scriptBytes = Buffer.byteLength(script);
    // The stand-in hashes the script block as PowerShell compiles it: lines joined by LF, no trailing newline.
    const expected = createHash("sha256").update(script.replace(/\n$/, "")).digest("hex");

    const outBytes = 10 * MiB;
    const time = async (fn: () => Promise<void>): Promise<number> => {
      const t = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - t) / 1e9;
    };
    const clientUpload = (): Promise<number> =>
      time(async () => {
        let out = "";
        const code = await runPowerShell(client, buildStdin(script), { onStdout: (t) => (out += t) }, deadline());
        if (code !== 0 || out.trim() !== expected) throw new Error(`upload check failed: exit ${code}, output ${out.slice(0, 80)}`);
      });
    const clientDownload = (): Promise<number> =>
      time(async () => {
        let n = 0;
        const code = await runPowerShell(
          client,
          buildStdin(`Write-Output ('x' * ${outBytes})\n`),
          { onStdout: (t) => (n += Buffer.byteLength(t)) },
          deadline(),
        );
        if (code !== 0 || n !== outBytes + 2) throw new Error(`download check failed: exit ${code}, ${n} bytes`);
      });
    const pyConfig = {
      endpoint: `http://127.0.0.1:${server.port}/wsman`,
      user: server.user,
      password: server.password,
      upload_command: [POWERSHELL_COMMAND, ...POWERSHELL_ARGS].join(" "),
      upload_stdin: buildStdin(script),
      upload_expect: expected,
      download_script: `Write-Output ('x' * ${outBytes})\n`,
      download_bytes: outBytes + 2,
    };

    // Rounds interleave the two clients, so both meet the same load on this shared machine; each
    // round gives one ratio per direction, and the median of those is reported.
    await clientUpload(); // warm-up: JIT and the NTLM handshake
    const rounds: Array<{ cu: number; cd: number; pu: number; pd: number }> = [];
    for (let i = 0; i < ROUNDS; i++) {
      const cu = await clientUpload();
      const cd = await clientDownload();
      const py = await pywinrm(pyConfig);
      rounds.push({ cu, cd, pu: py.upload, pd: py.download });
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const upload = median(rounds.map((r) => r.cu));
    const download = median(rounds.map((r) => r.cd));
    const uploadBase = await best(async () => {
      await plainPost(agent, base.port, Buffer.alloc(scriptBytes, 0x75), 0);
    });
    const downloadBase = await best(async () => {
      const n = await plainPost(agent, base.port, Buffer.alloc(0), outBytes);
      if (n !== outBytes) throw new Error("baseline download short");
    });

    const row = (name: string, bytes: number, t: number, tb: number): string =>
      `${name.padEnd(22)} ${(bytes / MiB).toFixed(2).padStart(6)} MiB  winrm ${(bytes / MiB / t).toFixed(1).padStart(7)} MiB/s (${(t * 1000).toFixed(0)} ms)` +
      `  plain HTTP ${(bytes / MiB / tb).toFixed(1).padStart(7)} MiB/s (${(tb * 1000).toFixed(1)} ms)  ratio winrm/plain ${(tb / t).toFixed(3)}`;
    console.log(`winrm bench (NTLM-sealed HTTP, the test double in its own process on 127.0.0.1; medians of ${ROUNDS} interleaved rounds)`);
    console.log(row("upload 1 MiB script", scriptBytes, upload, uploadBase));
    console.log(row("download 10 MiB output", outBytes, download, downloadBase));
    const vs = (name: string, pick: (r: (typeof rounds)[number]) => [number, number]): string => {
      const ratios = rounds.map((r) => pick(r)[1] / pick(r)[0]);
      return (
        `${name.padEnd(22)} client ${(median(rounds.map((r) => pick(r)[0])) * 1000).toFixed(0).padStart(6)} ms  pywinrm ${(median(rounds.map((r) => pick(r)[1])) * 1000).toFixed(0).padStart(6)} ms` +
        `  ratio pywinrm/client ${median(ratios).toFixed(2)} (rounds ${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)}; >= 1: the client is at least as fast)`
      );
    };
    console.log(vs("upload 1 MiB script", (r) => [r.cu, r.pu]));
    console.log(vs("download 10 MiB output", (r) => [r.cd, r.pd]));
  } finally {
    client.close();
    agent.destroy();
    await base.close();
    await server.stop();
  }
}

/** test/winrm/serve.ts in a child process; resolves once it listens. */
async function startDouble(): Promise<{ port: number; user: string; password: string; stop: () => Promise<void> }> {
  const password = "Bench-Pw-1";
  const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", join(__dirname, "..", "test", "winrm", "serve.ts")], {
    cwd: join(__dirname, ".."),
    env: { ...process.env, WINRM_DOUBLE: JSON.stringify({ host: "127.0.0.1", password }) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve((JSON.parse(out.split("\n")[0]) as { port: number }).port);
    });
    child.once("close", (code) => reject(new Error(`the WinRM double exited ${code} before listening`)));
  });
  return {
    port,
    user: "Administrator",
    password,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("close", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Runs bench/winrm-pywinrm.py with /usr/bin/python3 (python3-winrm) against the same server. */
async function pywinrm(cfg: Record<string, unknown> & { upload_stdin: Buffer }): Promise<{ upload: number; download: number }> {
  const dir = mkdtempSync(join(tmpdir(), "winrm-bench-"));
  try {
    const conf = join(dir, "openssl.cnf");
    // pywinrm's NTLM needs MD4, in OpenSSL 3's legacy provider.
    writeFileSync(conf, "openssl_conf = openssl_init\n[openssl_init]\nproviders = p\n[p]\ndefault = d\nlegacy = l\n[d]\nactivate = 1\n[l]\nactivate = 1\n");
    const stdinFile = join(dir, "stdin");
    writeFileSync(stdinFile, cfg.upload_stdin);
    const { upload_stdin: _bytes, ...rest } = cfg;
    const input = JSON.stringify({ ...rest, upload_file: stdinFile });
    return await new Promise((resolve, reject) => {
      const child = spawn("/usr/bin/python3", [join(__dirname, "winrm-pywinrm.py")], {
        env: { PATH: "/usr/bin:/bin", OPENSSL_CONF: conf, PYWINRM_BENCH: input },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("error", (e) => reject(new Error(`cannot run /usr/bin/python3 (install python3-winrm): ${e.message}`)));
      child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`pywinrm bench exited ${code}: ${err.slice(-1500)}`))));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
