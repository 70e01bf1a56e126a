/** The double as its own process (test/winrm/serve.ts), as a harness in a network namespace runs it. */
import { spawn } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { runScript } from "../../winrm/run";

it("serves on the given address, plays scripted outcomes by synopsis, and records runs without values", async () => {
  const dir = mkdtempSync(join(tmpdir(), "winrm-serve-"));
  const recordsFile = join(dir, "records.jsonl");
  const secret = "Serve-S3cret";
  const child = spawn(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", join(__dirname, "serve.ts")], {
    cwd: join(__dirname, "..", ".."),
    env: {
      ...process.env,
      WINRM_DOUBLE: JSON.stringify({
        host: "127.0.0.3",
        password: "Pw-1",
        defaultOutcome: { exitCode: 0 },
        outcomes: [{ synopsis: "Phase two", outcome: { exitCode: 1, stdout: "two failed\r\n" } }],
        recordsFile,
        forbidden: [secret],
      }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  try {
    const where = await new Promise<{ host: string; port: number }>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]));
      });
      child.on("close", (code) => reject(new Error(`serve.ts exited ${code}`)));
    });
    expect(where.host).toBe("127.0.0.3");
    const base = { host: where.host, port: where.port, user: "Administrator", password: "Pw-1", timeoutMs: 20000 };
    const one = await runScript({ ...base, script: "<#\n.SYNOPSIS\n    Phase one.\n#>\nparam([string]$Secret)\nDo-PhaseOne\n", params: { Secret: secret } });
    expect(one.exitCode).toBe(0);
    let out = "";
    const two = await runScript({ ...base, script: "<#\n.SYNOPSIS\n    Phase two.\n#>\nDo-PhaseTwo\n", onStdout: (t) => (out += t) });
    expect([two.exitCode, out]).toEqual([1, "two failed\r\n"]);
  } finally {
    const closed = new Promise((r) => child.once("close", r));
    child.kill("SIGTERM");
    await closed;
  }
  const records = readFileSync(recordsFile, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const runs = records.flatMap((r: { runs: unknown[] }) => r.runs);
  expect(runs).toContainEqual({ synopsis: "Phase one.", params: ["Secret"] });
  expect(runs).toContainEqual({ synopsis: "Phase two.", params: [] });
  expect(records.every((r: { forbiddenSeen: boolean }) => r.forbiddenSeen === false)).toBe(true);
  expect(readFileSync(recordsFile, "utf8")).not.toContain(secret);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);
