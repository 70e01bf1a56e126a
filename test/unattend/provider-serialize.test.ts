// The unattended install's providers as Pulumi ships them: the closure's text, loaded in a plain
// node process (no TypeScript loader) started in the project folder, as Pulumi starts the provider
// host, then called. Proves the closure finds unattend/provider/ops from there, holding no path.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installMediaProvider, installWaitProvider } from "../../unattend/provider";

jest.setTimeout(90_000);

// node -e: argv[1] is the project folder, argv[2] the closure file, argv[3] the call as JSON.
const PROVIDER_HOST = `
const load = require(require.resolve("require-from-string", { paths: [process.argv[1]] }));
const provider = load(require("fs").readFileSync(process.argv[2], "utf8")).handler();
const [method, ...args] = JSON.parse(process.argv[3]);
provider[method](...args).then((out) => console.log(JSON.stringify(out)), (err) => console.log(JSON.stringify({ error: err.message })));
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "unattend-provider-host-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROJECT = join(__dirname, "..", "..");

async function callInHost(provider: pulumi.dynamic.ResourceProvider, call: unknown[], cwd = PROJECT): Promise<Record<string, unknown>> {
  const closure = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  expect(closure.text.length).toBeLessThan(20_000);
  // A moved checkout must still destroy: nothing in the stored provider names this one's folder.
  expect(closure.text).not.toContain(PROJECT);
  const file = join(dir, `${String(call[0])}-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(file, closure.text);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", PROVIDER_HOST, PROJECT, file, JSON.stringify(call)], { cwd, timeout: 80_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").pop()!));
    });
  });
}

test("InstallMedia's check names homelab:adminPassword when it is not set", async () => {
  const result = await callInHost(installMediaProvider, ["check", {}, { name: "DC01", adminPassword: "" }]);
  expect(result.failures).toEqual([
    {
      property: "adminPassword",
      reason:
        "homelab:adminPassword is not set: the unattended install writes it into DC01's answer file. Run pulumi config set --secret homelab:adminPassword, or set homelab:install to manual",
    },
  ]);
});

test("InstallWait of an adopted VM returns at once, from the provider host", async () => {
  const inputs = {
    uri: "qemu:///system?socket=/nonexistent/sock",
    name: "DC01",
    hostname: "DC01",
    serialLog: "/nonexistent/DC01-serial.log",
    answerIso: "/nonexistent/DC01.iso",
    adopted: "its disk already holds 20.0 GiB",
    timeoutMs: 1000,
    domainUuid: "5a7c1c43-5b3a-4d7e-9a55-0d0c1a3e0d01",
  };
  const result = await callInHost(installWaitProvider, ["create", inputs]);
  expect(result).toEqual({ id: "DC01-install", outs: { ...inputs, installed: true, marker: "", waitedSeconds: 0 } });
});

test("a provider host started outside a project says where it looked", async () => {
  await expect(callInHost(installMediaProvider, ["check", {}, { name: "DC01", adminPassword: "" }], tmpdir())).rejects.toThrow(
    "Error: the homelab install provider code was not found under /tmp (looked for unattend/provider/ops and ts-node there): run pulumi from the project folder, the one with Pulumi.yaml and node_modules",
  );
});
